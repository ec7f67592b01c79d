package web

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

// TestConfidentialClientPages: Jane, referred to Harbor, is flagged confidential. Harbor's pages
// (incoming referrals, the referral, the client, the packet and its CSV, the inbox) show her alias
// and Doorway reference and nothing that tells who or where she is, until Harbor accepts; the
// CAS admin's pages show everything, flagged.
func TestConfidentialClientPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := newAgencyCoCOn(t, db)
		ctx := context.Background()
		secrets := []string{"Rosalind", "Quillfeather", "1979-03-14", "P-100", "555-0199", "rosalind.q@example.test", "Elm St safe house"}
		jane, err := c.db.UpdateClient(ctx, cas.System, c.jane.ID, func(cl *cas.Client) {
			cl.FirstName, cl.LastName, cl.BirthDate, cl.Confidential = "Rosalind", "Quillfeather", "1979-03-14", true
			cl.Phone, cl.Email, cl.ContactNotes = "555-0199", "rosalind.q@example.test", "Staying at the Elm St safe house"
		})
		if err != nil {
			t.Fatal(err)
		}
		referral := "/referrals/" + c.janeRef.ID
		pages := []string{"/referrals", referral, "/clients/" + jane.ID, "/reports/hpl-packet", "/reports/hpl-packet?format=csv", "/inbox"}

		harbor := c.as(t, "harbor@coc.test")
		for _, page := range pages {
			status, body := harbor.getPage(page)
			if status != http.StatusOK {
				t.Errorf("Harbor's %s: %d", page, status)
			}
			agencyLacks(t, "Harbor's "+page, body, secrets...)
		}
		_, body := harbor.getPage("/referrals")
		agencyContains(t, "Harbor's incoming referrals", body, jane.Alias())
		_, body = harbor.getPage(referral)
		agencyContains(t, "Harbor's referral page", body, `id="client-alias"`, jane.Alias(), `id="client-reference"`, jane.ID, `id="accept"`)
		_, body = harbor.getPage("/clients/" + jane.ID)
		agencyContains(t, "Harbor's client page", body, `id="shielded"`, jane.Alias())

		admin := c.as(t, "cas@coc.test")
		_, body = admin.getPage("/clients/" + jane.ID)
		agencyContains(t, "the CAS admin's client page", body, "Rosalind Quillfeather", `id="confidential"`, jane.Alias(), "555-0199",
			`name="confidential"`)

		if status, location, _ := harbor.postForm(referral+"/accept", url.Values{}); status != http.StatusSeeOther || location != referral {
			t.Fatalf("Harbor accepts: %d %s", status, location)
		}
		_, body = harbor.getPage(referral)
		agencyContains(t, "Harbor's referral page once accepted", body, "Rosalind Quillfeather", "1979-03-14", "555-0199", "Elm St safe house")
		agencyLacks(t, "Harbor's referral page once accepted", body, `id="client-alias"`)
	})
}
