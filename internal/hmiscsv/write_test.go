package hmiscsv

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestWriter(t *testing.T) {
	var b bytes.Buffer
	w, err := NewWriter(&b, FY2024, "Event.csv")
	if err != nil {
		t.Fatal(err)
	}
	day := time.Date(2025, 3, 4, 0, 0, 0, 0, time.UTC)
	w.Set("EventID", "EV1")
	w.Set("EnrollmentID", "E7")
	w.Set("PersonalID", "C3")
	w.SetDate("EventDate", day)
	w.SetInt("Event", 14)
	w.Set("LocationCrisisOrPHHousing", `Harbor "Commons", PSH [P9]`)
	w.SetInt("ReferralResult", 1)
	w.SetDate("ResultDate", day.AddDate(0, 0, 9))
	w.SetDateTime("DateCreated", day.Add(9*time.Hour+5*time.Minute))
	w.SetDateTime("DateUpdated", day.Add(10*time.Hour))
	w.Set("UserID", "U1")
	w.SetDateTime("DateDeleted", time.Time{})
	w.Set("ExportID", "X1")
	if err := w.WriteRow(); err != nil {
		t.Fatal(err)
	}
	w.Set("EventID", "EV2")
	w.SetInt("Event", 2)
	if err := w.WriteRow(); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	want := `"EventID","EnrollmentID","PersonalID","EventDate","Event","ProbSolDivRRResult","ReferralCaseManageAfter","LocationCrisisOrPHHousing","ReferralResult","ResultDate","DateCreated","DateUpdated","UserID","DateDeleted","ExportID"` + "\r\n" +
		`"EV1","E7","C3",2025-03-04,14,,,"Harbor ""Commons"", PSH [P9]",1,2025-03-13,2025-03-04 09:05:00,2025-03-04 10:00:00,"U1",,"X1"` + "\r\n" +
		`"EV2",,,,2,,,,,,,,,,` + "\r\n"
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if w.Rows() != 2 {
		t.Errorf("Rows() = %d", w.Rows())
	}

	t.Run("a column HUD's file does not have is an error", func(t *testing.T) {
		w, _ := NewWriter(&bytes.Buffer{}, FY2024, "Event.csv")
		w.Set("Score", "12")
		if err := w.WriteRow(); err == nil || !strings.Contains(err.Error(), "Event.csv has no column Score") {
			t.Errorf("WriteRow = %v", err)
		}
	})

	t.Run("an integer column holding a comma is still quoted", func(t *testing.T) {
		var b bytes.Buffer
		w, _ := NewWriter(&b, FY2024, "Event.csv")
		w.Set("Event", "1,2")
		w.WriteRow()
		w.Flush()
		if !strings.Contains(b.String(), `,,,,"1,2",`) {
			t.Errorf("got %q", b.String())
		}
	})

	t.Run("versions and files it does not know", func(t *testing.T) {
		if _, err := NewWriter(&b, "2022", "Event.csv"); err == nil {
			t.Error("FY2022 accepted")
		}
		if _, err := NewWriter(&b, FY2026, "Services.csv"); err == nil {
			t.Error("Services.csv accepted")
		}
	})
}

func TestWriterReadsBack(t *testing.T) {
	dir := t.TempDir()
	write := func(file string, set func(w *Writer)) {
		f, err := os.Create(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		w, err := NewWriter(f, FY2026, file)
		if err != nil {
			t.Fatal(err)
		}
		set(w)
		if err := w.WriteRow(); err != nil {
			t.Fatal(err)
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	exported := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	write("Export.csv", func(w *Writer) {
		w.Set("ExportID", "X1")
		w.SetDateTime("ExportDate", exported)
		w.SetDate("ExportStartDate", exported.AddDate(-1, 0, 0))
		w.SetDate("ExportEndDate", exported)
		w.Set("SoftwareName", "Doorway")
		w.Set("CSVVersion", "2026 v1.0")
	})
	write("Client.csv", func(w *Writer) {
		w.Set("PersonalID", "C1")
		w.Set("FirstName", "Ann, \"Nan\"\nLee")
		w.SetDate("DOB", time.Date(1970, 5, 6, 0, 0, 0, 0, time.UTC))
		w.SetInt("Sex", 0)
		w.SetInt("VeteranStatus", 99)
	})

	e := MustOpen(t, dir)
	if e.Version != FY2026 {
		t.Errorf("Version = %q", e.Version)
	}
	err := e.Rows("Client.csv", func(r Row) error {
		dob, err := r.Date("DOB")
		sex, _ := r.Int("Sex")
		vet, _ := r.Int("VeteranStatus")
		got := []any{r.String("PersonalID"), r.String("FirstName"), dob.Format(DateLayout), sex, vet, r.String("MiddleName")}
		if diff := cmp.Diff([]any{"C1", "Ann, \"Nan\"\nLee", "1970-05-06", 0, 99, ""}, got); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	err = e.Rows("Export.csv", func(r Row) error {
		got, err := r.DateTime("ExportDate")
		if !got.Equal(exported) {
			t.Errorf("ExportDate = %v, want %v", got, exported)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
