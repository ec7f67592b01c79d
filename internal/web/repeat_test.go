package web

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/doorway-cas/doorway/internal/cas"
)

func TestDoubleSubmitShowsTheResult(t *testing.T) {
	c := newAgencyCoC(t)
	harbor := c.as(t, "harbor@coc.test")
	accept := "/referrals/" + c.janeRef.ID + "/accept"

	t.Run("a second click follows the first", func(t *testing.T) {
		status, first, _ := harbor.postForm(accept, nil)
		if status != http.StatusSeeOther {
			t.Fatalf("accept: %d", status)
		}
		status, again, body := harbor.postForm(accept, nil)
		if status != http.StatusSeeOther || again != first {
			t.Fatalf("the second click: %d → %q, want the first's redirect to %q\n%s", status, again, first, body)
		}
		if _, page := harbor.getPage(again); !strings.Contains(page, "That was already done: Referral accepted.") {
			t.Errorf("no notice that it was already done:\n%s", page)
		}
	})
	t.Run("two clicks at once: one acts, both see the referral", func(t *testing.T) {
		moveIn := "/referrals/" + c.janeRef.ID + "/move-in"
		var wg sync.WaitGroup
		statuses := make([]int, 2)
		for i := range statuses {
			wg.Go(func() { statuses[i], _, _ = harbor.postForm(moveIn, url.Values{"unit_id": {c.apt1.ID}}) })
		}
		wg.Wait()
		if statuses[0] != http.StatusSeeOther || statuses[1] != http.StatusSeeOther {
			t.Errorf("statuses %v, want both 303", statuses)
		}
		if ref, _, _ := c.db.Referral(t.Context(), cas.System, c.janeRef.ID); ref.Status != cas.ReferralHoused {
			t.Errorf("the referral is %s", ref.Status)
		}
	})
	t.Run("a refused form is tried again", func(t *testing.T) {
		decline := "/referrals/" + c.bobRef.ID + "/withdraw"
		admin := c.as(t, "cas@coc.test")
		for range 2 {
			if status, _, _ := admin.postForm(decline, confirmed); status != http.StatusBadRequest {
				t.Errorf("a withdrawal without a reason: %d, want 400 each time", status)
			}
		}
	})
}
