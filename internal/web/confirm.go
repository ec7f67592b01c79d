package web

import (
	"maps"
	"net/http"
	"net/url"
	"slices"
)

// A destructive action asks first, without JavaScript: its form posts to its route as usual, and
// unless the post says confirm=yes the answer is a page that asks the question, carries the
// form's fields on, and posts them again with confirm=yes; its other button goes back. Nothing
// changes until the person confirms. The routes that ask are those below; routes() wraps their
// handlers, and a test posts to each without confirming and finds the question and no change.

// confirmation is what a destructive action asks before it is done.
type confirmation struct {
	Question, Detail, Button string
}

// confirmations are the destructive actions of the web UI, by route.
var confirmations = map[string]confirmation{
	"POST /units/{id}/check-out": {"Check the client out of this unit?",
		"The unit becomes free and goes to the next referral.", "Yes, check out"},
	"POST /units/{id}/offline": {"Take this unit offline?",
		"Nobody is referred to it until it is back online.", "Yes, take it offline"},
	"POST /reservations/{id}/release": {"Release this reservation?",
		"The unit becomes free and goes to the next referral.", "Yes, release it"},
	"POST /admin/users/{id}/disable": {"Disable this account?",
		"Its sessions and API tokens stop working at once.", "Yes, disable"},
	"POST /clients/{id}/remove": {"Remove this client from the HPL?",
		"They are no longer ranked or referred.", "Yes, remove"},
	"POST /clients/{id}/documents/{doc_id}/remove": {"Remove this document from the client's checklist?",
		"Programs requiring it no longer count it as on file.", "Yes, remove it"},
	"POST /referrals/{id}/decline": {"Decline this referral?",
		"The unit is let go and the CAS team is told; this cannot be undone.", "Yes, decline"},
	"POST /referrals/{id}/withdraw": {"Withdraw this referral?",
		"The agency is told and the client goes back on the HPL; this cannot be undone.", "Yes, withdraw"},
	"POST /proposals/{id}/dismiss": {"Dismiss this proposal?",
		"The client is not proposed to this program again for a while.", "Yes, dismiss"},
	"POST /facility-requests/{id}/reject": {"Reject this request?",
		"The agency is told, with your reason.", "Yes, reject"},
	"POST /account/tokens/{id}/revoke": {"Revoke this API token?",
		"Whatever uses it can no longer reach the API; this cannot be undone.", "Yes, revoke"},
	"POST /admin/users/{id}/second-factor/reset": {"Turn off this person's second factor?",
		"They sign in with their password alone until they set it up again.", "Yes, turn it off"},
	"POST /reports/under-referral/offline": {"Take the ticked units offline?",
		"Nobody is referred to them until they are back online.", "Yes, take them offline"},
}

// confirmData is the question page: the question, and the form to post again.
type confirmData struct {
	confirmation
	Action string
	Fields []confirmField
	Back   string
}

type confirmField struct{ Name, Value string }

// confirmFirst asks c before h acts, unless the post says confirm=yes.
func (s *Server) confirmFirst(c confirmation, h handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := r.ParseForm(); err != nil {
			return err
		}
		if r.PostForm.Get("confirm") == "yes" {
			return h(w, r)
		}
		d := confirmData{confirmation: c, Action: r.URL.Path, Back: sameSitePath(r)}
		if d.Back == "" {
			d.Back = landing(actor(r))
		}
		for _, name := range slices.Sorted(maps.Keys(r.PostForm)) {
			for _, v := range r.PostForm[name] {
				d.Fields = append(d.Fields, confirmField{name, v})
			}
		}
		return s.render(w, r, http.StatusOK, "confirm", c.Question, view{Data: d, Form: url.Values{}})
	}
}
