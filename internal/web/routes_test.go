package web

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/notify"
	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

// permissionMatrix says who may use each route, API and page alike, in routeTable's order; every
// route has a row. Its first column says, for anonymous, cas_admin, hmis_admin and agency_user in
// that order, y admitted or n refused: a refused anonymous caller gets 401 from the API and is sent
// to sign in by a page, a refused role 403. A route whose path names a record ({id}) that agency
// users may use has two more columns: the status Harbor's agency user gets for a record of their
// own agency, and for one of another agency, which must answer as a missing record does (see
// agencyRecords and TestAgencyScope). A fourth column, where the route reaches a client's records,
// is the status the navigator of Harbor's client (a user of a third agency) gets for Harbor's
// record; without it they get what another agency's user gets: a navigator sees their client and
// that client's referrals, nothing else of the receiving agency.
var permissionMatrix = map[string]string{
	"GET /healthz":             "yyyy",
	"GET /readyz":              "yyyy",
	"GET /metrics":             "yyyy",
	"GET /api/v1/openapi.yaml": "yyyy",

	"GET /{$}":     "yyyy",
	"GET /login":   "yyyy",
	"POST /login":  "yyyy",
	"POST /logout": "nyyy",

	"GET /login/code":                             "yyyy",
	"POST /login/code":                            "yyyy",
	"GET /account/totp":                           "nyyy",
	"POST /account/totp":                          "nyyy",
	"POST /account/totp/recovery-codes":           "nyyy",
	"POST /account/totp/disable":                  "nyyy",
	"POST /admin/users/second-factor":             "nnyn",
	"POST /admin/users/{id}/second-factor/reset":  "nnyn",
	"GET /api/v1/second-factor-roles":             "nnyn",
	"PUT /api/v1/second-factor-roles":             "nnyn",
	"POST /api/v1/users/{id}/second-factor/reset": "nnyn",

	"GET /api/v1/me":                     "nyyy",
	"PATCH /api/v1/me":                   "nyyy",
	"GET /api/v1/users":                  "nnyy",
	"POST /api/v1/users":                 "nnyn",
	"GET /api/v1/users/{id}":             "nyyy 200 404",
	"PATCH /api/v1/users/{id}":           "nnyn",
	"GET /admin/users":                   "nnyn",
	"POST /admin/users":                  "nnyn",
	"POST /admin/users/{id}/cas-contact": "nnyn",
	"POST /admin/users/{id}/disable":     "nnyn",
	"POST /admin/users/{id}/enable":      "nnyn",

	"POST /admin/users/{id}/reset-password": "nnyn",
	"GET /reset/{token}":                    "yyyy",
	"POST /reset/{token}":                   "yyyy",

	"GET /account":                     "nyyy",
	"POST /account/password":           "nyyy",
	"POST /account/email":              "nyyy",
	"POST /account/tokens":             "nyyy",
	"POST /account/tokens/{id}/revoke": "nyyy 303 404",
	"POST /account/sessions/end":       "nyyy",

	"GET /api/v1/notifications":              "nyyy",
	"GET /api/v1/notifications/unread-count": "nyyy",
	"POST /api/v1/notifications/{id}/read":   "nyyy 204 404",
	"POST /api/v1/notifications/read-all":    "nyyy",
	"GET /inbox":                             "nyyy",
	"POST /inbox/{id}/read":                  "nyyy 303 404",
	"POST /inbox/read-all":                   "nyyy",
	"GET /inbox/unread":                      "nyyy",

	"GET /api/v1/agencies":        "nyyy",
	"POST /api/v1/agencies":       "nnyn",
	"GET /api/v1/agencies/{id}":   "nyyy 200 404",
	"PATCH /api/v1/agencies/{id}": "nnyn",
	"GET /admin/agencies":         "nnyn",
	"POST /admin/agencies":        "nnyn",

	"GET /api/v1/programs":        "nyyy",
	"POST /api/v1/programs":       "nnyn",
	"GET /api/v1/programs/{id}":   "nyyy 200 404",
	"PATCH /api/v1/programs/{id}": "nnyn",

	"GET /api/v1/facilities":                         "nyyy",
	"POST /api/v1/facilities":                        "nnyn",
	"GET /api/v1/facilities/{id}":                    "nyyy 200 404",
	"PATCH /api/v1/facilities/{id}":                  "nnyn",
	"POST /api/v1/facilities/{id}/confirm-inventory": "nnyy 200 404",
	"POST /facilities/{id}/confirm-inventory":        "nnyy 303 404",

	"GET /api/v1/units":                 "nyyy",
	"POST /api/v1/units":                "nnyn",
	"GET /api/v1/units/{id}":            "nyyy 200 404",
	"PATCH /api/v1/units/{id}":          "nnyn",
	"POST /api/v1/units/{id}/check-in":  "nnyy 409 404",
	"POST /api/v1/units/{id}/check-out": "nnyy 409 404",
	"POST /api/v1/units/{id}/offline":   "nyyn",
	"POST /api/v1/units/{id}/online":    "nnyn",
	"GET /units":                        "nnyy",
	"POST /units/{id}/check-in":         "nnyy 400 404",
	"POST /units/{id}/check-out":        "nnyy 400 404",
	"POST /units/{id}/reserve":          "nnyy 400 400",
	"POST /units/{id}/offline":          "nnyn",
	"POST /units/{id}/online":           "nnyn",
	"GET /inventory":                    "nnyn",

	"GET /api/v1/reservations":               "nyyy",
	"POST /api/v1/reservations":              "nnyy",
	"GET /api/v1/reservations/{id}":          "nyyy 200 404",
	"POST /api/v1/reservations/{id}/release": "nnyy 409 404",
	"POST /reservations/{id}/release":        "nnyy 400 404",

	"GET /api/v1/clients":          "nyyy",
	"POST /api/v1/clients":         "nyyn",
	"GET /api/v1/clients/{id}":     "nyyy 200 404 200",
	"PATCH /api/v1/clients/{id}":   "nyyn",
	"POST /api/v1/clients/consent": "nyyn",
	"GET /clients/{id}":            "nyyy 200 404 200",
	"GET /clients/new":             "nynn",
	"POST /clients":                "nynn",
	"POST /clients/{id}":           "nynn",
	"POST /clients/{id}/consent":   "nynn",
	"POST /clients/{id}/hpl":       "nynn",
	"POST /clients/{id}/park":      "nynn",
	"POST /clients/{id}/unpark":    "nynn",
	"POST /clients/{id}/remove":    "nynn",
	"POST /clients/{id}/refer":     "nynn",
	"GET /clients/consent":         "nyyn",
	"POST /clients/consent":        "nyyn",

	"POST /clients/{id}/documents":                   "nynn",
	"POST /clients/{id}/documents/{doc_id}/remove":   "nynn",
	"GET /api/v1/clients/{id}/documents":             "nyyn",
	"POST /api/v1/clients/{id}/documents":            "nynn",
	"DELETE /api/v1/clients/{id}/documents/{doc_id}": "nynn",

	"GET /api/v1/hpl":              "nyyn",
	"POST /api/v1/hpl":             "nynn",
	"GET /api/v1/hpl/{id}":         "nyyn",
	"PATCH /api/v1/hpl/{id}":       "nynn",
	"POST /api/v1/hpl/{id}/park":   "nynn",
	"POST /api/v1/hpl/{id}/unpark": "nynn",
	"POST /api/v1/hpl/{id}/remove": "nynn",
	"GET /api/v1/priority-scheme":  "nyyn",
	"PUT /api/v1/priority-scheme":  "nynn",
	"GET /hpl":                     "nyyn",

	"GET /api/v1/referrals":                "nyyy",
	"POST /api/v1/referrals":               "nynn",
	"GET /api/v1/referrals/{id}":           "nyyy 200 404 200",
	"POST /api/v1/referrals/{id}/accept":   "nnyy 409 404 403",
	"POST /api/v1/referrals/{id}/decline":  "nnyy 409 404 403",
	"POST /api/v1/referrals/{id}/withdraw": "nynn",
	"POST /api/v1/referrals/{id}/move-in":  "nnyy 409 404 403",
	"POST /api/v1/referrals/{id}/notes":    "nyyy 201 404 201",
	"GET /api/v1/decline-reasons":          "nyyy",
	"GET /referrals":                       "nyyy",
	"GET /referrals/{id}":                  "nyyy 200 404 200",
	"POST /referrals/{id}/accept":          "nnyy 400 404 403",
	"POST /referrals/{id}/decline":         "nnyy 400 404 403",
	"POST /referrals/{id}/move-in":         "nnyy 400 404 403",
	"POST /referrals/{id}/withdraw":        "nynn",
	"POST /referrals/{id}/notes":           "nyyy 303 404 303",
	"GET /board":                           "nyyn",

	"GET /api/v1/proposals":               "nynn",
	"POST /api/v1/proposals/{id}/send":    "nynn",
	"POST /api/v1/proposals/{id}/dismiss": "nynn",
	"POST /proposals/{id}/send":           "nynn",
	"POST /proposals/{id}/dismiss":        "nynn",

	"GET /api/v1/discrepancies":               "nyyy",
	"POST /api/v1/discrepancies":              "nnyy",
	"GET /api/v1/discrepancies/{id}":          "nyyy 200 404",
	"POST /api/v1/discrepancies/{id}/resolve": "nyyn",
	"GET /discrepancies":                      "nyyy",
	"POST /discrepancies":                     "nnny",
	"GET /discrepancies/{id}":                 "nyyy 200 404",
	"POST /discrepancies/{id}/resolve":        "nyyn",

	"GET /api/v1/facility-requests":               "nyyy",
	"POST /api/v1/facility-requests":              "nnyy",
	"GET /api/v1/facility-requests/{id}":          "nyyy 200 404",
	"POST /api/v1/facility-requests/{id}/approve": "nnyn",
	"POST /api/v1/facility-requests/{id}/reject":  "nnyn",
	"GET /facility-requests":                      "nyyy",
	"POST /facility-requests":                     "nnny",
	"GET /facility-requests/{id}":                 "nyyy 200 404",
	"POST /facility-requests/{id}/approve":        "nnyn",
	"POST /facility-requests/{id}/reject":         "nnyn",

	"GET /api/v1/reports/under-referral":          "nyyy",
	"POST /api/v1/reports/under-referral/offline": "nnyn",
	"POST /api/v1/reports/under-referral/ask":     "nyyn",
	"GET /reports":                         "nyyy",
	"GET /reports/under-referral":          "nyyy",
	"POST /reports/under-referral/offline": "nnyn",
	"POST /reports/under-referral/ask":     "nyyn",

	"GET /api/v1/reports/hpl-packet": "nyyy",
	"GET /reports/hpl-packet":        "nyyy",

	"GET /api/v1/reports/metrics": "nyyy",
	"GET /reports/dashboard":      "nyyy",
	"GET /reports/dashboard.csv":  "nyyy",

	"POST /api/v1/reports/policy-lab": "nynn",
	"GET /reports/policy-lab":         "nynn",
	"GET /reports/policy-lab.csv":     "nynn",

	"GET /api/v1/audit": "nnyn",
	"GET /audit":        "nnyn",

	"GET /admin/import":               "nnyn",
	"POST /admin/import":              "nnyn",
	"GET /admin/import/{id}":          "nnyn",
	"GET /admin/import/{id}/progress": "nnyn",
}

func TestPermissionMatrix(t *testing.T) {
	db := storetest.Open(t, storetest.SQLiteURL(t))
	s := New(db, slog.New(slog.DiscardHandler))
	tokens, _ := signedInRoles(t, db, s)
	routes := s.routeTable()
	seen := map[string]bool{}
	for _, rt := range routes {
		pattern := rt.method + " " + rt.path
		seen[pattern] = true
		want, ok := permissionMatrix[pattern]
		if !ok {
			t.Errorf("route %s has no entry in the permission matrix", pattern)
			continue
		}
		if rt.kind != api {
			continue // TestPagePermissionMatrix signs in with a browser
		}
		for i, role := range append([]cas.Role{""}, cas.Roles...) {
			req := httptest.NewRequest(rt.method, strings.ReplaceAll(rt.path, "{id}", "some-id"), strings.NewReader("{}"))
			if role != "" {
				req.Header.Set("Authorization", "Bearer "+tokens[role])
			}
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, req)
			refused := rec.Code == http.StatusUnauthorized || rec.Code == http.StatusForbidden
			who := string(role)
			if who == "" {
				who = "anonymous"
			}
			switch {
			case want[i] == 'y' && refused:
				t.Errorf("%s as %s: %d, want it admitted", pattern, who, rec.Code)
			case want[i] == 'n' && role == "" && rec.Code != http.StatusUnauthorized:
				t.Errorf("%s as %s: %d, want 401", pattern, who, rec.Code)
			case want[i] == 'n' && role != "" && rec.Code != http.StatusForbidden:
				t.Errorf("%s as %s: %d, want 403", pattern, who, rec.Code)
			}
		}
	}
	for pattern := range permissionMatrix {
		if !seen[pattern] {
			t.Errorf("the permission matrix lists %s, which is not a route", pattern)
		}
	}
}

func TestPagePermissionMatrix(t *testing.T) {
	db := storetest.Open(t, storetest.SQLiteURL(t))
	s := New(db, slog.New(slog.DiscardHandler))
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	ctx := context.Background()
	agency, err := db.CreateAgency(ctx, cas.System, cas.Agency{Name: "Harbor Family Services"})
	if err != nil {
		t.Fatal(err)
	}
	for _, role := range cas.Roles {
		u := cas.User{Email: string(role) + "@coc.test", Name: string(role), Role: role}
		if role == cas.RoleAgencyUser {
			u.AgencyID = agency.ID
		}
		if _, err := db.CreateUser(ctx, cas.System, u, "a long enough password"); err != nil {
			t.Fatal(err)
		}
	}
	for _, rt := range s.routeTable() {
		if rt.kind != ui {
			continue
		}
		pattern := rt.method + " " + rt.path
		want := permissionMatrix[pattern] // TestPermissionMatrix checks every route has a row
		if rt.method == "POST" && (rt.path == "/login" || rt.path == "/logout") {
			continue // signing in and out are exercised by the session tests
		}
		path := strings.NewReplacer("{id}", "some-id", "{$}", "").Replace(rt.path)
		for i, role := range append([]cas.Role{""}, cas.Roles...) {
			b := newBrowser(t, srv.URL)
			if role != "" {
				b.signIn(string(role) + "@coc.test")
			}
			resp := b.do(rt.method, path, url.Values{"confirm": {"yes"}}) // past a destructive action's question
			toLogin := resp.StatusCode == http.StatusSeeOther && strings.HasPrefix(resp.Header.Get("Location"), "/login")
			who := string(role)
			if who == "" {
				who = "anonymous"
			}
			switch {
			case want[i] == 'y' && role != "" && (toLogin || resp.StatusCode == http.StatusForbidden):
				t.Errorf("%s as %s: %d %s, want it admitted", pattern, who, resp.StatusCode, resp.Header.Get("Location"))
			case want[i] == 'n' && role == "" && !toLogin:
				t.Errorf("%s as anonymous: %d, want a redirect to sign in", pattern, resp.StatusCode)
			case want[i] == 'n' && role != "" && resp.StatusCode != http.StatusForbidden:
				t.Errorf("%s as %s: %d, want 403", pattern, who, resp.StatusCode)
			}
		}
	}
}

// matrixRow splits a row of the permission matrix: the roles column, the statuses an agency user
// gets for their own agency's record and another's (0 when the row has none), and the status the
// navigator of the own agency's client gets for its record (other when the row does not say).
func matrixRow(t *testing.T, row string) (roles string, own, other, navigator int) {
	t.Helper()
	fields := strings.Fields(row)
	roles = fields[0]
	if len(fields) == 3 || len(fields) == 4 {
		var err1, err2, err3 error
		own, err1 = strconv.Atoi(fields[1])
		other, err2 = strconv.Atoi(fields[2])
		navigator = other
		if len(fields) == 4 {
			navigator, err3 = strconv.Atoi(fields[3])
		}
		if err1 != nil || err2 != nil || err3 != nil {
			t.Fatalf("matrix row %q: want roles, then two or three statuses", row)
		}
	} else if len(fields) != 1 || len(roles) != 4 {
		t.Fatalf("matrix row %q: want four roles, and two or three statuses or none", row)
	}
	return roles, own, other, navigator
}

// agencyRecords is a CoC of two agencies, Harbor and Bayside, each with a record of every kind a
// route's path may name, for the permission matrix's own-agency and other-agency columns. Harbor's
// agency user (harbor@coc.test, a CAS Contact) is the one the columns are about; Harbor's client's
// navigator (navigator@coc.test, of a third agency, Outreach) the fourth column. Records are in
// states where no request of the matrix changes them: referrals withdrawn, reservations released,
// units offline; notes only add to a referral's timeline.
type agencyRecords struct {
	srv        *httptest.Server
	token      string            // Harbor's agency user's API token
	navToken   string            // the navigator's API token
	own, other map[string]string // record IDs by the path segment naming their collection
}

func newAgencyRecords(t *testing.T) *agencyRecords {
	t.Helper()
	ctx := context.Background()
	db := storetest.Open(t, storetest.SQLiteURL(t))
	srv := httptest.NewServer(New(db, slog.New(slog.DiscardHandler)))
	t.Cleanup(srv.Close)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	a := &agencyRecords{srv: srv, own: map[string]string{}, other: map[string]string{}}
	casAdmin, err := db.CreateUser(ctx, cas.System, cas.User{Email: "cas@coc.test", Name: "Casey", Role: cas.RoleCASAdmin}, agencyPassword)
	must(err)
	outreach, err := db.CreateAgency(ctx, cas.System, cas.Agency{Name: "Outreach"})
	must(err)
	navigator, err := db.CreateUser(ctx, cas.System, cas.User{Email: "navigator@coc.test", Name: "Nav", Role: cas.RoleAgencyUser,
		AgencyID: outreach.ID}, agencyPassword)
	must(err)
	a.navToken, _, err = db.CreateToken(ctx, cas.System, navigator.ID, "")
	must(err)
	for i, name := range []string{"harbor", "bayside"} {
		ids := a.own
		if i == 1 {
			ids = a.other
		}
		agency, err := db.CreateAgency(ctx, cas.System, cas.Agency{Name: name})
		must(err)
		staff, err := db.CreateUser(ctx, cas.System, cas.User{Email: name + "@coc.test", Name: name, Role: cas.RoleAgencyUser, AgencyID: agency.ID,
			CASContact: true}, agencyPassword)
		must(err)
		if i == 0 {
			a.token, _, err = db.CreateToken(ctx, cas.System, staff.ID, "")
			must(err)
		}
		// A token of its own for the account page's revoke, so that a.token keeps working.
		_, revocable, err := db.CreateToken(ctx, cas.System, staff.ID, "to revoke")
		must(err)
		program, err := db.CreateProgram(ctx, cas.System, cas.Program{AgencyID: agency.ID, Name: name + " PSH", ProjectType: cas.ProjectPSH})
		must(err)
		facility, err := db.CreateFacility(ctx, cas.System, cas.Facility{ProgramID: program.ID, Name: name + " House"})
		must(err)
		var units []cas.Unit
		for _, label := range []string{"1", "2"} {
			u, err := db.CreateUnit(ctx, cas.System, cas.Unit{FacilityID: facility.ID, Label: label, Bedrooms: 1,
				HouseholdTypes: []cas.HouseholdType{cas.WithoutChildren}})
			must(err)
			units = append(units, u)
		}
		var navigatorID string
		if i == 0 {
			navigatorID = navigator.ID
		}
		client, err := db.CreateClient(ctx, cas.System, cas.Client{FirstName: name, LastName: "Client", BirthDate: "1980-01-01",
			HouseholdSize: 1, HouseholdType: cas.WithoutChildren, Consent: true, NavigatorUserID: navigatorID})
		must(err)
		_, err = db.AddToHPL(ctx, cas.System, cas.HPLEntry{ClientID: client.ID, Score: 5, AssessedOn: "2026-01-05", IntakeStatus: cas.IntakeReady})
		must(err)
		ref, err := db.CreateReferral(ctx, &casAdmin, store.NewReferral{ClientID: client.ID, FacilityID: facility.ID})
		must(err)
		_, err = db.WithdrawReferral(ctx, &casAdmin, ref.ID, "for the permission matrix")
		must(err)
		res, err := db.CreateReservation(ctx, &staff, cas.Reservation{UnitID: units[1].ID, ClientName: "Walk-in",
			StartsOn: cas.DateOf(db.Now(), db.Zone), ExpiresOn: cas.DateOf(db.Now(), db.Zone).AddDays(3)})
		must(err)
		_, err = db.ReleaseReservation(ctx, &staff, res.ID)
		must(err)
		rep, err := db.FileDiscrepancy(ctx, &staff, cas.Discrepancy{FacilityID: facility.ID, UnitIDs: []string{units[0].ID}, Note: "wrong"})
		must(err)
		req, err := db.CreateFacilityRequest(ctx, &staff, cas.FacilityRequest{ProgramID: program.ID, Kind: cas.ChangeUnitsRequest,
			Details: cas.FacilityRequestDetails{FacilityID: facility.ID, RemoveUnitIDs: []string{units[0].ID}}})
		must(err)
		inbox, _, _, err := db.Notifications(ctx, &staff, store.Page{Limit: 1})
		must(err)
		if len(inbox) == 0 {
			t.Fatalf("%s's agency user has no notification", name)
		}
		// Unit 1 is offline, so that checking in, checking out and reserving it are refused whoever asks.
		_, err = db.TakeOffline(ctx, cas.System, units[0].ID, cas.OfflinePeriod{Reason: "repairs"}, "")
		must(err)
		for _, kv := range [][2]string{{"agencies", agency.ID}, {"users", staff.ID}, {"programs", program.ID}, {"facilities", facility.ID},
			{"units", units[0].ID}, {"reservations", res.ID}, {"clients", client.ID}, {"referrals", ref.ID}, {"discrepancies", rep.ID},
			{"facility-requests", req.ID}, {"notifications", inbox[0].ID}, {"inbox", inbox[0].ID}, {"tokens", revocable.ID}} {
			ids[kv[0]] = kv[1]
		}
	}
	return a
}

// scopeBodies are the bodies the matrix sends to routes that refuse an empty one before they look
// the record up, so that the own-agency column says what the record's state answers: API bodies
// as JSON, page forms as url-encoded values. Others get {} or an empty form.
var scopeBodies = map[string]string{
	"POST /api/v1/units/{id}/check-in":    `{"client_name": "Walk-in"}`,
	"POST /api/v1/referrals/{id}/decline": `{"reason_code": "client_refused"}`,
	"POST /api/v1/referrals/{id}/move-in": `{"unit_id": "any"}`,
	"POST /api/v1/referrals/{id}/notes":   `{"text": "From the permission matrix"}`,
	"POST /units/{id}/check-in":           "client_name=Walk-in",
	"POST /units/{id}/reserve":            "client_name=Walk-in&starts_on=2099-01-05&expires_on=2099-01-09",
	"POST /referrals/{id}/decline":        "reason_code=client_refused",
	"POST /referrals/{id}/move-in":        "unit_id=any",
	"POST /referrals/{id}/notes":          "text=From+the+permission+matrix",
}

// TestAgencyScope is the permission matrix's own-agency and other-agency columns: an agency user
// reaches their own agency's records, and another agency's answer exactly as missing ones do.
func TestAgencyScope(t *testing.T) {
	a := newAgencyRecords(t)
	harbor, navigator := newBrowser(t, a.srv.URL), newBrowser(t, a.srv.URL)
	harbor.signIn("harbor@coc.test")
	navigator.signIn("navigator@coc.test")
	// sendAs sends a route's request for a record as Harbor's agency user, or as the navigator.
	sendAs := func(asNavigator bool, rt route, id string) int {
		t.Helper()
		b, token := harbor, a.token
		if asNavigator {
			b, token = navigator, a.navToken
		}
		path := strings.Replace(rt.path, "{id}", url.PathEscape(id), 1)
		body := scopeBodies[rt.method+" "+rt.path]
		if rt.kind == ui {
			form, err := url.ParseQuery(body)
			if err != nil {
				t.Fatal(err)
			}
			if rt.method == http.MethodPost {
				// Past a destructive action's question, which reads no record (confirm.go).
				form.Set("confirm", "yes")
			}
			return b.do(rt.method, path, form).StatusCode
		}
		if body == "" {
			body = "{}"
		}
		req, err := http.NewRequest(rt.method, a.srv.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	send := func(rt route, id string) int { t.Helper(); return sendAs(false, rt, id) }
	for _, rt := range (&Server{}).routeTable() {
		pattern := rt.method + " " + rt.path
		roles, own, other, nav := matrixRow(t, permissionMatrix[pattern])
		names := strings.Contains(rt.path, "{id}") && roles[3] == 'y'
		if !names {
			if own != 0 {
				t.Errorf("%s: the matrix gives statuses for an agency's records, but agency users do not reach a record by it", pattern)
			}
			continue
		}
		if own == 0 {
			t.Errorf("%s names a record agency users reach: its matrix row needs the statuses for their own agency's and another's", pattern)
			continue
		}
		collection := path.Base(strings.Split(rt.path, "/{id}")[0])
		ownID, otherID := a.own[collection], a.other[collection]
		if ownID == "" {
			t.Errorf("%s: agencyRecords has no %s", pattern, collection)
			continue
		}
		t.Run(pattern, func(t *testing.T) {
			if got := send(rt, ownID); got != own {
				t.Errorf("own agency's record: %d, want %d", got, own)
			}
			got, missing := send(rt, otherID), send(rt, "no-such-"+collection)
			if got != other {
				t.Errorf("another agency's record: %d, want %d", got, other)
			}
			if got != missing {
				t.Errorf("another agency's record: %d, a missing one %d: they must not differ", got, missing)
			}
			if got := sendAs(true, rt, ownID); got != nav {
				t.Errorf("the navigator of the own agency's client: %d, want %d", got, nav)
			}
		})
	}
}

func TestOpenAPIMatchesRoutes(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData(openAPISpec)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("openapi.yaml is not a valid OpenAPI document: %v", err)
	}
	documented := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented[method+" /api/v1"+path] = true
		}
	}
	routed := map[string]bool{}
	for _, rt := range (&Server{}).routeTable() {
		if strings.HasPrefix(rt.path, "/api/v1/") {
			routed[rt.method+" "+rt.path] = true
		}
	}
	for r := range routed {
		if !documented[r] {
			t.Errorf("route %s is missing from openapi.yaml", r)
		}
	}
	for d := range documented {
		if !routed[d] {
			t.Errorf("openapi.yaml documents %s, which is not a route", d)
		}
	}
}

// TestOpenAPINotificationKinds keeps the documented notification kinds those Doorway sends.
func TestOpenAPINotificationKinds(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData(openAPISpec)
	if err != nil {
		t.Fatal(err)
	}
	var documented []string
	for _, v := range doc.Components.Schemas["Notification"].Value.Properties["kind"].Value.Enum {
		documented = append(documented, v.(string))
	}
	var sent []string
	for _, k := range notify.Kinds() {
		sent = append(sent, string(k))
	}
	slices.Sort(documented)
	if !slices.Equal(documented, sent) {
		t.Errorf("openapi.yaml's notification kinds %v, Doorway sends %v", documented, sent)
	}
}
