package web

import (
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/doorway-cas/doorway/internal/cas"
)

// confirmed is a form that answers yes to a destructive action's question.
var confirmed = url.Values{"confirm": {"yes"}}

func TestDestructiveActionsAskFirst(t *testing.T) {
	c := newAgencyCoC(t)
	t.Run("every question is asked by a route of the table", func(t *testing.T) {
		s := New(c.db, slog.New(slog.DiscardHandler))
		for pattern := range confirmations {
			found := false
			for _, rt := range s.routeTable() {
				found = found || rt.kind == ui && rt.method+" "+rt.path == pattern
			}
			if !found {
				t.Errorf("%s asks a question but is no page route", pattern)
			}
		}
	})

	harbor := c.as(t, "harbor@coc.test")
	if status, _, body := harbor.postForm("/units/"+c.apt2.ID+"/check-in", url.Values{"client_name": {"Pat Doe"}}); status != http.StatusSeeOther {
		t.Fatalf("check in: %d\n%s", status, body)
	}
	checkOut := "/units/" + c.apt2.ID + "/check-out"
	harbor.referer = c.url + "/units"

	t.Run("check-out without confirming asks, and changes nothing", func(t *testing.T) {
		status, _, body := harbor.postForm(checkOut, url.Values{"keep": {"this & that"}})
		for _, want := range []string{"<h1>Check the client out of this unit?</h1>", `action="` + checkOut + `"`,
			`<input type="hidden" name="confirm" value="yes">`, `<input type="hidden" name="keep" value="this &amp; that">`,
			`<a class="button secondary" href="/units">No, go back</a>`} {
			if !strings.Contains(body, want) {
				t.Errorf("the question lacks %s:\n%s", want, body)
			}
		}
		if status != http.StatusOK {
			t.Errorf("status %d", status)
		}
		if un, _ := c.db.Unit(t.Context(), cas.System, c.apt2.ID); un.Status != cas.UnitOccupied {
			t.Errorf("asking checked the client out: %s", un.Status)
		}
	})
	t.Run("confirming checks out", func(t *testing.T) {
		if status, _, body := harbor.postForm(checkOut, confirmed); status != http.StatusSeeOther {
			t.Fatalf("%d\n%s", status, body)
		}
		if un, _ := c.db.Unit(t.Context(), cas.System, c.apt2.ID); un.Status == cas.UnitOccupied {
			t.Error("still occupied after confirming")
		}
	})
	t.Run("declining a referral asks first, keeping the reason", func(t *testing.T) {
		_, _, body := harbor.postForm("/referrals/"+c.janeRef.ID+"/decline", url.Values{"reason_code": {"other"}, "note": {"Moved away"}})
		if !strings.Contains(body, "<h1>Decline this referral?</h1>") || !strings.Contains(body, `name="reason_code" value="other"`) ||
			!strings.Contains(body, `name="note" value="Moved away"`) {
			t.Errorf("the question:\n%s", body)
		}
		if ref, _, _ := c.db.Referral(t.Context(), cas.System, c.janeRef.ID); ref.Status != cas.ReferralPending {
			t.Errorf("asking declined the referral: %s", ref.Status)
		}
	})
}
