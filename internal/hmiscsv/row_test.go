package hmiscsv

import (
	"strings"
	"testing"
	"time"
)

// oneRow reads the single data row of a CSV text.
func oneRow(t *testing.T, text string) Row {
	t.Helper()
	tab, err := newTable("Client.csv", &bounded{r: strings.NewReader(text)}, "")
	if err != nil {
		t.Fatal(err)
	}
	r, err := tab.next()
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRowDates(t *testing.T) {
	at := func(y int, m time.Month, d, hh, mm, ss int) time.Time {
		return time.Date(y, m, d, hh, mm, ss, 0, time.UTC)
	}
	for _, c := range []struct {
		in       string
		date     time.Time
		dateTime time.Time
	}{
		{"", time.Time{}, time.Time{}},
		{"2024-03-09", at(2024, 3, 9, 0, 0, 0), at(2024, 3, 9, 0, 0, 0)},
		{"2024-03-09 17:45:03", at(2024, 3, 9, 0, 0, 0), at(2024, 3, 9, 17, 45, 3)},
		{"03-09-2024", at(2024, 3, 9, 0, 0, 0), at(2024, 3, 9, 0, 0, 0)},
		{"02-07-2023 12:00:00", at(2023, 2, 7, 0, 0, 0), at(2023, 2, 7, 12, 0, 0)},
		{"02-07-2023 12:00", at(2023, 2, 7, 0, 0, 0), at(2023, 2, 7, 12, 0, 0)},
		{"09-Mar-2024", at(2024, 3, 9, 0, 0, 0), at(2024, 3, 9, 0, 0, 0)},
		{"09-MAR-2024 08:15:00", at(2024, 3, 9, 0, 0, 0), at(2024, 3, 9, 8, 15, 0)},
		{" 2024-03-09 ", at(2024, 3, 9, 0, 0, 0), at(2024, 3, 9, 0, 0, 0)},
	} {
		r := oneRow(t, "PersonalID,DOB\n1,\""+c.in+"\"\n")
		if got, err := r.Date("DOB"); err != nil || !got.Equal(c.date) {
			t.Errorf("Date(%q) = %v, %v; want %v", c.in, got, err, c.date)
		}
		if got, err := r.DateTime("dob"); err != nil || !got.Equal(c.dateTime) {
			t.Errorf("DateTime(%q) = %v, %v; want %v", c.in, got, err, c.dateTime)
		}
	}
	for _, bad := range []string{"31/02/1980", "1980-02-31", "1980-13-01", "2024-03-09T10:00:00", "2024-03-09 25:00:00", "March 9, 2024", "tomorrow"} {
		r := oneRow(t, "PersonalID,DOB\n1,\""+bad+"\"\n")
		if _, err := r.Date("DOB"); err == nil {
			t.Errorf("Date(%q) did not fail", bad)
		}
		_, err := r.DateTime("DOB")
		if want := `Client.csv line 2, column DOB: "` + bad + `" is not a date and time (want yyyy-mm-dd hh:mm:ss)`; err == nil || err.Error() != want {
			t.Errorf("DateTime(%q) = %v, want %s", bad, err, want)
		}
	}
}

// TestISODates: the quick reading of yyyy-mm-dd agrees with time.Parse, which reads the rest.
func TestISODates(t *testing.T) {
	for _, s := range []string{"2024-03-09", "2024-02-29", "2023-02-29", "2000-02-29", "1900-02-29", "2024-04-31", "2024-12-31",
		"2024-13-01", "2024-00-10", "2024-01-00", "0000-01-01", "9999-12-31", "2024-1-09", "2024-03-9x", "20x4-03-09", "2024/03/09"} {
		want, err := time.Parse("2006-1-2", s)
		got, ok := parseDateTime(s)
		if ok != (err == nil) || !got.Equal(want) {
			t.Errorf("parseDateTime(%q) = %v, %v; time.Parse says %v, %v", s, got, ok, want, err)
		}
	}
}

func TestRowFields(t *testing.T) {
	r := oneRow(t, "\"PersonalID\",VeteranStatus,Sex,ZIP\r\nC1 , 1 ,,x\r\n")
	if got := r.String("personalid"); got != "C1" {
		t.Errorf("String(personalid) = %q", got)
	}
	if n, err := r.Int("VeteranStatus"); n != 1 || err != nil {
		t.Errorf("Int(VeteranStatus) = %d, %v", n, err)
	}
	if got := r.String("Zip"); got != "x" {
		t.Errorf("String(Zip) = %q", got)
	}
	if got := r.String("NoSuchColumn"); got != "" {
		t.Errorf("String of a column the file lacks = %q", got)
	}
	if _, err := r.Int("Sex"); err == nil || err.Error() != "Client.csv line 2, column Sex: the field is empty; want an integer" {
		t.Errorf("Int of an empty field = %v", err)
	}
	if _, err := r.Int("ZIP"); err == nil || err.Error() != `Client.csv line 2, column ZIP: "x" is not an integer` {
		t.Errorf("Int of a word = %v", err)
	}
	if r.Line() != 2 {
		t.Errorf("Line() = %d", r.Line())
	}
}

func TestProblemMessage(t *testing.T) {
	for _, c := range []struct {
		p    Problem
		want string
	}{
		{Problem{File: "Client.csv", Line: 12, Column: "DOB", Message: "bad"}, "Client.csv line 12, column DOB: bad"},
		{Problem{File: "Client.csv", Line: 12, Message: "bad"}, "Client.csv line 12: bad"},
		{Problem{File: "Client.csv", Column: "DOB", Message: "bad"}, "Client.csv column DOB: bad"},
		{Problem{File: "Client.csv", Message: "bad"}, "Client.csv: bad"},
	} {
		if got := c.p.Error(); got != c.want {
			t.Errorf("got %q, want %q", got, c.want)
		}
	}
}
