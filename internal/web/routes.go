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
	// agencyOnly is an agency's own users: they file what only an agency can say.
	agencyOnly = access{roles: []cas.Role{cas.RoleAgencyUser}}
	// coc is the CoC-wide staff: CAS admins and the HMIS team.
	coc = access{roles: []cas.Role{cas.RoleCASAdmin, cas.RoleHMISAdmin}}
	// unitOperators keep a roster true: the agency's own users, and the HMIS team to correct data.
	unitOperators = access{roles: []cas.Role{cas.RoleHMISAdmin, cas.RoleAgencyUser}}
)

func only(roles ...cas.Role) access { return access{roles: roles} }

func (a access) admits(role cas.Role) bool { return a.public || slices.Contains(a.roles, role) }

// routeKind says how a route signs its caller in and shows its errors.
type routeKind int

const (
	// api routes take an API token (Authorization: Bearer) and answer errors as JSON.
	api routeKind = iota
	// ui routes are the web UI's pages and forms: a session cookie signs the browser in, errors
	// are pages.
	ui
)

type route struct {
	kind         routeKind
	method, path string
	access       access
	handle       handlerFunc
}

// routeTable is every route Doorway serves, by resource: the JSON API's, then the web UI's pages
// and forms, each with the roles it admits. A resource's API handlers are in its file (unit.go),
// its pages in its _page file (unit_page.go), its templates named after it (unit_roster.html).
// The permission matrix in routes_test.go has a row for every line; its test fails on a route
// without one.
func (s *Server) routeTable() []route {
	return []route{
		// Operations and the API document.
		{api, "GET", "/healthz", public, s.healthz},
		{api, "GET", "/readyz", public, s.readyz},
		{api, "GET", "/metrics", public, s.metricsPage},
		{api, "GET", "/api/v1/openapi.yaml", public, s.openAPI},

		// Signing in.
		{ui, "GET", "/{$}", public, s.home},
		{ui, "GET", "/login", public, s.loginPage},
		{ui, "POST", "/login", public, s.login},
		{ui, "POST", "/logout", anyRole, s.logout},
		// The second step for accounts with a second factor: a code from the app or a recovery code.
		{ui, "GET", "/login/code", public, s.loginCodePage},
		{ui, "POST", "/login/code", public, s.loginCode},

		// The second factor (TOTP): each user sets theirs up and turns it off; the HMIS team says
		// which roles must use one and resets a lost one.
		{ui, "GET", "/account/totp", anyRole, s.secondFactorPage},
		{ui, "POST", "/account/totp", anyRole, s.secondFactorConfirm},
		{ui, "POST", "/account/totp/recovery-codes", anyRole, s.secondFactorRecoveryCodes},
		{ui, "POST", "/account/totp/disable", anyRole, s.secondFactorDisable},
		{ui, "POST", "/admin/users/second-factor", hmisOnly, s.secondFactorRolesPage},
		{ui, "POST", "/admin/users/{id}/second-factor/reset", hmisOnly, s.userSecondFactorResetPage},
		{api, "GET", "/api/v1/second-factor-roles", hmisOnly, s.secondFactorRoles},
		{api, "PUT", "/api/v1/second-factor-roles", hmisOnly, s.secondFactorRolesSet},
		{api, "POST", "/api/v1/users/{id}/second-factor/reset", hmisOnly, s.userSecondFactorReset},

		// Users: the signed-in user (me), and the HMIS team's accounts.
		{api, "GET", "/api/v1/me", anyRole, s.me},
		{api, "PATCH", "/api/v1/me", anyRole, s.meUpdate},
		{api, "GET", "/api/v1/users", only(cas.RoleHMISAdmin, cas.RoleAgencyUser), s.userList},
		{api, "POST", "/api/v1/users", hmisOnly, s.userCreate},
		{api, "GET", "/api/v1/users/{id}", anyRole, s.userShow},
		{api, "PATCH", "/api/v1/users/{id}", hmisOnly, s.userUpdate},
		{ui, "GET", "/admin/users", hmisOnly, s.userListPage},
		{ui, "POST", "/admin/users", hmisOnly, s.userCreatePage},
		{ui, "POST", "/admin/users/{id}/cas-contact", hmisOnly, s.userCASContactPage},
		{ui, "POST", "/admin/users/{id}/disable", hmisOnly, s.userDisablePage},
		{ui, "POST", "/admin/users/{id}/enable", hmisOnly, s.userEnablePage},
		// Password reset: the HMIS team makes a one-time link; whoever holds it sets a new password.
		{ui, "POST", "/admin/users/{id}/reset-password", hmisOnly, s.userResetPasswordPage},
		{ui, "GET", "/reset/{token}", public, s.resetPage},
		{ui, "POST", "/reset/{token}", public, s.resetPasswordPage},

		// The signed-in user's own account: password, email preferences, API tokens, sessions.
		{ui, "GET", "/account", anyRole, s.accountPage},
		{ui, "POST", "/account/password", anyRole, s.accountPasswordPage},
		{ui, "POST", "/account/email", anyRole, s.accountEmailPage},
		{ui, "POST", "/account/tokens", anyRole, s.accountTokenCreatePage},
		{ui, "POST", "/account/tokens/{id}/revoke", anyRole, s.accountTokenRevokePage},
		{ui, "POST", "/account/sessions/end", anyRole, s.accountSessionsEndPage},

		// Notifications: the in-app inbox.
		{api, "GET", "/api/v1/notifications", anyRole, s.notificationList},
		{api, "GET", "/api/v1/notifications/unread-count", anyRole, s.notificationUnread},
		{api, "POST", "/api/v1/notifications/{id}/read", anyRole, s.notificationRead},
		{api, "POST", "/api/v1/notifications/read-all", anyRole, s.notificationReadAll},
		{ui, "GET", "/inbox", anyRole, s.inboxPage},
		{ui, "POST", "/inbox/{id}/read", anyRole, s.inboxRead},
		{ui, "POST", "/inbox/read-all", anyRole, s.inboxReadAll},
		{ui, "GET", "/inbox/unread", anyRole, s.inboxUnread},

		// Agencies.
		{api, "GET", "/api/v1/agencies", anyRole, s.agencyList},
		{api, "POST", "/api/v1/agencies", hmisOnly, s.agencyCreate},
		{api, "GET", "/api/v1/agencies/{id}", anyRole, s.agencyShow},
		{api, "PATCH", "/api/v1/agencies/{id}", hmisOnly, s.agencyUpdate},
		{ui, "GET", "/admin/agencies", hmisOnly, s.agencyListPage},
		{ui, "POST", "/admin/agencies", hmisOnly, s.agencyCreatePage},

		// Programs.
		{api, "GET", "/api/v1/programs", anyRole, s.programList},
		{api, "POST", "/api/v1/programs", hmisOnly, s.programCreate},
		{api, "GET", "/api/v1/programs/{id}", anyRole, s.programShow},
		{api, "PATCH", "/api/v1/programs/{id}", hmisOnly, s.programUpdate},

		// Facilities.
		{api, "GET", "/api/v1/facilities", anyRole, s.facilityList},
		{api, "POST", "/api/v1/facilities", hmisOnly, s.facilityCreate},
		{api, "GET", "/api/v1/facilities/{id}", anyRole, s.facilityShow},
		{api, "PATCH", "/api/v1/facilities/{id}", hmisOnly, s.facilityUpdate},
		{api, "POST", "/api/v1/facilities/{id}/confirm-inventory", unitOperators, s.facilityConfirmInventory},
		{ui, "POST", "/facilities/{id}/confirm-inventory", unitOperators, s.facilityConfirmInventoryPage},

		// Units: an agency's roster, the HMIS team's inventory across agencies.
		{api, "GET", "/api/v1/units", anyRole, s.unitList},
		{api, "POST", "/api/v1/units", hmisOnly, s.unitCreate},
		{api, "GET", "/api/v1/units/{id}", anyRole, s.unitShow},
		{api, "PATCH", "/api/v1/units/{id}", hmisOnly, s.unitUpdate},
		{api, "POST", "/api/v1/units/{id}/check-in", unitOperators, s.unitCheckIn},
		{api, "POST", "/api/v1/units/{id}/check-out", unitOperators, s.unitCheckOut},
		// CAS admins may too, only in an emergency to withdraw the referral that holds the unit.
		{api, "POST", "/api/v1/units/{id}/offline", coc, s.unitOffline},
		{api, "POST", "/api/v1/units/{id}/online", hmisOnly, s.unitOnline},
		{ui, "GET", "/units", unitOperators, s.unitRosterPage},
		{ui, "POST", "/units/{id}/check-in", unitOperators, s.unitCheckInPage},
		{ui, "POST", "/units/{id}/check-out", unitOperators, s.unitCheckOutPage},
		{ui, "POST", "/units/{id}/reserve", unitOperators, s.unitReservePage},
		{ui, "POST", "/units/{id}/offline", hmisOnly, s.unitOfflinePage},
		{ui, "POST", "/units/{id}/online", hmisOnly, s.unitOnlinePage},
		{ui, "GET", "/inventory", hmisOnly, s.unitInventoryPage},

		// Reservations: a unit held for someone not referred through CAS.
		{api, "GET", "/api/v1/reservations", anyRole, s.reservationList},
		{api, "POST", "/api/v1/reservations", unitOperators, s.reservationCreate},
		{api, "GET", "/api/v1/reservations/{id}", anyRole, s.reservationShow},
		{api, "POST", "/api/v1/reservations/{id}/release", unitOperators, s.reservationRelease},
		{ui, "POST", "/reservations/{id}/release", unitOperators, s.reservationReleasePage},

		// Clients, and their consent in bulk.
		{api, "GET", "/api/v1/clients", anyRole, s.clientList},
		{api, "POST", "/api/v1/clients", coc, s.clientCreate},
		{api, "GET", "/api/v1/clients/{id}", anyRole, s.clientShow},
		{api, "PATCH", "/api/v1/clients/{id}", coc, s.clientUpdate},
		{api, "POST", "/api/v1/clients/consent", coc, s.clientConsent},
		// Agency users see the clients referred to their agency and those they navigate.
		{ui, "GET", "/clients/{id}", anyRole, s.clientPage},
		{ui, "GET", "/clients/new", casOnly, s.clientNewPage},
		{ui, "POST", "/clients", casOnly, s.clientCreatePage},
		{ui, "POST", "/clients/{id}", casOnly, s.clientUpdatePage},
		{ui, "POST", "/clients/{id}/consent", casOnly, s.clientConsentRecordPage},
		{ui, "POST", "/clients/{id}/hpl", casOnly, s.clientHPLPage},
		{ui, "POST", "/clients/{id}/park", casOnly, s.clientParkPage},
		{ui, "POST", "/clients/{id}/unpark", casOnly, s.clientUnparkPage},
		{ui, "POST", "/clients/{id}/remove", casOnly, s.clientRemovePage},
		{ui, "POST", "/clients/{id}/documents", casOnly, s.clientDocumentAddPage},
		{ui, "POST", "/clients/{id}/documents/{doc_id}/remove", casOnly, s.clientDocumentRemovePage},
		{api, "GET", "/api/v1/clients/{id}/documents", coc, s.clientDocumentList},
		{api, "POST", "/api/v1/clients/{id}/documents", casOnly, s.clientDocumentCreate},
		{api, "DELETE", "/api/v1/clients/{id}/documents/{doc_id}", casOnly, s.clientDocumentDelete},
		{ui, "POST", "/clients/{id}/refer", casOnly, s.clientReferPage},
		{ui, "GET", "/clients/consent", coc, s.clientConsentPage},
		{ui, "POST", "/clients/consent", coc, s.clientConsentUploadPage},

		// The Housing Priority List and the scheme that orders it.
		{api, "GET", "/api/v1/hpl", coc, s.hplList},
		{api, "POST", "/api/v1/hpl", casOnly, s.hplAdd},
		{api, "GET", "/api/v1/hpl/{id}", coc, s.hplShow},
		{api, "PATCH", "/api/v1/hpl/{id}", casOnly, s.hplUpdate},
		{api, "POST", "/api/v1/hpl/{id}/park", casOnly, s.hplPark},
		{api, "POST", "/api/v1/hpl/{id}/unpark", casOnly, s.hplUnpark},
		{api, "POST", "/api/v1/hpl/{id}/remove", casOnly, s.hplRemove},
		{api, "GET", "/api/v1/priority-scheme", coc, s.schemeShow},
		{api, "PUT", "/api/v1/priority-scheme", casOnly, s.schemeSet},
		{ui, "GET", "/hpl", coc, s.hplListPage},

		// Referrals: an agency's incoming referrals, one referral, the CAS admins' board.
		{api, "GET", "/api/v1/referrals", anyRole, s.referralList},
		{api, "POST", "/api/v1/referrals", casOnly, s.referralCreate},
		{api, "GET", "/api/v1/referrals/{id}", anyRole, s.referralShow},
		{api, "POST", "/api/v1/referrals/{id}/accept", unitOperators, s.referralAccept},
		{api, "POST", "/api/v1/referrals/{id}/decline", unitOperators, s.referralDecline},
		{api, "POST", "/api/v1/referrals/{id}/withdraw", casOnly, s.referralWithdraw},
		{api, "POST", "/api/v1/referrals/{id}/move-in", unitOperators, s.referralMoveIn},
		// Notes: the receiving agency, the client's navigator and CoC staff (cas.RightNote).
		{api, "POST", "/api/v1/referrals/{id}/notes", anyRole, s.referralNote},
		{api, "GET", "/api/v1/decline-reasons", anyRole, s.declineReasons},
		{ui, "GET", "/referrals", anyRole, s.referralListPage},
		{ui, "GET", "/referrals/{id}", anyRole, s.referralPage},
		{ui, "POST", "/referrals/{id}/accept", unitOperators, s.referralAcceptPage},
		{ui, "POST", "/referrals/{id}/decline", unitOperators, s.referralDeclinePage},
		{ui, "POST", "/referrals/{id}/move-in", unitOperators, s.referralMoveInPage},
		{ui, "POST", "/referrals/{id}/withdraw", casOnly, s.referralWithdrawPage},
		{ui, "POST", "/referrals/{id}/notes", anyRole, s.referralNotePage},
		{ui, "GET", "/board", coc, s.referralBoardPage},

		// Proposals: the matching engine's referrals waiting for a CAS admin (review mode).
		{api, "GET", "/api/v1/proposals", casOnly, s.proposalList},
		{api, "POST", "/api/v1/proposals/{id}/send", casOnly, s.proposalSend},
		{api, "POST", "/api/v1/proposals/{id}/dismiss", casOnly, s.proposalDismiss},
		{ui, "POST", "/proposals/{id}/send", casOnly, s.proposalSendPage},
		{ui, "POST", "/proposals/{id}/dismiss", casOnly, s.proposalDismissPage},

		// Discrepancy reports: an agency says which of its units Doorway shows wrongly; CoC staff
		// resolve the report on the record.
		{api, "GET", "/api/v1/discrepancies", anyRole, s.discrepancyList},
		{api, "POST", "/api/v1/discrepancies", unitOperators, s.discrepancyFile},
		{api, "GET", "/api/v1/discrepancies/{id}", anyRole, s.discrepancyShow},
		{api, "POST", "/api/v1/discrepancies/{id}/resolve", coc, s.discrepancyResolve},
		{ui, "GET", "/discrepancies", anyRole, s.discrepancyListPage},
		{ui, "POST", "/discrepancies", agencyOnly, s.discrepancyFilePage},
		{ui, "GET", "/discrepancies/{id}", anyRole, s.discrepancyPage},
		{ui, "POST", "/discrepancies/{id}/resolve", coc, s.discrepancyResolvePage},

		// Facility-setup requests: an agency asks for a new facility or changed units; the HMIS
		// team approves or rejects.
		{api, "GET", "/api/v1/facility-requests", anyRole, s.facilityRequestList},
		{api, "POST", "/api/v1/facility-requests", unitOperators, s.facilityRequestCreate},
		{api, "GET", "/api/v1/facility-requests/{id}", anyRole, s.facilityRequestShow},
		{api, "POST", "/api/v1/facility-requests/{id}/approve", hmisOnly, s.facilityRequestApprove},
		{api, "POST", "/api/v1/facility-requests/{id}/reject", hmisOnly, s.facilityRequestReject},
		{ui, "GET", "/facility-requests", anyRole, s.facilityRequestListPage},
		{ui, "POST", "/facility-requests", agencyOnly, s.facilityRequestCreatePage},
		{ui, "GET", "/facility-requests/{id}", anyRole, s.facilityRequestPage},
		{ui, "POST", "/facility-requests/{id}/approve", hmisOnly, s.facilityRequestApprovePage},
		{ui, "POST", "/facility-requests/{id}/reject", hmisOnly, s.facilityRequestRejectPage},

		// Reports: the list of them, and the under-referral report with what CoC staff do about
		// its suspects.
		{api, "GET", "/api/v1/reports/under-referral", anyRole, s.underReferral},
		{api, "POST", "/api/v1/reports/under-referral/offline", hmisOnly, s.unitsOffline},
		{api, "POST", "/api/v1/reports/under-referral/ask", coc, s.askToConfirm},
		{ui, "GET", "/reports", anyRole, s.reportListPage},
		{ui, "GET", "/reports/under-referral", anyRole, s.underReferralPage},
		{ui, "POST", "/reports/under-referral/offline", hmisOnly, s.underReferralOfflinePage},
		{ui, "POST", "/reports/under-referral/ask", coc, s.underReferralAskPage},

		// The HPL meeting packet; the page serves its CSV to signed-in browsers too.
		{api, "GET", "/api/v1/reports/hpl-packet", anyRole, s.hplPacket},
		{ui, "GET", "/reports/hpl-packet", anyRole, s.packetPage},

		// The dashboards' figures; the page serves each figure's CSV to signed-in browsers.
		{api, "GET", "/api/v1/reports/metrics", anyRole, s.metricsReport},
		{ui, "GET", "/reports/dashboard", anyRole, s.dashboardPage},
		{ui, "GET", "/reports/dashboard.csv", anyRole, s.dashboardCSV},

		// The policy lab: the CoC's history replayed under a candidate scheme, beside the scheme in
		// force; the page serves its CSV to signed-in browsers too.
		{api, "POST", "/api/v1/reports/policy-lab", casOnly, s.policyLab},
		{ui, "GET", "/reports/policy-lab", casOnly, s.policyLabPage},
		{ui, "GET", "/reports/policy-lab.csv", casOnly, s.policyLabCSVPage},

		// The audit log, read by the HMIS team; the page serves its CSV to signed-in browsers.
		{api, "GET", "/api/v1/audit", hmisOnly, s.auditList},
		{ui, "GET", "/audit", hmisOnly, s.auditPage},

		// Imports of a HUD HMIS CSV export, uploaded by the HMIS team.
		{ui, "GET", "/admin/import", hmisOnly, s.importPage},
		{ui, "POST", "/admin/import", hmisOnly, s.importUpload},
		{ui, "GET", "/admin/import/{id}", hmisOnly, s.importStatusPage},
		{ui, "GET", "/admin/import/{id}/progress", hmisOnly, s.importProgress},
	}
}

// routes builds the handler of every route: API routes sign in with a token, pages with a
// session cookie; then the request's text is checked (input.go) before its handler runs.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range s.routeTable() {
		pattern := rt.method + " " + rt.path
		if rt.kind == ui {
			handle := rt.handle
			if c, ok := confirmations[pattern]; ok {
				handle = s.confirmFirst(c, handle)
			}
			mux.Handle(pattern, s.instrument(pattern, s.sessions.LoadAndSave(s.authorizePage(rt.access, checkedInput(rt.kind, rt.path, handle)))))
			continue
		}
		mux.Handle(pattern, s.instrument(pattern, s.authorize(rt.access, checkedInput(rt.kind, rt.path, rt.handle))))
		if rt.method == http.MethodGet && strings.HasPrefix(rt.path, "/api/v1/") {
			// A GET route would also answer HEAD, which the API document does not offer.
			mux.HandleFunc("HEAD "+rt.path, func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Allow", http.MethodGet)
				w.WriteHeader(http.StatusMethodNotAllowed)
			})
		}
	}
	mux.Handle("GET /static/", s.instrument("GET /static/", s.adapt(s.static)))
	mux.Handle("/api/", s.instrument("/api/", s.adapt(func(http.ResponseWriter, *http.Request) error {
		return cas.Errorf(cas.ENotFound, "no such API route")
	})))
	// Any other address is a page not found, inside the layout with a way back.
	mux.Handle("/", s.instrument("/", s.sessions.LoadAndSave(s.authorizePage(public, s.pageNotFound))))
	// Browsers' cross-site form posts are refused (Sec-Fetch-Site and Origin); API clients, which
	// send neither, are not affected.
	return s.withRequestID(securityHeaders(http.NewCrossOriginProtection().Handler(mux)))
}
