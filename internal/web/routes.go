package web

import (
	"net/http"
	"slices"
	"strings"

	"github.com/doorway-cas/doorway/internal/cas"
)

// access says who may use a route: anyone, or signed-in users holding one of the roles. Services
// check the finer rules (which agency's records) themselves.
type access struct {
	public bool
	roles  []cas.Role
}

var (
	public   = access{public: true}
	anyRole  = access{roles: cas.Roles}
	hmisOnly = access{roles: []cas.Role{cas.RoleHMISAdmin}}
	casOnly  = access{roles: []cas.Role{cas.RoleCASAdmin}}
	// coc is the CoC-wide staff: CAS admins and the HMIS team.
	coc = access{roles: []cas.Role{cas.RoleCASAdmin, cas.RoleHMISAdmin}}
	// unitOperators keep a roster true: the agency's own users, and the HMIS team to correct data.
	unitOperators = access{roles: []cas.Role{cas.RoleHMISAdmin, cas.RoleAgencyUser}}
)

func only(roles ...cas.Role) access { return access{roles: roles} }

func (a access) admits(role cas.Role) bool { return a.public || slices.Contains(a.roles, role) }

type route struct {
	method, path string
	access       access
	handle       handlerFunc
}

// routeTable is every route Doorway serves, with who may use it. The permission-matrix test fails
// when a route is added here without an entry there.
func (s *Server) routeTable() []route {
	return append(s.apiRoutes(), slices.Concat(s.discrepancyRoutes(), s.facilityRequestRoutes(), s.reportRoutes(), s.metricsRoutes())...)
}

// apiRoutes are the JSON API's core routes; reports and requests add theirs in their own files.
func (s *Server) apiRoutes() []route {
	return []route{
		{"GET", "/healthz", public, s.healthz},
		{"GET", "/readyz", public, s.readyz},
		{"GET", "/metrics", public, s.metricsPage},
		{"GET", "/api/v1/openapi.yaml", public, s.openAPI},

		{"GET", "/api/v1/me", anyRole, s.me},
		{"PATCH", "/api/v1/me", anyRole, s.meUpdate},
		{"GET", "/api/v1/notifications", anyRole, s.notificationList},
		{"GET", "/api/v1/notifications/unread-count", anyRole, s.notificationUnread},
		{"POST", "/api/v1/notifications/{id}/read", anyRole, s.notificationRead},

		{"GET", "/api/v1/agencies", anyRole, s.agencyList},
		{"POST", "/api/v1/agencies", hmisOnly, s.agencyCreate},
		{"GET", "/api/v1/agencies/{id}", anyRole, s.agencyShow},
		{"PATCH", "/api/v1/agencies/{id}", hmisOnly, s.agencyUpdate},

		{"GET", "/api/v1/users", only(cas.RoleHMISAdmin, cas.RoleAgencyUser), s.userList},
		{"POST", "/api/v1/users", hmisOnly, s.userCreate},
		{"GET", "/api/v1/users/{id}", anyRole, s.userShow},
		{"PATCH", "/api/v1/users/{id}", hmisOnly, s.userUpdate},

		{"GET", "/api/v1/programs", anyRole, s.programList},
		{"POST", "/api/v1/programs", hmisOnly, s.programCreate},
		{"GET", "/api/v1/programs/{id}", anyRole, s.programShow},
		{"PATCH", "/api/v1/programs/{id}", hmisOnly, s.programUpdate},

		{"GET", "/api/v1/facilities", anyRole, s.facilityList},
		{"POST", "/api/v1/facilities", hmisOnly, s.facilityCreate},
		{"GET", "/api/v1/facilities/{id}", anyRole, s.facilityShow},
		{"PATCH", "/api/v1/facilities/{id}", hmisOnly, s.facilityUpdate},
		{"POST", "/api/v1/facilities/{id}/confirm-inventory", unitOperators, s.facilityConfirmInventory},

		{"GET", "/api/v1/units", anyRole, s.unitList},
		{"POST", "/api/v1/units", hmisOnly, s.unitCreate},
		{"GET", "/api/v1/units/{id}", anyRole, s.unitShow},
		{"PATCH", "/api/v1/units/{id}", hmisOnly, s.unitUpdate},
		{"POST", "/api/v1/units/{id}/check-in", unitOperators, s.unitCheckIn},
		{"POST", "/api/v1/units/{id}/check-out", unitOperators, s.unitCheckOut},
		// CAS admins may too, only in an emergency to withdraw the referral that holds the unit.
		{"POST", "/api/v1/units/{id}/offline", coc, s.unitOffline},
		{"POST", "/api/v1/units/{id}/online", hmisOnly, s.unitOnline},

		{"GET", "/api/v1/reservations", anyRole, s.reservationList},
		{"POST", "/api/v1/reservations", unitOperators, s.reservationCreate},
		{"GET", "/api/v1/reservations/{id}", anyRole, s.reservationShow},
		{"POST", "/api/v1/reservations/{id}/release", unitOperators, s.reservationRelease},

		{"GET", "/api/v1/clients", anyRole, s.clientList},
		{"POST", "/api/v1/clients", coc, s.clientCreate},
		{"GET", "/api/v1/clients/{id}", anyRole, s.clientShow},
		{"PATCH", "/api/v1/clients/{id}", coc, s.clientUpdate},
		{"POST", "/api/v1/clients/consent", coc, s.clientConsent},

		{"GET", "/api/v1/hpl", coc, s.hplList},
		{"POST", "/api/v1/hpl", casOnly, s.hplAdd},
		{"GET", "/api/v1/hpl/{id}", coc, s.hplShow},
		{"PATCH", "/api/v1/hpl/{id}", casOnly, s.hplUpdate},
		{"POST", "/api/v1/hpl/{id}/park", casOnly, s.hplPark},
		{"POST", "/api/v1/hpl/{id}/unpark", casOnly, s.hplUnpark},
		{"POST", "/api/v1/hpl/{id}/remove", casOnly, s.hplRemove},
		{"GET", "/api/v1/priority-scheme", coc, s.schemeShow},
		{"PUT", "/api/v1/priority-scheme", casOnly, s.schemeSet},

		{"GET", "/api/v1/referrals", anyRole, s.referralList},
		{"POST", "/api/v1/referrals", casOnly, s.referralCreate},
		{"GET", "/api/v1/referrals/{id}", anyRole, s.referralShow},
		{"POST", "/api/v1/referrals/{id}/accept", unitOperators, s.referralAccept},
		{"POST", "/api/v1/referrals/{id}/decline", unitOperators, s.referralDecline},
		{"POST", "/api/v1/referrals/{id}/withdraw", casOnly, s.referralWithdraw},
		{"POST", "/api/v1/referrals/{id}/move-in", unitOperators, s.referralMoveIn},
		{"GET", "/api/v1/decline-reasons", anyRole, s.declineReasons},
		{"GET", "/api/v1/reports/under-referral", anyRole, s.underReferral},
		{"GET", "/api/v1/reports/hpl-packet", anyRole, s.hplPacket},
		{"GET", "/api/v1/proposals", casOnly, s.proposalList},
		{"POST", "/api/v1/proposals/{id}/send", casOnly, s.proposalSend},
		{"POST", "/api/v1/proposals/{id}/dismiss", casOnly, s.proposalDismiss},
	}
}

// pageTable is every HTML page and form of the web UI, with who may use it; pages sign in with a
// session cookie rather than a token.
func (s *Server) pageTable() []route {
	table := []route{
		{"GET", "/{$}", public, s.home},
		{"GET", "/login", public, s.loginPage},
		{"POST", "/login", public, s.login},
		{"POST", "/logout", anyRole, s.logout},
	}
	for _, group := range [][]route{s.inboxPages(), s.agencyPages(), s.casPages(), s.hmisPages(), s.importPages(), s.consentPages(),
		s.requestPages(), s.reportPages(), s.dashboardPages()} {
		table = append(table, group...)
	}
	return table
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range s.routeTable() {
		pattern := rt.method + " " + rt.path
		mux.Handle(pattern, s.instrument(pattern, s.authorize(rt.access, rt.handle)))
		if rt.method == http.MethodGet && strings.HasPrefix(rt.path, "/api/v1/") {
			// A GET route would also answer HEAD, which the API document does not offer.
			mux.HandleFunc("HEAD "+rt.path, func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Allow", http.MethodGet)
				w.WriteHeader(http.StatusMethodNotAllowed)
			})
		}
	}
	for _, rt := range s.pageTable() {
		pattern := rt.method + " " + rt.path
		mux.Handle(pattern, s.instrument(pattern, s.sessions.LoadAndSave(s.authorizePage(rt.access, rt.handle))))
	}
	mux.Handle("GET /static/", s.instrument("GET /static/", s.adapt(s.static)))
	mux.Handle("/api/", s.instrument("/api/", s.adapt(func(http.ResponseWriter, *http.Request) error {
		return cas.Errorf(cas.ENotFound, "no such API route")
	})))
	// Browsers' cross-site form posts are refused (Sec-Fetch-Site and Origin); API clients, which
	// send neither, are not affected.
	return s.withRequestID(securityHeaders(http.NewCrossOriginProtection().Handler(mux)))
}
