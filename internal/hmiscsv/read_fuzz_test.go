package hmiscsv

import (
	"errors"
	"strings"
	"testing"
	"testing/fstest"
	"unicode/utf8"

	"github.com/doorway-cas/doorway/internal/cas"
)

const fuzzClientHeader = "PersonalID,FirstName,MiddleName,LastName,NameSuffix,NameDataQuality,SSN,SSNDataQuality,DOB,DOBDataQuality,VeteranStatus,DateCreated,DateUpdated,UserID,DateDeleted,ExportID\r\n"

// FuzzReadHMISFile reads any bytes as an export's Client.csv, every column of every row as text,
// integer and date, as the importer does. The reader never panics; a file it cannot read fails with
// Problems that name the file (and the line, where there is one); and every field it gives is
// UTF-8, with a NUL always marked so that the importer refuses it by line and column instead of
// passing it to the database. Seeds: testdata/fuzz/FuzzReadHMISFile.
func FuzzReadHMISFile(f *testing.F) {
	for _, seed := range []string{
		fuzzClientHeader + "C1,Ana,,Diaz,,1,,99,1990-04-01,1,0,2026-01-01 10:00:00,2026-01-01 10:00:00,U1,,E1\r\n",
		fuzzClientHeader + "C1,A\x00na,,Diaz,,1,,99,1990-04-01,1,0,2026-01-01 10:00:00,2026-01-01 10:00:00,U1,,E1\r\n",
		fuzzClientHeader + "C1,Jos\xe9,,\"Di\r\naz\",,1,,99,04/01/1990,1,0,,,U1,,E1\n",
		"\xef\xbb\xbf" + fuzzClientHeader + "C1,\"unclosed\r\n",
		"\xff\xfeP\x00I\x00", "PersonalID\r\n", "", "a,b\r\n1,2,3\r\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := OpenFS(fstest.MapFS{
			"Export.csv": {Data: []byte("ExportID,CSVVersion\r\nE1,2026 v1.0\r\n")},
			"Client.csv": {Data: data},
		})
		if err != nil {
			t.Fatalf("open: %v", err) // Export.csv states the version: Client.csv is not read yet
		}
		err = e.rows("Client.csv", required["Client.csv"], func(r Row) error {
			for i, col := range r.header.names {
				s := r.String(col)
				if !utf8.ValidString(s) {
					t.Fatalf("line %d, column %s: %q is not UTF-8", r.Line(), col, s)
				}
				if strings.IndexByte(r.fields[i], 0) >= 0 {
					if kind, ok := r.note(col); !ok || kind != nul {
						t.Fatalf("line %d, column %s: a NUL not marked", r.Line(), col)
					}
				}
				r.Int(col)
				r.Date(col)
				r.DateTime(col)
			}
			return nil
		})
		for _, err := range unjoin(err) {
			p, ok := errors.AsType[*Problem](err)
			if !ok || p.File != "Client.csv" || !utf8.ValidString(p.Error()) {
				t.Fatalf("read: %v (%T), want problems of Client.csv", err, err)
			}
		}
	})
}

// FuzzReadConsentList reads any bytes as an uploaded consent list. It never panics, refuses a list
// with a problem as invalid with every problem listed, and gives only records whose text is UTF-8
// without a NUL. Seeds: testdata/fuzz/FuzzReadConsentList.
func FuzzReadConsentList(f *testing.F) {
	for _, seed := range []string{
		"PersonalID,ConsentDate,ExpirationDate\r\nP1,2026-01-05,2027-01-04\r\n",
		"\uFEFFConsentDate,PersonalID\n2026-01-05,P1\n\n", "PersonalID,ConsentDate\nP\x001,2026-01-01\n",
		"PersonalID,ConsentDate\nP1,2026-01-01\xff\n", "PersonalID,ConsentDate\n\"P1,2026\n", "",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		records, err := ReadConsentList("c.csv", strings.NewReader(string(data)))
		if err != nil {
			if e := cas.ErrorOf(err); e == nil || e.Code != cas.EInvalid || len(e.Details) == 0 {
				t.Fatalf("%v, want an invalid error listing the problems", err)
			}
			return
		}
		for _, r := range records {
			for _, s := range []string{r.HMISPersonalID, string(r.ConsentDate), string(r.ExpiresOn)} {
				if !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0 {
					t.Fatalf("record %+v let %q through", r, s)
				}
			}
		}
	})
}

// unjoin lists the errors errors.Join put together, or err alone.
func unjoin(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}
