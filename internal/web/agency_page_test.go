package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/store"
)

func TestAgencyListPage(t *testing.T) {
	c := newHMISCoC(t)
	b := c.hmisBrowser(t)
	ctx := context.Background()
	const warning = `class="warning">No CAS Contact: its referrals reach no one there (the CAS admins are told instead).`

	body := b.getHMISPage("/admin/agencies")
	for _, id := range []string{c.harbor.ID, c.riverside.ID} {
		if row := hmisRow(t, body, "agency-"+id); !strings.Contains(row, warning) {
			t.Errorf("agency %s without a CAS Contact shows no warning:\n%s", id, row)
		}
	}
	if !strings.Contains(body, "RHP-7") {
		t.Error("HMIS organization ID not shown")
	}

	t.Run("designating a CAS Contact ends the warning", func(t *testing.T) {
		b.postHMISForm("/admin/users/"+c.harborStaff.ID+"/cas-contact", url.Values{"cas_contact": {"on"}})
		if u, _ := c.db.User(ctx, cas.System, c.harborStaff.ID); !u.CASContact {
			t.Fatal("not designated")
		}
		body := b.getHMISPage("/admin/agencies")
		if row := hmisRow(t, body, "agency-"+c.harbor.ID); strings.Contains(row, warning) || !strings.Contains(row, "Harper Staff") {
			t.Errorf("Harbor with a CAS Contact:\n%s", row)
		}
		if row := hmisRow(t, body, "agency-"+c.riverside.ID); !strings.Contains(row, warning) {
			t.Errorf("Riverside lost its warning:\n%s", row)
		}
		if row := hmisRow(t, b.getHMISPage("/admin/users"), "user-"+c.harborStaff.ID); !strings.Contains(row, "Remove as CAS Contact") {
			t.Errorf("user row after designation:\n%s", row)
		}
		b.postHMISForm("/admin/users/"+c.harborStaff.ID+"/cas-contact", url.Values{"cas_contact": {"off"}})
		if row := hmisRow(t, b.getHMISPage("/admin/agencies"), "agency-"+c.harbor.ID); !strings.Contains(row, warning) {
			t.Errorf("Harbor after removal:\n%s", row)
		}
	})

	t.Run("create an agency", func(t *testing.T) {
		to := b.postHMISForm("/admin/agencies", url.Values{"name": {"Lighthouse Youth"}, "hmis_organization_id": {"LY-1"}})
		if to != "/admin/agencies" {
			t.Errorf("redirect to %s", to)
		}
		list, _, err := c.db.Agencies(ctx, cas.System, store.Page{})
		if err != nil || len(list) != 3 {
			t.Fatalf("agencies: %v %v", list, err)
		}
		if body := b.getHMISPage("/admin/agencies"); !strings.Contains(body, "Lighthouse Youth") || !strings.Contains(body, "LY-1") {
			t.Error("new agency not listed")
		}
	})

	t.Run("a duplicate name is shown next to the name", func(t *testing.T) {
		resp, body := b.hmisRequest("POST", "/admin/agencies", url.Values{"name": {"harbor family services"}, "hmis_organization_id": {"HF-9"}})
		if resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("duplicate: %d", resp.StatusCode)
		}
		for _, want := range []string{`<span class="field-error" id="name-error">an agency named`, `aria-describedby="name-error"`, `value="HF-9"`} {
			if !strings.Contains(body, want) {
				t.Errorf("refused agency form lacks %q", want)
			}
		}
	})
}
