package web

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/notify"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

// permissionMatrix says who may use each route, API and page alike: y admitted, n refused, for
// anonymous, cas_admin, hmis_admin and agency_user in that order. A refused anonymous caller gets
// 401 from the API and is sent to sign in by a page; a refused role gets 403. Every route of
// routeTable has a row, in the table's order.
var permissionMatrix = map[string]string{
	"GET /healthz":             "yyyy",
	"GET /readyz":              "yyyy",
	"GET /metrics":             "yyyy",
	"GET /api/v1/openapi.yaml": "yyyy",

	"GET /{$}":     "yyyy",
	"GET /login":   "yyyy",
	"POST /login":  "yyyy",
	"POST /logout": "nyyy",

	"GET /api/v1/me":                     "nyyy",
	"PATCH /api/v1/me":                   "nyyy",
	"GET /api/v1/users":                  "nnyy",
	"POST /api/v1/users":                 "nnyn",
	"GET /api/v1/users/{id}":             "nyyy",
	"PATCH /api/v1/users/{id}":           "nnyn",
	"GET /admin/users":                   "nnyn",
	"POST /admin/users":                  "nnyn",
	"POST /admin/users/{id}/cas-contact": "nnyn",
	"POST /admin/users/{id}/disable":     "nnyn",
	"POST /admin/users/{id}/enable":      "nnyn",

	"GET /api/v1/notifications":              "nyyy",
	"GET /api/v1/notifications/unread-count": "nyyy",
	"POST /api/v1/notifications/{id}/read":   "nyyy",
	"GET /inbox":                             "nyyy",
	"POST /inbox/{id}/read":                  "nyyy",
	"GET /inbox/unread":                      "nyyy",

	"GET /api/v1/agencies":        "nyyy",
	"POST /api/v1/agencies":       "nnyn",
	"GET /api/v1/agencies/{id}":   "nyyy",
	"PATCH /api/v1/agencies/{id}": "nnyn",
	"GET /admin/agencies":         "nnyn",
	"POST /admin/agencies":        "nnyn",

	"GET /api/v1/programs":        "nyyy",
	"POST /api/v1/programs":       "nnyn",
	"GET /api/v1/programs/{id}":   "nyyy",
	"PATCH /api/v1/programs/{id}": "nnyn",

	"GET /api/v1/facilities":                         "nyyy",
	"POST /api/v1/facilities":                        "nnyn",
	"GET /api/v1/facilities/{id}":                    "nyyy",
	"PATCH /api/v1/facilities/{id}":                  "nnyn",
	"POST /api/v1/facilities/{id}/confirm-inventory": "nnyy",
	"POST /facilities/{id}/confirm-inventory":        "nnyy",

	"GET /api/v1/units":                 "nyyy",
	"POST /api/v1/units":                "nnyn",
	"GET /api/v1/units/{id}":            "nyyy",
	"PATCH /api/v1/units/{id}":          "nnyn",
	"POST /api/v1/units/{id}/check-in":  "nnyy",
	"POST /api/v1/units/{id}/check-out": "nnyy",
	"POST /api/v1/units/{id}/offline":   "nyyn",
	"POST /api/v1/units/{id}/online":    "nnyn",
	"GET /units":                        "nnyy",
	"POST /units/{id}/check-in":         "nnyy",
	"POST /units/{id}/check-out":        "nnyy",
	"POST /units/{id}/reserve":          "nnyy",
	"POST /units/{id}/offline":          "nnyn",
	"POST /units/{id}/online":           "nnyn",
	"GET /inventory":                    "nnyn",

	"GET /api/v1/reservations":               "nyyy",
	"POST /api/v1/reservations":              "nnyy",
	"GET /api/v1/reservations/{id}":          "nyyy",
	"POST /api/v1/reservations/{id}/release": "nnyy",
	"POST /reservations/{id}/release":        "nnyy",

	"GET /api/v1/clients":          "nyyy",
	"POST /api/v1/clients":         "nyyn",
	"GET /api/v1/clients/{id}":     "nyyy",
	"PATCH /api/v1/clients/{id}":   "nyyn",
	"POST /api/v1/clients/consent": "nyyn",
	"GET /clients/{id}":            "nyyn",
	"POST /clients/{id}/refer":     "nynn",
	"GET /clients/consent":         "nyyn",
	"POST /clients/consent":        "nyyn",

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
	"GET /api/v1/referrals/{id}":           "nyyy",
	"POST /api/v1/referrals/{id}/accept":   "nnyy",
	"POST /api/v1/referrals/{id}/decline":  "nnyy",
	"POST /api/v1/referrals/{id}/withdraw": "nynn",
	"POST /api/v1/referrals/{id}/move-in":  "nnyy",
	"GET /api/v1/decline-reasons":          "nyyy",
	"GET /referrals":                       "nyyy",
	"GET /referrals/{id}":                  "nyyy",
	"POST /referrals/{id}/accept":          "nnyy",
	"POST /referrals/{id}/decline":         "nnyy",
	"POST /referrals/{id}/move-in":         "nnyy",
	"POST /referrals/{id}/withdraw":        "nynn",
	"GET /board":                           "nyyn",

	"GET /api/v1/proposals":               "nynn",
	"POST /api/v1/proposals/{id}/send":    "nynn",
	"POST /api/v1/proposals/{id}/dismiss": "nynn",
	"POST /proposals/{id}/send":           "nynn",
	"POST /proposals/{id}/dismiss":        "nynn",

	"GET /api/v1/discrepancies":               "nyyy",
	"POST /api/v1/discrepancies":              "nnyy",
	"GET /api/v1/discrepancies/{id}":          "nyyy",
	"POST /api/v1/discrepancies/{id}/resolve": "nyyn",
	"GET /discrepancies":                      "nyyy",
	"POST /discrepancies":                     "nnny",
	"GET /discrepancies/{id}":                 "nyyy",
	"POST /discrepancies/{id}/resolve":        "nyyn",

	"GET /api/v1/facility-requests":               "nyyy",
	"POST /api/v1/facility-requests":              "nnyy",
	"GET /api/v1/facility-requests/{id}":          "nyyy",
	"POST /api/v1/facility-requests/{id}/approve": "nnyn",
	"POST /api/v1/facility-requests/{id}/reject":  "nnyn",
	"GET /facility-requests":                      "nyyy",
	"POST /facility-requests":                     "nnny",
	"GET /facility-requests/{id}":                 "nyyy",
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

	"GET /admin/import":               "nnyn",
	"POST /admin/import":              "nnyn",
	"GET /admin/import/{id}":          "nnyn",
	"GET /admin/import/{id}/progress": "nnyn",
}

func TestPermissionMatrix(t *testing.T) {
	db := storetest.Open(t, storetest.SQLiteURL(t))
	s := New(db, slog.New(slog.DiscardHandler))
	ctx := context.Background()
	agency, err := db.CreateAgency(ctx, cas.System, cas.Agency{Name: "Harbor Family Services"})
	if err != nil {
		t.Fatal(err)
	}
	tokens := map[cas.Role]string{}
	for _, role := range cas.Roles {
		u := cas.User{Email: string(role) + "@coc.test", Name: string(role), Role: role}
		if role == cas.RoleAgencyUser {
			u.AgencyID = agency.ID
		}
		created, err := db.CreateUser(ctx, cas.System, u, "a long enough password")
		if err != nil {
			t.Fatal(err)
		}
		if tokens[role], _, err = db.CreateToken(ctx, cas.System, created.ID, ""); err != nil {
			t.Fatal(err)
		}
	}
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
			resp := b.do(rt.method, path, url.Values{})
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
