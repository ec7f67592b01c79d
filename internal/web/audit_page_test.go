package web

import (
	"net/http"
	"strings"
	"testing"
)

// TestAuditPage: the HMIS team reads the audit log on a page, filtered as the API's is, pages
// through it, downloads it as CSV, and is told beside the field when a date is wrong.
func TestAuditPage(t *testing.T) {
	c := newAgencyCoC(t)
	harbor := c.as(t, "harbor@coc.test")
	if status, _ := harbor.getPage("/referrals/" + c.janeRef.ID); status != http.StatusOK {
		t.Fatal("Harbor reads Jane's referral")
	}
	hmis := c.as(t, "hmis@coc.test")
	status, body := hmis.getPage("/audit")
	if status != http.StatusOK {
		t.Fatalf("GET /audit: %d", status)
	}
	agencyContains(t, "the audit log", body, `<a href="/audit" aria-current="page">Audit log</a>`, `id="audit-events"`, "client.read",
		"Hal Harbor", `href="/audit?format=csv"`)

	status, body = hmis.getPage("/audit?action=client.read&client_id=" + c.jane.ID)
	if status != http.StatusOK || strings.Count(body, `<tr id="audit-`) != 1 {
		t.Errorf("Jane's reads: %d, %d rows", status, strings.Count(body, `<tr id="audit-`))
	}
	agencyContains(t, "Jane's reads", body, "Hal Harbor", `value="client.read"`, "format=csv")
	agencyLacks(t, "Jane's reads", body, "client.create")

	_, body = hmis.getPage("/audit?limit=1")
	agencyContains(t, "a page of one", body, ">Older</a>")

	status, body = hmis.getPage("/audit?from=someday")
	if status != http.StatusBadRequest {
		t.Errorf("from=someday: %d, want 400", status)
	}
	agencyContains(t, "a refused date", body, `id="from-error"`, `aria-invalid="true"`)

	resp, csv := hmis.request("GET", "/audit?action=client.read&format=csv", nil)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") ||
		!strings.HasPrefix(csv, "id,at,actor_id,actor_name,action") || !strings.Contains(csv, "client.read") {
		t.Errorf("the CSV download: %d %s\n%s", resp.StatusCode, resp.Header.Get("Content-Type"), csv)
	}
	if status, _ := harbor.getPage("/audit"); status != http.StatusForbidden {
		t.Errorf("Harbor reads the audit log: %d, want 403", status)
	}
}
