package web

import (
	"net/http"
	"strings"

	"github.com/doorway-cas/doorway/internal/cas"
)

// handlerFunc is an HTTP handler that returns its error for adapt to render.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// statusOf maps a domain error code to its HTTP status; this is the only place that does.
func statusOf(code string) int {
	switch code {
	case cas.EInvalid:
		return http.StatusBadRequest
	case cas.EUnauthorized:
		return http.StatusUnauthorized
	case cas.EForbidden:
		return http.StatusForbidden
	case cas.ENotFound:
		return http.StatusNotFound
	case cas.EConflict:
		return http.StatusConflict
	case cas.ERateLimited:
		return http.StatusTooManyRequests
	case cas.ETooLarge:
		return http.StatusRequestEntityTooLarge
	}
	return http.StatusInternalServerError
}

type errorBody struct {
	Error errorJSON `json:"error"`
}

type errorJSON struct {
	Code      string   `json:"code"`
	Message   string   `json:"message"`
	Field     string   `json:"field,omitempty"`
	Details   []string `json:"details,omitempty"`
	RequestID string   `json:"request_id,omitempty"`
}

// adapt turns a handlerFunc into an http.Handler that renders its error as DESIGN.md's JSON error.
// Internal errors are logged once, with the request ID, and shown to the user as a plain message.
func (s *Server) adapt(h handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		err := h(w, r)
		if err == nil {
			return
		}
		body := errorJSON{Code: cas.ErrorCode(err), RequestID: requestIDFrom(r.Context())}
		if e := cas.ErrorOf(err); e != nil {
			body.Message, body.Field, body.Details = e.Message, e.Field, e.Details
		} else {
			s.log.ErrorContext(r.Context(), "internal error", "request_id", body.RequestID, "route", r.Pattern, "err", err)
			body.Message = "something went wrong on our side; the error has been logged"
		}
		if body.Code == cas.EUnauthorized {
			w.Header().Set("WWW-Authenticate", `Bearer realm="doorway"`)
		}
		writeJSON(w, statusOf(body.Code), errorBody{body})
	}
}

// errorPageData is what an error page says: what went wrong in a heading and a sentence, and the
// ways back (the page the person came from on this site, and their role's first page).
type errorPageData struct {
	Status    int
	Message   string
	Back      string
	Home      string
	HomeLabel string
}

// errorHeadings name each status for people.
var errorHeadings = map[int]string{
	http.StatusBadRequest:          "Please check what you entered",
	http.StatusUnauthorized:        "Please sign in",
	http.StatusForbidden:           "Not open to your role",
	http.StatusNotFound:            "Page not found",
	http.StatusConflict:            "That could not be done",
	http.StatusInternalServerError: "Something went wrong",
}

// errorPage renders a page request's error as a page of the layout with the error's status.
// Internal errors are logged once, with the request ID, and shown as a plain message.
func (s *Server) errorPage(w http.ResponseWriter, r *http.Request, err error) {
	status := statusOf(cas.ErrorCode(err))
	msg := "Something went wrong on our side; the error has been logged (request " + requestIDFrom(r.Context()) + ")."
	if e := cas.ErrorOf(err); e != nil {
		msg = sentence(e.Message)
	} else {
		s.log.ErrorContext(r.Context(), "internal error", "request_id", requestIDFrom(r.Context()), "route", r.Pattern, "err", err)
	}
	d := errorPageData{Status: status, Message: msg, Back: sameSitePath(r), Home: "/login", HomeLabel: "Sign in"}
	if r.URL.Path == d.Back {
		d.Back = ""
	}
	if u := actor(r); u != nil {
		d.Home, d.HomeLabel = landing(u), navFor(u)[0].Label
	}
	heading := errorHeadings[status]
	if heading == "" {
		heading = http.StatusText(status)
	}
	if rerr := s.render(w, r, status, "error", heading, view{Data: d}); rerr != nil {
		s.log.ErrorContext(r.Context(), "render error page", "request_id", requestIDFrom(r.Context()), "err", rerr)
		http.Error(w, msg, status)
	}
}

// sentence starts a message with a capital letter and ends it with a full stop.
func sentence(msg string) string {
	if msg == "" {
		return msg
	}
	msg = strings.ToUpper(msg[:1]) + msg[1:]
	if !strings.HasSuffix(msg, ".") && !strings.HasSuffix(msg, "?") && !strings.HasSuffix(msg, "!") {
		msg += "."
	}
	return msg
}

// pageNotFound answers a path no route serves: inside /api/ as the API's JSON error, elsewhere as
// a page of the layout with a way back.
func (s *Server) pageNotFound(w http.ResponseWriter, r *http.Request) error {
	return cas.Errorf(cas.ENotFound, "there is no page at this address; it may have moved, or the link may be mistyped")
}
