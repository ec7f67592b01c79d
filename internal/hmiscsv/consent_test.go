package hmiscsv_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/hmiscsv"
	"github.com/doorway-cas/doorway/internal/store"
)

func TestReadConsentList(t *testing.T) {
	t.Run("a list, with a byte-order mark, blank lines and an optional expiry", func(t *testing.T) {
		got, err := hmiscsv.ReadConsentList("consent.csv", strings.NewReader("\uFEFFPersonalID,ConsentDate,ExpirationDate\r\nP1,2026-01-05,2027-01-04\r\n\r\nP2,2026-02-01,\r\n"))
		if err != nil {
			t.Fatal(err)
		}
		want := []store.ConsentRecord{
			{HMISPersonalID: "P1", ConsentDate: "2026-01-05", ExpiresOn: "2027-01-04", Where: "consent.csv line 2"},
			{HMISPersonalID: "P2", ConsentDate: "2026-02-01", Where: "consent.csv line 4"},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
	t.Run("columns in another order, without the expiry", func(t *testing.T) {
		got, err := hmiscsv.ReadConsentList("c.csv", strings.NewReader("ConsentDate,PersonalID\n2026-01-05,P1\n"))
		if err != nil || len(got) != 1 || got[0].HMISPersonalID != "P1" || got[0].ExpiresOn != "" {
			t.Errorf("%+v %v", got, err)
		}
	})
	for _, c := range []struct {
		name, file string
		want       []string
	}{
		{"empty", "", []string{"c.csv: the file is empty"}},
		{"a missing column", "PersonalID,Expires\nP1,2026-01-01\n", []string{"c.csv line 1, column Expires: unknown column", "c.csv line 1, column ConsentDate: the column is missing"}},
		{"every bad line named", "PersonalID,ConsentDate,ExpirationDate\nP1,01/05/2026,\n,2026-01-01,\nP3,,\nP4,2026-01-01,2026-13-01\n",
			[]string{`c.csv line 2, column ConsentDate: "01/05/2026" is not a date`, "c.csv line 3, column PersonalID: the PersonalID is missing",
				"c.csv line 4, column ConsentDate: the consent date is missing", `c.csv line 5, column ExpirationDate: "2026-13-01" is not a date`}},
		{"no client", "PersonalID,ConsentDate\n\n", []string{"c.csv: the list names no client"}},
		{"a NUL and text that is not UTF-8", "PersonalID,ConsentDate\nP\x001,2026-01-01\nP2,2026-01-01\nP3,2026-01-01\xff\n",
			[]string{"c.csv line 2, column PersonalID: the field holds a NUL byte", "c.csv line 4, column ConsentDate: the field holds a NUL byte or text that is not UTF-8"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := hmiscsv.ReadConsentList("c.csv", strings.NewReader(c.file))
			e := cas.ErrorOf(err)
			if got != nil || e == nil || len(e.Details) != len(c.want) {
				t.Fatalf("%v %v, want problems %q", got, err, c.want)
			}
			for i, w := range c.want {
				if !strings.HasPrefix(e.Details[i], w) {
					t.Errorf("problem %d: %q, want %q", i, e.Details[i], w)
				}
			}
			if e.Field != "consent" {
				t.Errorf("field %q", e.Field)
			}
		})
	}
}
