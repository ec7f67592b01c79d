package web

import (
	"net/http"
	"strings"
	"testing"
)

func TestPacketPageSuspectsForm(t *testing.T) {
	c, apt103, _ := suspectsCoC(t)
	page := c.hmisBrowser(t).getHMISPage("/reports/hpl-packet")
	if !strings.Contains(page, `name="back" value="/reports/hpl-packet#program-`) || !strings.Contains(page, `value="`+apt103.ID+`"`) {
		t.Errorf("the HMIS team's packet has no suspects form:\n%s", page)
	}
	b := newBrowser(t, c.url)
	b.signIn("staff@harbor.test")
	status, own := b.getPage("/reports/hpl-packet")
	if status != http.StatusOK || !strings.Contains(own, "Apt 103") || strings.Contains(own, "Take the ticked units offline") ||
		strings.Contains(own, "Riverside") {
		t.Errorf("Harbor's packet page: %d\n%s", status, own)
	}
}
