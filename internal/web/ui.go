package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/links"
	"github.com/doorway-cas/doorway/internal/store"
)

//go:embed templates
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// pageFuncs are the helpers page templates may use. They read the CoC's time zone, the clock and
// the thresholds from the server's store as they run, so pages show times as people at the CoC
// read them (as emails do) and judge rosters by the configured --stale-roster-days.
func (s *Server) pageFuncs() template.FuncMap {
	return template.FuncMap{
		"date":     s.date,
		"datetime": s.datetime,
		"ago":      func(t time.Time) string { return ago(s.db.Now().Sub(t)) },
		"timeptr": func(t *time.Time) time.Time {
			if t == nil {
				return time.Time{}
			}
			return *t
		},
		"staleRosterDays": func() int { return s.db.Thresholds.OrDefault().StaleRosterDays },
		"title":           humanize,
		"longid":          longID,
		"localpath":       localPath,
		"query": func(pairs ...string) template.URL {
			v := url.Values{}
			for i := 0; i+1 < len(pairs); i += 2 {
				if pairs[i+1] != "" {
					v.Set(pairs[i], pairs[i+1])
				}
			}
			return template.URL(v.Encode())
		},
	}
}

// date writes the CoC's calendar day of a moment: "2 Jan 2006"; nothing for no moment.
func (s *Server) date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(s.db.Zone).Format("2 Jan 2006")
}

// datetime writes a moment as people at the CoC read it.
func (s *Server) datetime(t time.Time) string { return datetimeIn(t, s.db.Zone) }

// datetimeIn writes a moment as people in a time zone read it: "2 Jan 2006 15:04 CST".
func datetimeIn(t time.Time, zone *time.Location) string {
	return t.In(zone).Format("2 Jan 2006 15:04 MST")
}

// households names the household types a unit serves: "without children, with children".
func households(types []cas.HouseholdType) string {
	words := make([]string, len(types))
	for i, t := range types {
		words[i] = strings.ReplaceAll(string(t), "_", " ")
	}
	return strings.Join(words, ", ")
}

// longID shows an identifier that may be long (a 32-character HMIS PersonalID): it wraps
// anywhere rather than widening the page, stays whole for copying, and carries its full value as
// a title for the pointer.
func longID(id string) template.HTML {
	esc := template.HTMLEscapeString(id)
	return template.HTML(`<span class="long-id" title="` + esc + `">` + esc + `</span>`)
}

// humanize turns a code such as "without_children" into words: "Without children".
func humanize(code string) string {
	if code == "" {
		return ""
	}
	return strings.ToUpper(code[:1]) + strings.ReplaceAll(code[1:], "_", " ")
}

func ago(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%d min ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h ago", int(d.Hours()))
	}
	return fmt.Sprintf("%d days ago", int(d.Hours()/24))
}

// pages are the parsed templates, one per page, each with the layout; parsed once at start.
type pages map[string]*template.Template

func parsePages(funcs template.FuncMap) (pages, error) {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	p := pages{}
	for _, name := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(name, "templates/"), ".html")
		if base == "layout" {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/partials/*.html", name)
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", name, err)
		}
		p[base] = t
	}
	return p, nil
}

// navItem is a link of the top navigation.
type navItem struct {
	Label, Path string
	Current     bool
}

// navFor is each role's navigation, its landing page first, and the user's own account last.
func navFor(u *cas.User) []navItem {
	return append(roleNav(u.Role), navItem{Label: "Account", Path: links.Account})
}

// roleNav is the pages of a role, its landing page first.
func roleNav(role cas.Role) []navItem {
	switch role {
	case cas.RoleAgencyUser:
		return []navItem{{Label: "Incoming referrals", Path: "/referrals"}, {Label: "Units", Path: "/units"},
			{Label: "Discrepancies", Path: "/discrepancies"}, {Label: "Facility requests", Path: "/facility-requests"},
			{Label: "Reports", Path: "/reports"}, {Label: "Inbox", Path: "/inbox"}}
	case cas.RoleCASAdmin:
		return []navItem{{Label: "HPL", Path: "/hpl"}, {Label: "Referral board", Path: "/board"}, {Label: "Discrepancies", Path: "/discrepancies"},
			{Label: "Reports", Path: "/reports"}, {Label: "Consent", Path: "/clients/consent"}, {Label: "Inbox", Path: "/inbox"}}
	case cas.RoleHMISAdmin:
		return []navItem{{Label: "Inventory", Path: "/inventory"}, {Label: "Discrepancies", Path: "/discrepancies"},
			{Label: "Facility requests", Path: "/facility-requests"}, {Label: "Reports", Path: "/reports"}, {Label: "Users", Path: "/admin/users"},
			{Label: "Agencies", Path: "/admin/agencies"}, {Label: "Import", Path: "/admin/import"}, {Label: "Consent", Path: "/clients/consent"},
			{Label: "Audit log", Path: "/audit"}, {Label: "Inbox", Path: "/inbox"}}
	}
	return nil
}

// landing is where a role starts after signing in.
func landing(u *cas.User) string { return navFor(u)[0].Path }

// view is what every page template receives: the page's own data in Data, and the frame.
type view struct {
	Title  string
	User   *cas.User
	Nav    []navItem
	Unread int
	Flash  string
	// Errors are validation messages by field name, shown next to the fields.
	Errors map[string]string
	// Form holds the submitted values, to refill a form that was refused.
	Form url.Values
	Data any
}

// render writes a page with the layout.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name, title string, v view) error {
	t, ok := s.pages[name]
	if !ok {
		return fmt.Errorf("no page template %q", name)
	}
	v.Title = title
	if u := actor(r); u != nil {
		v.User = u
		v.Nav = navFor(u)
		for i := range v.Nav {
			v.Nav[i].Current = strings.HasPrefix(r.URL.Path, v.Nav[i].Path)
		}
		if n, err := s.db.UnreadCount(r.Context(), u); err == nil {
			v.Unread = n
		}
		if v.Flash == "" {
			v.Flash = s.sessions.PopString(r.Context(), "flash")
		}
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, v); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	page := buf.Bytes()
	if status >= 400 || len(v.Errors) > 0 {
		page = formWords(page) // messages in the words of the page's forms (form_words.go)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, err := w.Write(page)
	return err
}

// rosterStale reports whether a facility's roster needs confirming again, by the configured
// thresholds.
func (s *Server) rosterStale(f cas.Facility, now time.Time) bool {
	return s.db.Thresholds.OrDefault().RosterStale(f.InventoryConfirmedAt, now)
}

// formError turns a refused form submission into the messages shown next to its fields; other
// errors pass through.
func formError(err error) (map[string]string, bool) {
	e := cas.ErrorOf(err)
	if e == nil || (e.Code != cas.EInvalid && e.Code != cas.EConflict) {
		return nil, false
	}
	field := e.Field
	if field == "" {
		field = "form"
	}
	return map[string]string{field: e.Message}, true
}

// option is one choice of a select, with whether it is chosen.
type option struct {
	Value, Label string
	Selected     bool
}

// options offers codes as choices in words, chosen selected.
func options(chosen string, values ...string) []option {
	out := make([]option, 0, len(values))
	for _, v := range values {
		label := humanize(v)
		if v == string(cas.DVSurvivor) {
			label = "DV survivor"
		}
		out = append(out, option{Value: v, Label: label, Selected: v == chosen})
	}
	return out
}

// keepQuery keeps a page's filters and paging, to send a form's browser back to the same view.
func keepQuery(q url.Values, keys ...string) template.URL {
	v := url.Values{}
	for _, k := range keys {
		if q.Get(k) != "" {
			v.Set(k, q.Get(k))
		}
	}
	return template.URL(v.Encode())
}

// withQuery is path with the query kept by keepQuery.
func withQuery(path string, q template.URL) string {
	if q == "" {
		return path
	}
	return path + "?" + string(q)
}

// splitFormErrors splits a refused form's messages: those of fields shown in a row (fields) stay in
// the row, the rest go to the top of the page.
func splitFormErrors(errs map[string]string, fields ...string) (row, page map[string]string) {
	row, page = map[string]string{}, map[string]string{}
	for k, msg := range errs {
		if slices.Contains(fields, k) {
			row[k] = msg
		} else {
			page["form"] = msg
		}
	}
	return row, page
}

// pageErrors keeps the messages of the fields a page shows next to them and puts any other at the
// top of the page.
func pageErrors(errs map[string]string, fields ...string) map[string]string {
	shown, top := splitFormErrors(errs, fields...)
	maps.Copy(shown, top)
	return shown
}

// StatusList is a list page filtered by status and paged by cursor: what its filter form and
// pager (templates/partials/status_list.html) need.
type StatusList struct {
	Path, Label                 string // the list page, and the filter form's name for screen readers
	Statuses                    []option
	Status, Limit, Cursor, Next string
}

// statusListOf reads a list page's status filter and paging; the caller sets Next once it has
// read the page.
func statusListOf(r *http.Request, path, label string, statuses []string) (StatusList, store.Page, error) {
	page, err := pageOf(r)
	if err != nil {
		return StatusList{}, page, err
	}
	q := r.URL.Query()
	l := StatusList{Path: path, Label: label, Status: q.Get("status"), Limit: q.Get("limit"), Cursor: page.Cursor}
	l.Statuses = options(l.Status, statuses...)
	return l, page, nil
}

// unitChoice is a unit offered as a checkbox, ticked again when a refused form comes back.
type unitChoice struct {
	cas.Unit
	Checked bool
}

// unitChoices offers units as checkboxes, those in ticked ticked.
func unitChoices(units []cas.Unit, ticked []string) []unitChoice {
	choices := make([]unitChoice, len(units))
	for i, un := range units {
		choices[i] = unitChoice{Unit: un, Checked: slices.Contains(ticked, un.ID)}
	}
	return choices
}

// redirect sends the browser on after a successful form, with a message for the next page.
func (s *Server) redirect(w http.ResponseWriter, r *http.Request, path, flash string) error {
	if flash != "" {
		s.sessions.Put(r.Context(), "flash", flash)
	}
	http.Redirect(w, r, path, http.StatusSeeOther)
	return nil
}

func (s *Server) static(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Cache-Control", "public, max-age=3600")
	http.FileServerFS(staticFS).ServeHTTP(w, r)
	return nil
}
