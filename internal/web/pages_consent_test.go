package web

import (
	"context"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

// uploadConsent posts a consent list as the consent page's form and returns the status, the
// redirect and the page.
func (b *browser) uploadConsent(list string) (int, string, string) {
	b.t.Helper()
	resp, page := b.postMultipart("/clients/consent", func(mw *multipart.Writer) {
		fw, _ := mw.CreateFormFile("consent", "consent.csv")
		fw.Write([]byte(list))
	})
	return resp.StatusCode, resp.Header.Get("Location"), page
}

func TestConsentUpload(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		srv := httptest.NewServer(New(db, slog.New(slog.DiscardHandler)))
		t.Cleanup(srv.Close)
		if _, err := db.CreateUser(ctx, cas.System, cas.User{Email: "cas@coc.test", Name: "CAS", Role: cas.RoleCASAdmin}, "a long enough password"); err != nil {
			t.Fatal(err)
		}
		var clients []cas.Client
		for _, pid := range []string{"P1", "P2"} {
			c, err := db.CreateClient(ctx, cas.System, cas.Client{FirstName: "Client", LastName: pid, BirthDate: "1980-01-01", HMISPersonalID: pid,
				HouseholdSize: 1, HouseholdType: cas.WithoutChildren})
			if err != nil {
				t.Fatal(err)
			}
			clients = append(clients, c)
		}
		b := newBrowser(t, srv.URL)
		b.signIn("cas@coc.test")
		if status, page := b.getPage("/clients/consent"); status != 200 || !strings.Contains(page, "PersonalID,ConsentDate,ExpirationDate") {
			t.Fatalf("consent page: %d", status)
		}

		status, _, page := b.uploadConsent("PersonalID,ConsentDate,ExpirationDate\nP1,2026-01-05,\nP9,2026-01-05,\nP2,05/01/2026,\n")
		if status != 400 || !strings.Contains(page, "consent.csv line 4, column ConsentDate") || !strings.Contains(page, "Nothing was recorded") {
			t.Fatalf("a list with a bad date: %d\n%s", status, page)
		}
		status, _, page = b.uploadConsent("PersonalID,ConsentDate,ExpirationDate\nP1,2026-01-05,\nP9,2026-01-05,\n")
		if status != 400 || !strings.Contains(page, `consent.csv line 3: no client has HMIS PersonalID &#34;P9&#34;`) {
			t.Fatalf("a list naming an unknown client: %d\n%s", status, page)
		}
		if c, _ := db.Client(ctx, cas.System, clients[0].ID); c.Consent {
			t.Fatal("a refused list recorded consent")
		}

		status, location, _ := b.uploadConsent("PersonalID,ConsentDate,ExpirationDate\nP1,2025-01-05,2025-06-30\nP2,2026-02-01,2099-01-31\n")
		if status != http.StatusSeeOther || location != "/clients/consent" {
			t.Fatalf("a good list: %d %s", status, location)
		}
		if _, page := b.getPage(location); !strings.Contains(page, "Consent recorded for 2 clients.") {
			t.Errorf("no confirmation:\n%s", page)
		}
		if c, _ := db.Client(ctx, cas.System, clients[1].ID); !c.Consent || c.ConsentDate != "2026-02-01" || c.ConsentExpiresOn != "2099-01-31" {
			t.Errorf("P2 after the upload: %+v", c)
		}
		if _, page := b.getPage("/clients/" + clients[0].ID); !strings.Contains(page, "release of information expired on 2025-06-30") {
			t.Errorf("the client page does not say P1's consent expired:\n%s", page)
		}
		if _, page := b.getPage("/clients/" + clients[1].ID); strings.Contains(page, `id="no-consent"`) || !strings.Contains(page, "holds until 2099-01-31") {
			t.Errorf("the client page of P2, whose consent holds:\n%s", page)
		}
	})
}

// TestMissingBirthDateShown: a client imported without a birth date is on the HPL, flagged, and
// the client page says what that means.
func TestMissingBirthDateShown(t *testing.T) {
	db := storetest.Open(t, storetest.SQLiteURL(t))
	ctx := context.Background()
	srv := httptest.NewServer(New(db, slog.New(slog.DiscardHandler)))
	t.Cleanup(srv.Close)
	if _, err := db.CreateUser(ctx, cas.System, cas.User{Email: "cas@coc.test", Name: "CAS", Role: cas.RoleCASAdmin}, "a long enough password"); err != nil {
		t.Fatal(err)
	}
	c, err := db.CreateClient(ctx, cas.System, cas.Client{FirstName: "Unknown", LastName: "Age", HouseholdSize: 1, HouseholdType: cas.WithoutChildren, Consent: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.AddToHPL(ctx, cas.System, cas.HPLEntry{ClientID: c.ID, Score: 5, AssessedOn: "2026-01-05", IntakeStatus: cas.IntakeReady}); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, srv.URL)
	b.signIn("cas@coc.test")
	if _, page := b.getPage("/hpl"); !strings.Contains(page, "Birth date missing") {
		t.Errorf("the HPL does not flag the missing birth date:\n%s", page)
	}
	if _, page := b.getPage("/clients/" + c.ID); !strings.Contains(page, `id="no-birth-date"`) || strings.Contains(page, "years)") {
		t.Errorf("the client page does not say the birth date is missing:\n%s", page)
	}
}
