package web

import (
	"encoding/csv"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/store"
)

type auditEventJSON struct {
	ID         string    `json:"id"`
	At         time.Time `json:"at"`
	ActorID    string    `json:"actor_id"`
	ActorName  string    `json:"actor_name"`
	Action     string    `json:"action"`
	EntityType string    `json:"entity_type"`
	EntityID   string    `json:"entity_id"`
	// Before and After are the record as JSON text before and after the change; null when it
	// did not exist, or for a read.
	Before    *string `json:"before"`
	After     *string `json:"after"`
	RequestID *string `json:"request_id"`
}

func toAuditEventJSON(e store.AuditEntry) auditEventJSON {
	orNull := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	return auditEventJSON{ID: strconv.FormatInt(e.ID, 10), At: e.At, ActorID: e.ActorID, ActorName: e.ActorName, Action: e.Action,
		EntityType: e.EntityType, EntityID: e.EntityID, Before: orNull(e.Before), After: orNull(e.After), RequestID: orNull(e.RequestID)}
}

// auditFilterOf reads the audit log's filters: user_id, client_id, action, and the period from
// and to, each a day in the CoC's time zone (to included) or an RFC 3339 moment (to excluded).
func (s *Server) auditFilterOf(r *http.Request) (store.AuditFilter, error) {
	q := r.URL.Query()
	f := store.AuditFilter{UserID: strings.TrimSpace(q.Get("user_id")), ClientID: strings.TrimSpace(q.Get("client_id")),
		Action: strings.TrimSpace(q.Get("action"))}
	var err error
	if f.From, err = s.periodBound("from", q.Get("from"), 0); err != nil {
		return f, err
	}
	if f.To, err = s.periodBound("to", q.Get("to"), 1); err != nil {
		return f, err
	}
	return f, nil
}

// periodBound reads a bound of a period: a day's start, days later (1 for a day included as the
// end), or a moment; zero for none.
func (s *Server) periodBound(field, v string, days int) (time.Time, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t.UTC(), nil
	}
	d, err := cas.ParseDate(field, v)
	if err != nil {
		return time.Time{}, cas.Invalid(field, "%s must be a day (YYYY-MM-DD) or an RFC 3339 time, not %q", field, v)
	}
	return d.AddDays(days).Start(s.db.Zone).UTC(), nil
}

// wantsCSV reports whether a list is asked for as CSV: format=csv, or an Accept header that
// names text/csv before (or without) JSON.
func wantsCSV(r *http.Request) (bool, error) {
	switch r.URL.Query().Get("format") {
	case "csv":
		return true, nil
	case "json":
		return false, nil
	case "":
	default:
		return false, cas.Invalid("format", "format must be json or csv")
	}
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		switch media, _, _ := mime.ParseMediaType(strings.TrimSpace(part)); media {
		case "text/csv":
			return true, nil
		case "application/json":
			return false, nil
		}
	}
	return false, nil
}

// auditList answers the audit log, newest first, a page at a time; as CSV, every event the
// filters select.
func (s *Server) auditList(w http.ResponseWriter, r *http.Request) error {
	f, err := s.auditFilterOf(r)
	if err != nil {
		return err
	}
	asCSV, err := wantsCSV(r)
	if err != nil {
		return err
	}
	if asCSV {
		return s.writeAuditCSV(w, r, f)
	}
	page, err := pageOf(r)
	if err != nil {
		return err
	}
	list, next, err := s.db.AuditLog(r.Context(), actor(r), f, page)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(list, next, toAuditEventJSON))
	return nil
}

var auditCSVHeader = []string{"id", "at", "actor_id", "actor_name", "action", "entity_type", "entity_id", "request_id", "before", "after"}

// writeAuditCSV streams the events the filter selects as a CSV download, read from one snapshot.
// The header goes out with the first event, so a refusal still answers as an error.
func (s *Server) writeAuditCSV(w http.ResponseWriter, r *http.Request, f store.AuditFilter) error {
	out := csv.NewWriter(w)
	started := false
	start := func() error {
		started = true
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", "attachment; filename=audit-"+string(s.today())+".csv")
		w.Header().Set("Cache-Control", "no-store")
		return out.Write(auditCSVHeader)
	}
	err := s.db.EachAuditEntry(r.Context(), actor(r), f, func(e store.AuditEntry) error {
		if !started {
			if err := start(); err != nil {
				return err
			}
		}
		return out.Write([]string{strconv.FormatInt(e.ID, 10), e.At.Format(time.RFC3339Nano), e.ActorID, e.ActorName, e.Action,
			e.EntityType, e.EntityID, e.RequestID, e.Before, e.After})
	})
	if err != nil {
		return err
	}
	if !started {
		if err := start(); err != nil {
			return err
		}
	}
	out.Flush()
	return out.Error()
}
