package web

import (
	"net/http"
	"strings"

	"github.com/doorway-cas/doorway/internal/store"
)

type inboxData struct {
	Items []store.Notification
	Next  string
}

func (s *Server) inboxPage(w http.ResponseWriter, r *http.Request) error {
	page, err := pageOf(r)
	if err != nil {
		return err
	}
	items, next, _, err := s.db.Notifications(r.Context(), actor(r), page)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "notification_inbox", "Inbox", view{Data: inboxData{Items: items, Next: next}})
}

// inboxUnread is the navigation's unread badge alone; htmx refreshes it every minute, so a CAS
// Contact sees a new referral arrive without reloading the page.
func (s *Server) inboxUnread(w http.ResponseWriter, r *http.Request) error {
	n, err := s.db.UnreadCount(r.Context(), actor(r))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	return s.pages["notification_inbox"].ExecuteTemplate(w, "unread", n)
}

// inboxRead marks a notification read and opens what it is about.
func (s *Server) inboxRead(w http.ResponseWriter, r *http.Request) error {
	if err := s.db.MarkNotificationRead(r.Context(), actor(r), r.PathValue("id")); err != nil {
		return err
	}
	next := safeNext(r.FormValue("next"))
	if next == "" {
		next = "/inbox"
	}
	return s.redirect(w, r, next, "")
}

// localPath turns a notification's absolute link into a path on this site.
func localPath(link string) string {
	if i := strings.Index(link, "://"); i >= 0 {
		if j := strings.Index(link[i+3:], "/"); j >= 0 {
			return link[i+3+j:]
		}
		return "/"
	}
	return link
}
