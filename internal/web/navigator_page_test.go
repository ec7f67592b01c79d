package web

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/doorway-cas/doorway/internal/cas"
)

// TestReferralPageForTheNavigator: Bea, at Bayside, navigates Jane, referred to Harbor. The
// referral page shows Harbor how to reach Jane and Bea; Bea reads it and adds notes, but is offered
// no answer to give, and one posted anyway is refused.
func TestReferralPageForTheNavigator(t *testing.T) {
	c := newAgencyCoC(t)
	ctx := context.Background()
	bea, err := c.db.UserByEmail(ctx, cas.System, "bayside@coc.test")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.db.UpdateClient(ctx, cas.System, c.jane.ID, func(cl *cas.Client) {
		cl.Phone, cl.Email, cl.ContactNotes, cl.NavigatorUserID = "555-0142", "jane@example.test", "Day center on Elm St, mornings", bea.ID
	}); err != nil {
		t.Fatal(err)
	}
	page := "/referrals/" + c.janeRef.ID

	harbor := c.as(t, "harbor@coc.test")
	status, body := harbor.getPage(page)
	if status != http.StatusOK {
		t.Fatalf("Harbor's referral page: %d", status)
	}
	agencyContains(t, "Harbor's referral page", body, `href="tel:555-0142"`, "jane@example.test", "Day center on Elm St, mornings",
		`id="client-navigator"`, "Bea Bayside", "bayside@coc.test", "Bayside Housing", `id="add-note"`, `id="accept"`)

	navigator := c.as(t, "bayside@coc.test")
	status, body = navigator.getPage(page)
	if status != http.StatusOK {
		t.Fatalf("the navigator's referral page: %d", status)
	}
	agencyContains(t, "the navigator's referral page", body, `id="navigator-notice"`, "555-0142", `id="add-note"`)
	agencyLacks(t, "the navigator's referral page", body, `id="accept"`, `id="decline"`, `id="move-in"`, `id="withdraw"`)
	status, body = navigator.getPage("/clients/" + c.jane.ID)
	if status != http.StatusOK {
		t.Errorf("the navigator's client page: %d, want 200", status)
	}
	agencyContains(t, "the navigator's client page", body, "Jane Doe", `href="tel:555-0142"`, "Day center on Elm St, mornings", "Bea Bayside")
	agencyLacks(t, "the navigator's client page", body, "Housing Priority List", `action="/clients/`)
	if status, _ := navigator.getPage("/clients/" + c.bob.ID); status != http.StatusOK {
		t.Errorf("the client of the navigator's own agency: %d, want 200", status)
	}
	if status, _, _ := navigator.postForm(page+"/accept", url.Values{}); status != http.StatusForbidden {
		t.Errorf("the navigator accepts: %d, want 403", status)
	}

	status, location, _ := navigator.postForm(page+"/notes", url.Values{"text": {"Jane is at the day center until noon."}})
	if status != http.StatusSeeOther || location != page {
		t.Fatalf("the navigator's note: %d %s", status, location)
	}
	status, location, _ = harbor.postForm(page+"/notes", url.Values{"text": {"We will meet her there."}})
	if status != http.StatusSeeOther || location != page {
		t.Fatalf("Harbor's note: %d %s", status, location)
	}
	_, body = navigator.getPage(page)
	agencyContains(t, "the timeline", body, "Jane is at the day center until noon.", "We will meet her there.", "Hal Harbor")

	status, _, body = navigator.postForm(page+"/notes", url.Values{"text": {"  "}})
	if status != http.StatusBadRequest {
		t.Errorf("a blank note: %d, want 400", status)
	}
	agencyContains(t, "the refused note", body, `id="note-text-error"`, `aria-invalid="true"`)

	_, body = navigator.getPage("/referrals")
	agencyContains(t, "the navigator's referral list", body, `href="/referrals/`+c.janeRef.ID+`"`, c.harborProgramName, "Harbor Commons")

	// Bob's referral at Bayside is Bea's own agency's; Harbor's other records stay out of reach.
	if status, _ := navigator.getPage("/units"); status != http.StatusOK {
		t.Errorf("the navigator's own roster: %d", status)
	}
	_, body = navigator.getPage("/units")
	agencyLacks(t, "the navigator's roster", body, "Harbor Commons")
}
