package web

import (
	"net/http"

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
