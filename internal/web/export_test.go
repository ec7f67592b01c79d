package web

import (
	"net/http"
	"strings"
	"testing"

	"github.com/doorway-cas/doorway/internal/cas"
)

// PageRoute is a page of the web UI that answers GET, for the tests of package web_test that
// visit every page.
type PageRoute struct {
	Path   string // with its {parameters}
	Admits func(cas.Role) bool
}

// PageRoutes lists the web UI's GET routes from the route table.
func (s *Server) PageRoutes() []PageRoute {
	var out []PageRoute
	for _, rt := range s.routeTable() {
		if rt.kind == ui && rt.method == http.MethodGet {
			out = append(out, PageRoute{Path: rt.path, Admits: rt.access.admits})
		}
	}
	return out
}

// PageAs is a browser without a rendering engine, signed in to base with a password; it GETs a
// path and answers the status, the content type and the body, without following redirects.
func PageAs(t *testing.T, base, email, password string) func(path string) (int, string, string) {
	b := newBrowser(t, base)
	b.signInWith(email, password)
	return func(path string) (int, string, string) {
		resp, body := b.request("GET", path, nil)
		return resp.StatusCode, resp.Header.Get("Content-Type"), body
	}
}

// StartImport uploads the tests' synthetic export for a dry run through the import page, signed
// in as an HMIS admin, and returns the import's page.
func StartImport(t *testing.T, base, email, password string) string {
	b := newBrowser(t, base)
	b.signInWith(email, password)
	resp, body := b.upload(zipDir(t, generateExport(t)), "", "dry_run")
	where := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(where, "/admin/import/") {
		t.Fatalf("start an import: %d %s\n%s", resp.StatusCode, where, body)
	}
	b.waitForImport(where)
	return where
}

// UnlabelledFields lists the controls of a page's forms that have no label, by name: fields
// whose refusals formWords could not put in the form's words.
func UnlabelledFields(page string) []string { return readFormLabels([]byte(page)).unlabelled }
