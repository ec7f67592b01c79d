package web

import (
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// A double-click posts a form twice. The second post of a form that already worked shows what the
// first did (its redirect, with a notice), instead of an error page for an action that happened:
// posts are remembered for a short while by who sent them, where, and what they carried; a
// second one waits for the first and follows it. A post that did not end in a redirect (a refused
// form, a question asked first) is forgotten, so sending it again is tried again.

// repeatWindow is how long a post that worked is remembered.
const repeatWindow = 30 * time.Second

// submission is a remembered post: done closes when it has its answer.
type submission struct {
	done            chan struct{}
	at              time.Time
	location, flash string
}

type submissions struct {
	mu   sync.Mutex
	seen map[string]*submission
}

// submissionKey names a post by its sender, route and fields.
func submissionKey(userID string, r *http.Request) string {
	h := sha256.New()
	h.Write([]byte(userID + "\x00" + r.URL.RequestURI()))
	for _, k := range slices.Sorted(maps.Keys(r.PostForm)) {
		h.Write([]byte("\x00" + k + "=" + strings.Join(r.PostForm[k], "\x01")))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// once runs a page's post, or, when the same post worked a moment ago, sends the browser where
// the first one did.
func (s *Server) once(w http.ResponseWriter, r *http.Request, userID string, h handlerFunc) error {
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
		return h(w, r) // an upload: its file is not read here, and an upload is not double-clicked
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
	if err := r.ParseForm(); err != nil {
		return bodyError(err, maxFormBody, "the form could not be read")
	}
	key, now := submissionKey(userID, r), time.Now()
	subs := &s.submissions
	subs.mu.Lock()
	if subs.seen == nil {
		subs.seen = map[string]*submission{}
	}
	maps.DeleteFunc(subs.seen, func(_ string, sub *submission) bool { return now.Sub(sub.at) > repeatWindow })
	if first, ok := subs.seen[key]; ok {
		subs.mu.Unlock()
		select {
		case <-first.done:
		case <-r.Context().Done():
			return r.Context().Err()
		}
		if first.location != "" {
			notice := "That was already done."
			if first.flash != "" {
				notice = "That was already done: " + first.flash
			}
			return s.redirect(w, r, first.location, notice)
		}
		return h(w, r)
	}
	sub := &submission{done: make(chan struct{}), at: now}
	subs.seen[key] = sub
	subs.mu.Unlock()
	rec := &statusRecorder{ResponseWriter: w}
	err := h(rec, r)
	subs.mu.Lock()
	if err == nil && rec.status == http.StatusSeeOther {
		sub.location, sub.flash = w.Header().Get("Location"), s.sessions.GetString(r.Context(), "flash")
	} else {
		delete(subs.seen, key)
	}
	subs.mu.Unlock()
	close(sub.done)
	return err
}
