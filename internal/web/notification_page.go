package web

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/store"
)

type inboxData struct {
	Groups []inboxGroup
	Next   string
}

// inboxGroup is what the inbox shows of one referral (or of one unit, or one notification about
// neither): where it stands now, and its notifications, newest first.
type inboxGroup struct {
	Program, Unit string
	Status        cas.ReferralStatus
	Items         []store.Notification
}

// groupInbox gathers a page of the inbox by referral, each group where its first notification
// was: unread referrals first, as the inbox lists them.
func groupInbox(items []store.Notification) []inboxGroup {
	var groups []inboxGroup
	at := map[string]int{}
	for _, n := range items {
		if n.ReferralID != "" {
			if i, ok := at[n.ReferralID]; ok {
				groups[i].Items = append(groups[i].Items, n)
				continue
			}
			at[n.ReferralID] = len(groups)
		}
		groups = append(groups, inboxGroup{Program: n.Program, Unit: n.Unit, Status: n.ReferralStatus, Items: []store.Notification{n}})
	}
	return groups
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
	return s.render(w, r, http.StatusOK, "notification_inbox", "Inbox", view{Data: inboxData{Groups: groupInbox(items), Next: next}})
}

// inboxReadAll marks every notification read and shows the inbox again.
func (s *Server) inboxReadAll(w http.ResponseWriter, r *http.Request) error {
	n, err := s.db.MarkAllNotificationsRead(r.Context(), actor(r))
	if err != nil {
		return err
	}
	msg := "Nothing was unread."
	switch {
	case n == 1:
		msg = "1 notification marked read."
	case n > 1:
		msg = fmt.Sprintf("%d notifications marked read.", n)
	}
	return s.redirect(w, r, "/inbox", msg)
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
