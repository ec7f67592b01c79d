package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
)

// suspectsCoC is the HMIS pages' CoC forty days on: Harbor Commons' roster, confirmed on day one, is
// stale, so its available units are suspects; Riverside Oaks never confirmed its roster.
func suspectsCoC(t *testing.T) (*hmisCoC, cas.Unit, cas.Unit) {
	t.Helper()
	c := newHMISCoC(t)
	apt103, err := c.db.CreateUnit(context.Background(), cas.System, cas.Unit{FacilityID: c.commons.ID, Label: "Apt 103", Bedrooms: 1,
		HouseholdTypes: []cas.HouseholdType{cas.WithoutChildren}})
	if err != nil {
		t.Fatal(err)
	}
	room8, err := c.db.CreateUnit(context.Background(), cas.System, cas.Unit{FacilityID: c.oaks.ID, Label: "Room 8", Bedrooms: 1,
		HouseholdTypes: []cas.HouseholdType{cas.WithoutChildren}})
	if err != nil {
		t.Fatal(err)
	}
	c.db.Now = func() time.Time { return time.Now().Add(40 * 24 * time.Hour) }
	return c, apt103, room8
}

func (c *hmisCoC) unitStatus(t *testing.T, id string) cas.UnitStatus {
	t.Helper()
	u, err := c.db.Unit(context.Background(), cas.System, id)
	if err != nil {
		t.Fatal(err)
	}
	return u.Status
}

func TestUnderReferralPage(t *testing.T) {
	c, apt103, room8 := suspectsCoC(t)
	hmis := c.hmisBrowser(t)

	t.Run("the HMIS team sees every suspect with the form to take them offline", func(t *testing.T) {
		page := hmis.getHMISPage("/reports/under-referral")
		for _, want := range []string{"Harbor PSH", "Apt 101", "Apt 103", "Riverside RRH", "Room 8", "roster never confirmed",
			`formaction="/reports/under-referral/offline"`, `value="` + apt103.ID + `"`} {
			if !strings.Contains(page, want) {
				t.Errorf("page lacks %q", want)
			}
		}
		if strings.Contains(page, "Apt 102") {
			t.Error("the occupied Apt 102 is listed as a suspect")
		}
	})
	t.Run("an agency user sees only its own suspects, without the form", func(t *testing.T) {
		b := newBrowser(t, c.url)
		b.signIn("staff@riverside.test")
		status, page := b.getPage("/reports/under-referral")
		if status != http.StatusOK || !strings.Contains(page, "Room 8") || !strings.Contains(page, `href="/discrepancies">report a discrepancy`) {
			t.Fatalf("Riverside's page: %d\n%s", status, page)
		}
		for _, leak := range []string{"Harbor", "Apt 101", "Apt 103", "Take the ticked units offline", "Ask the agencies"} {
			if strings.Contains(page, leak) {
				t.Errorf("Riverside's page shows %q", leak)
			}
		}
	})
	t.Run("a CAS admin asks the agencies to confirm, and cannot take units offline", func(t *testing.T) {
		if _, err := c.db.CreateUser(context.Background(), cas.System, cas.User{Email: "cas@coc.test", Name: "Casey CAS", Role: cas.RoleCASAdmin},
			"a long enough password"); err != nil {
			t.Fatal(err)
		}
		b := newBrowser(t, c.url)
		b.signIn("cas@coc.test")
		status, page := b.getPage("/reports/under-referral")
		if status != http.StatusOK || !strings.Contains(page, "Ask the agencies to confirm the ticked units") ||
			strings.Contains(page, "Take the ticked units offline") {
			t.Fatalf("the CAS admin's page: %d\n%s", status, page)
		}
		status, location, _ := b.postForm("/reports/under-referral/ask", url.Values{"unit_id": {apt103.ID, room8.ID}, "back": {"/reports/under-referral"}})
		if status != http.StatusSeeOther || location != "/reports/under-referral" {
			t.Fatalf("ask: %d to %q", status, location)
		}
		if _, page := b.getPage(location); !strings.Contains(page, "Asked the agencies to confirm 2 units.") {
			t.Errorf("no flash after asking:\n%s", page)
		}
		if status, _, page := b.postForm("/reports/under-referral/ask", url.Values{"back": {"/reports/under-referral"}}); status != http.StatusBadRequest ||
			!strings.Contains(page, "name at least one unit") {
			t.Errorf("asking about nothing: %d\n%s", status, page)
		}
	})
	t.Run("no reason: the form comes back with the message and the ticks, nothing changes", func(t *testing.T) {
		status, _, page := hmis.postForm("/reports/under-referral/offline", url.Values{"confirm": {"yes"}, "unit_id": {apt103.ID, room8.ID}, "reason": {" "}})
		if status != http.StatusBadRequest || !strings.Contains(page, "a reason is required") ||
			!strings.Contains(page, `value="`+apt103.ID+`" id="pick-`+apt103.ID+`" aria-label="Harbor Commons, Apt 103" checked`) {
			t.Errorf("refused form: %d\n%s", status, page)
		}
		if got := c.unitStatus(t, apt103.ID); got != cas.UnitAvailable {
			t.Errorf("Apt 103 is %s, want available", got)
		}
	})
	t.Run("a unit no longer available refuses the whole action", func(t *testing.T) {
		status, _, page := hmis.postForm("/reports/under-referral/offline", url.Values{"confirm": {"yes"}, "unit_id": {apt103.ID, c.apt102.ID},
			"reason": {"not free"}})
		if status != http.StatusBadRequest || !strings.Contains(page, "cannot take offline unit Apt 102") {
			t.Errorf("refused form: %d\n%s", status, page)
		}
		if got := c.unitStatus(t, apt103.ID); got != cas.UnitAvailable {
			t.Errorf("Apt 103 is %s after a refused action, want available", got)
		}
	})
	t.Run("the ticked units go offline and the form returns where it came from", func(t *testing.T) {
		status, location, _ := hmis.postForm("/reports/under-referral/offline", url.Values{"confirm": {"yes"}, "unit_id": {apt103.ID, room8.ID},
			"reason": {defaultReviewReason}, "back": {"/reports/hpl-packet#program-" + c.oaksProgram}})
		if status != http.StatusSeeOther || location != "/reports/hpl-packet#program-"+c.oaksProgram {
			t.Fatalf("take offline: %d to %q", status, location)
		}
		for _, id := range []string{apt103.ID, room8.ID} {
			if got := c.unitStatus(t, id); got != cas.UnitOffline {
				t.Errorf("unit %s is %s, want offline", id, got)
			}
		}
		if page := hmis.getHMISPage("/reports/hpl-packet"); !strings.Contains(page, "2 units offline; their agencies were told.") {
			t.Errorf("no flash on the packet page:\n%s", page)
		}
	})
	t.Run("a foreign return address is ignored", func(t *testing.T) {
		_, location, _ := hmis.postForm("/reports/under-referral/offline", url.Values{"confirm": {"yes"}, "unit_id": {c.apt101.ID}, "reason": {"x"},
			"back": {"https://elsewhere.test/"}})
		if location != "/reports/under-referral" {
			t.Errorf("returned to %q, want the under-referral page", location)
		}
	})
}
