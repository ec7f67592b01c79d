package web

import (
	"html/template"
	"net/http"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/store"
)

// auditPageData is the audit log page: the filters as given, the users to filter by, and a page
// of events, newest first.
type auditPageData struct {
	UserID, ClientID, Action, From, To string
	Users                              []option
	Events                             []store.AuditEntry
	// Query is the filters, for the pager's and the download's links; Cursor the page shown.
	Query        template.URL
	Cursor, Next string
}

// auditPage is the HMIS team's audit log, filtered as the API's is; with format=csv, the CSV
// download of every event the filters select (the API takes only bearer tokens, so the page
// serves the download to signed-in browsers). A filter refused is shown beside its field.
func (s *Server) auditPage(w http.ResponseWriter, r *http.Request) error {
	ctx, u, q := r.Context(), actor(r), r.URL.Query()
	d := auditPageData{UserID: q.Get("user_id"), ClientID: q.Get("client_id"), Action: q.Get("action"), From: q.Get("from"), To: q.Get("to"),
		Query: keepQuery(q, "user_id", "client_id", "action", "from", "to"), Cursor: q.Get("cursor")}
	users, err := store.All(func(p store.Page) ([]cas.User, string, error) { return s.db.Users(ctx, u, p) })
	if err != nil {
		return err
	}
	d.Users = append(d.Users, option{Value: "", Label: "Anyone"})
	for _, user := range users {
		d.Users = append(d.Users, option{Value: user.ID, Label: user.Name + " (" + user.Email + ")", Selected: user.ID == d.UserID})
	}
	d.Users = append(d.Users, option{Value: cas.System.ID, Label: "The command line and Doorway's workers", Selected: d.UserID == cas.System.ID})
	f, err := s.auditFilterOf(r)
	if err == nil && q.Get("format") == "csv" {
		return s.writeAuditCSV(w, r, f)
	}
	if err == nil {
		var page store.Page
		if page, err = pageOf(r); err == nil {
			d.Events, d.Next, err = s.db.AuditLog(ctx, u, f, page)
		}
	}
	if e := cas.ErrorOf(err); e != nil && e.Code == cas.EInvalid && e.Field != "" {
		return s.render(w, r, http.StatusBadRequest, "audit_list", "Audit log", view{Data: d, Errors: map[string]string{e.Field: e.Message}})
	}
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "audit_list", "Audit log", view{Data: d})
}
