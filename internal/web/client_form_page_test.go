package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/store"
)

func TestClientFormsRunTheHPL(t *testing.T) {
	ctx := context.Background()
	w := newCASWorld(t)
	b := w.browser(t, casAdminEmail)
	newClient := url.Values{"first_name": {"Rosa"}, "last_name": {"Parks"}, "birth_date": {"1981-02-03"}, "household_size": {"1"},
		"household_type": {"without_children"}, "veteran": {"true"}, "phone": {"555-0100"}, "race": {"black_african_american", "hispanic_latina_e_o"},
		"score": {"12"}, "assessed_on": {"2026-06-20"}, "days_homeless": {"400"}, "intake_status": {"pending"}}
	with := func(v url.Values, kv ...string) url.Values {
		out := url.Values{}
		for k, vs := range v {
			out[k] = vs
		}
		for i := 0; i < len(kv); i += 2 {
			out.Set(kv[i], kv[i+1])
		}
		return out
	}
	clients := func() []cas.Client {
		t.Helper()
		list, _, err := w.db.Clients(ctx, cas.System, store.ClientFilter{Search: "rosa"}, store.Page{})
		if err != nil {
			t.Fatal(err)
		}
		return list
	}

	if status, body := b.getPage("/clients/new"); status != http.StatusOK || !strings.Contains(body, `name="score"`) || !strings.Contains(body, `name="intake_status"`) {
		t.Fatalf("the add form: %d", status)
	}
	t.Run("a refused entry writes nothing and says why beside the field, in the form's words", func(t *testing.T) {
		status, _, body := b.postForm("/clients", with(newClient, "score", "5000"))
		if status != http.StatusBadRequest || !strings.Contains(body, `id="new-score-error"`) || !strings.Contains(body, "Assessment score must be between 0 and 1000") {
			t.Errorf("score 5000: %d, want 400 with the message beside score\n%s", status, body)
		}
		if !strings.Contains(body, `value="Rosa"`) {
			t.Error("the refused form is not refilled")
		}
		if n := len(clients()); n != 0 {
			t.Errorf("%d clients written, want none", n)
		}
		status, _, body = b.postForm("/clients", with(newClient, "first_name", " "))
		if status != http.StatusBadRequest || !strings.Contains(body, `id="new-first_name-error"`) || !strings.Contains(body, "First name is required") {
			t.Errorf("no first name: %d", status)
		}
	})

	status, loc, _ := b.postForm("/clients", newClient)
	list := clients()
	if status != http.StatusSeeOther || len(list) != 1 || loc != "/clients/"+list[0].ID {
		t.Fatalf("add: %d %q %+v", status, loc, list)
	}
	rosa := list[0]
	if !rosa.Veteran || rosa.Phone != "555-0100" || len(rosa.Race) != 2 || rosa.Consent {
		t.Errorf("the client as added: %+v", rosa)
	}
	page := "/clients/" + rosa.ID
	entry := func() cas.HPLEntry {
		t.Helper()
		places, err := w.db.HPLPlaces(ctx, cas.System, []string{rosa.ID})
		if err != nil {
			t.Fatal(err)
		}
		return places[rosa.ID].Entry
	}
	if e := entry(); e.Score != 12 || e.IntakeStatus != cas.IntakePending || e.DaysHomeless != 400 {
		t.Errorf("the entry as added: %+v", e)
	}

	t.Run("the page says why the client has no referral", func(t *testing.T) {
		_, body := b.getPage(page)
		if !inOrder(body, `id="no-referral"`, "no consent on file", "not ready: intake status is pending") {
			t.Errorf("the client page does not say why there is no referral\n%s", body)
		}
	})
	t.Run("consent is recorded and shown", func(t *testing.T) {
		status, _, body := b.postForm(page+"/consent", url.Values{"consent_date": {""}})
		if status != http.StatusBadRequest || !strings.Contains(body, `id="consent-consent_date-error"`) {
			t.Errorf("no date: %d, want 400 beside consent_date", status)
		}
		if status, _, _ := b.postForm(page+"/consent", url.Values{"consent_date": {"2026-06-30"}, "consent_expires_on": {"2027-06-30"}}); status != http.StatusSeeOther {
			t.Fatalf("consent: %d", status)
		}
		if _, body := b.getPage(page); !strings.Contains(body, "signed 2026-06-30") || !strings.Contains(body, "holds until 2027-06-30") ||
			!strings.Contains(body, "recorded by Casey Admin") {
			t.Error("the client page does not show the consent recorded")
		}
	})
	t.Run("documents on file are added and removed, with who recorded them", func(t *testing.T) {
		status, _, body := b.postForm(page+"/documents", url.Values{"name": {""}, "received_on": {"2026-06-30"}})
		if status != http.StatusBadRequest || !strings.Contains(body, `id="documents-name-error"`) || !strings.Contains(body, "Document is required") {
			t.Errorf("no name: %d, want 400 beside the document's name", status)
		}
		if status, _, _ := b.postForm(page+"/documents", url.Values{"name": {"Photo ID"}, "received_on": {"2026-06-30"}}); status != http.StatusSeeOther {
			t.Fatalf("add: %d", status)
		}
		_, body = b.getPage(page)
		if !inOrder(body, `id="document-list"`, "Photo ID", "received 2026-06-30", "recorded by Casey Admin") {
			t.Errorf("the checklist does not show the document\n%s", body)
		}
		docs, err := w.db.ClientDocuments(ctx, cas.System, rosa.ID)
		if err != nil || len(docs) != 1 {
			t.Fatalf("documents %+v %v", docs, err)
		}
		if status, _, _ := b.postForm(page+"/documents/"+docs[0].ID+"/remove", confirmed); status != http.StatusSeeOther {
			t.Errorf("remove: %d", status)
		}
		if docs, _ := w.db.ClientDocuments(ctx, cas.System, rosa.ID); len(docs) != 0 {
			t.Errorf("after removing: %+v", docs)
		}
	})
	t.Run("details change, every other field kept", func(t *testing.T) {
		status, _, body := b.postForm(page, with(newClient, "household_size", "many"))
		if status != http.StatusBadRequest || !strings.Contains(body, `id="details-household_size-error"`) {
			t.Errorf("household_size many: %d", status)
		}
		if status, _, _ := b.postForm(page, with(newClient, "last_name", "Parks-Lee", "email", "rosa@example.org")); status != http.StatusSeeOther {
			t.Fatalf("details: %d", status)
		}
		c, err := w.db.Client(ctx, cas.System, rosa.ID)
		if err != nil || c.LastName != "Parks-Lee" || c.Email != "rosa@example.org" || !c.Consent || c.ConsentDate != "2026-06-30" {
			t.Errorf("after the change: %+v %v", c, err)
		}
	})
	t.Run("the confidential box flags the client, and unticked unflags them", func(t *testing.T) {
		for _, want := range []bool{true, false} {
			// Each post differs from those before it, which a double-click would repeat (repeat.go).
			form := with(newClient, "last_name", "Parks-Lee", "email", "rosa@example.org", "phone", fmt.Sprintf("555-01%02d", len(fmt.Sprint(want))))
			if want {
				form.Set("confidential", "on")
			}
			if status, _, _ := b.postForm(page, form); status != http.StatusSeeOther {
				t.Fatalf("details with confidential %v: %d", want, status)
			}
			c, err := w.db.Client(ctx, cas.System, rosa.ID)
			if err != nil || c.Confidential != want {
				t.Errorf("confidential %v, want %v (%v)", c.Confidential, want, err)
			}
		}
	})
	t.Run("intake status, park, unpark, remove", func(t *testing.T) {
		if status, _, _ := b.postForm(page+"/hpl", url.Values{"score": {"13"}, "assessed_on": {"2026-06-20"}, "days_homeless": {"400"},
			"intake_status": {"ready"}}); status != http.StatusSeeOther || entry().IntakeStatus != cas.IntakeReady || entry().Score != 13 {
			t.Errorf("ready: %d %+v", status, entry())
		}
		status, _, body := b.postForm(page+"/park", url.Values{"until": {"2026-08-01"}, "reason": {""}})
		if status != http.StatusBadRequest || !strings.Contains(body, `id="park-reason-error"`) {
			t.Errorf("park without a reason: %d", status)
		}
		if status, _, _ := b.postForm(page+"/park", url.Values{"until": {"2026-08-01"}, "reason": {"In hospital"}}); status != http.StatusSeeOther || entry().ParkedUntil != "2026-08-01" {
			t.Errorf("park: %d %+v", status, entry())
		}
		if _, body := b.getPage(page); !strings.Contains(body, "parked until 2026-08-01: In hospital") || strings.Contains(body, "no consent on file") {
			t.Error("the parked client's page does not say why there is no referral")
		}
		if status, _, _ := b.postForm(page+"/unpark", nil); status != http.StatusSeeOther || entry().ParkedUntil != "" {
			t.Errorf("unpark: %d %+v", status, entry())
		}
		status, _, body = b.postForm(page+"/remove", url.Values{"reason_code": {"other"}, "confirm": {"yes"}})
		if status != http.StatusBadRequest || !strings.Contains(body, `id="remove-note-error"`) || !strings.Contains(body, "a note is required when the reason is other") {
			t.Errorf("other without a note: %d", status)
		}
		if status, _, _ := b.postForm(page+"/remove", url.Values{"reason_code": {"moved_away"}, "confirm": {"yes"}}); status != http.StatusSeeOther || entry().Status != cas.HPLInactive {
			t.Errorf("remove: %d %+v", status, entry())
		}
		if _, body := b.getPage(page); !strings.Contains(body, "Moved away from the CoC") {
			t.Error("the client page does not say why the client left the list")
		}
	})
}
