package web

import (
	"net/http"
	"time"

	"github.com/doorway-cas/doorway/internal/notify"
	"github.com/doorway-cas/doorway/internal/store"
)

type notificationJSON struct {
	ID         string      `json:"id"`
	Kind       notify.Kind `json:"kind"`
	Subject    string      `json:"subject"`
	Body       string      `json:"body"`
	Link       string      `json:"link"`
	ReferralID *string     `json:"referral_id"`
	UnitID     *string     `json:"unit_id"`
	ReadAt     *time.Time  `json:"read_at"`
	CreatedAt  time.Time   `json:"created_at"`
	// Where what it is about stands now: its program and unit, and its referral's status.
	Program        *string `json:"program"`
	Unit           *string `json:"unit"`
	ReferralStatus *string `json:"referral_status"`
}

func toNotificationJSON(n store.Notification) notificationJSON {
	status := string(n.ReferralStatus)
	return notificationJSON{ID: n.ID, Kind: n.Kind, Subject: n.Subject, Body: n.Body, Link: n.Link, ReadAt: n.ReadAt, CreatedAt: n.CreatedAt,
		ReferralID: orNull(n.ReferralID), UnitID: orNull(n.UnitID), Program: orNull(n.Program), Unit: orNull(n.Unit), ReferralStatus: orNull(status)}
}

// orNull is a string for JSON, null when empty.
func orNull(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// notificationList answers the signed-in user's inbox, unread first, with the unread count.
func (s *Server) notificationList(w http.ResponseWriter, r *http.Request) error {
	page, err := pageOf(r)
	if err != nil {
		return err
	}
	items, next, unread, err := s.db.Notifications(r.Context(), actor(r), page)
	if err != nil {
		return err
	}
	out := struct {
		list[notificationJSON]
		Unread int `json:"unread"`
	}{newList(items, next, toNotificationJSON), unread}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) notificationUnread(w http.ResponseWriter, r *http.Request) error {
	n, err := s.db.UnreadCount(r.Context(), actor(r))
	return respond(w, map[string]int{"unread": n}, err)
}

// notificationReadAll marks every notification of the caller read and says how many were unread.
func (s *Server) notificationReadAll(w http.ResponseWriter, r *http.Request) error {
	n, err := s.db.MarkAllNotificationsRead(r.Context(), actor(r))
	return respond(w, map[string]int{"marked": n}, err)
}

func (s *Server) notificationRead(w http.ResponseWriter, r *http.Request) error {
	if err := s.db.MarkNotificationRead(r.Context(), actor(r), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
