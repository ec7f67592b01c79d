package web

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/doorway-cas/doorway/internal/cas"
)

func TestHPLPage(t *testing.T) {
	w := newCASWorld(t)
	w.addClient(t, "Bo", "Young", "", 5, cas.WithoutChildren, 1)
	w.addClient(t, "Maria", "Santos", "P000417", 14, cas.WithChildren, 3)
	w.addClient(t, "Ada", "Lee", "", 20, cas.WithoutChildren, 1)
	b := w.browser(t, casAdminEmail)

	status, body := b.getPage("/hpl")
	if status != http.StatusOK {
		t.Fatalf("GET /hpl: %d\n%s", status, body)
	}
	if !inOrder(body, "Lee, Ada", "Santos, Maria", "Young, Bo") {
		t.Errorf("the HPL is not in rank order:\n%s", body)
	}
	for _, want := range []string{`class="filters"`, "scheme version 1", "assessment score, highest first", "With children, 3 people", "P000417"} {
		if !strings.Contains(body, want) {
			t.Errorf("the HPL lacks %q", want)
		}
	}
	if strings.Contains(body, "Next page") {
		t.Errorf("three clients should fit one page")
	}

	for _, c := range []struct {
		query      string
		want, lack []string
	}{
		{"household_type=with_children", []string{"Santos, Maria"}, []string{"Lee, Ada", "Young, Bo"}},
		{"q=sant", []string{"Santos, Maria"}, []string{"Lee, Ada", "Young, Bo"}},
		{"q=P000417", []string{"Santos, Maria"}, []string{"Lee, Ada", "Young, Bo"}},
		{"q=bo", []string{"Young, Bo"}, []string{"Lee, Ada", "Santos, Maria"}},
		{"population=chronically_homeless", []string{"Lee, Ada", "Santos, Maria"}, []string{"Young, Bo"}},
		{"status=housed", nil, []string{"Lee, Ada", "Santos, Maria", "Young, Bo"}},
	} {
		status, body := b.getPage("/hpl?" + c.query)
		if status != http.StatusOK {
			t.Errorf("GET /hpl?%s: %d", c.query, status)
			continue
		}
		for _, s := range c.want {
			if !strings.Contains(body, s) {
				t.Errorf("/hpl?%s lacks %s", c.query, s)
			}
		}
		for _, s := range c.lack {
			if strings.Contains(body, s) {
				t.Errorf("/hpl?%s shows %s", c.query, s)
			}
		}
	}
	// A filtered list keeps the ranks of the whole list.
	if _, body := b.getPage("/hpl?q=young"); !strings.Contains(body, "<td>3</td>") {
		t.Errorf("Bo Young is not shown at rank 3 when searched for")
	}
	if status, _ := b.getPage("/hpl?household_type=everyone"); status != http.StatusBadRequest {
		t.Errorf("an unknown household type: %d, want 400", status)
	}

	if status, _ := w.browser(t, hmisEmail).getPage("/hpl"); status != http.StatusOK {
		t.Errorf("the HMIS team reads the HPL: %d", status)
	}
	if status, _ := w.browser(t, agencyEmail).getPage("/hpl"); status != http.StatusForbidden {
		t.Errorf("an agency user on /hpl: %d, want 403", status)
	}
}

var nextPageLink = regexp.MustCompile(`href="(/hpl\?[^"]*)"[^>]*>Next page`)

// clientLink finds the links to client pages (not the navigation's consent page).
var clientLink = regexp.MustCompile(`href="/clients/[0-9a-f]{8}-`)

func TestHPLPages(t *testing.T) {
	w := newCASWorld(t)
	for i := range 60 {
		w.addClient(t, fmt.Sprintf("Person%02d", i), "Pager", "", i, cas.WithoutChildren, 1)
	}
	w.addClient(t, "Family", "Pager", "", 99, cas.WithChildren, 4)
	b := w.browser(t, casAdminEmail)
	_, first := b.getPage("/hpl?q=pager")
	if n := len(clientLink.FindAllString(first, -1)); n != 50 {
		t.Errorf("first page: %d clients, want 50", n)
	}
	m := nextPageLink.FindStringSubmatch(first)
	if m == nil {
		t.Fatalf("no Next page link on the first page")
	}
	next := strings.ReplaceAll(m[1], "&amp;", "&")
	if !strings.Contains(next, "q=pager") || !strings.Contains(next, "cursor=") {
		t.Errorf("the Next page link %q loses the filter or the cursor", next)
	}
	status, second := b.getPage(next)
	if status != http.StatusOK {
		t.Fatalf("GET %s: %d", next, status)
	}
	if n := len(clientLink.FindAllString(second, -1)); n != 11 {
		t.Errorf("second page: %d clients, want 11", n)
	}
	if !strings.Contains(second, "Pager, Person00") || strings.Contains(second, "Pager, Family") || strings.Contains(second, "Next page") {
		t.Errorf("the second page should end the list with the lowest score")
	}
	if !strings.Contains(first, "Pager, Family") {
		t.Errorf("the first page lacks the top-ranked client")
	}
}
