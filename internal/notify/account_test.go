package notify

import (
	"strings"
	"testing"

	"github.com/doorway-cas/doorway/internal/cas"
)

func TestEveryKindIsOfferedOnTheAccountPage(t *testing.T) {
	offered := map[Kind]cas.Role{}
	for _, role := range cas.Roles {
		for _, k := range KindsFor(role) {
			if was, ok := offered[k]; ok {
				t.Errorf("%s is offered to %s and %s", k, was, role)
			}
			offered[k] = role
		}
	}
	for _, k := range Kinds() {
		if _, ok := descriptions[k]; !ok {
			t.Errorf("%s has no description for the account page", k)
		}
		if _, ok := offered[k]; !ok {
			t.Errorf("%s is offered to no role", k)
		}
	}
	if first := KindsFor(cas.RoleAgencyUser)[0]; !NeedsAnswer(first) {
		t.Errorf("agency users' first kind is %s, which asks for no answer", first)
	}
}

func TestPasswordResetEmail(t *testing.T) {
	m, err := PasswordReset("Harper <Staff>", "https://doorway.coc.test/reset/dwr_x", "Tue 3 Nov 2026 09:00 UTC")
	if err != nil {
		t.Fatal(err)
	}
	for _, body := range []string{m.Text, m.HTML} {
		if !strings.Contains(body, "https://doorway.coc.test/reset/dwr_x") || !strings.Contains(body, "Tue 3 Nov 2026 09:00 UTC") {
			t.Errorf("the email lacks the link or its expiry:\n%s", body)
		}
	}
	if !strings.Contains(m.HTML, "Harper &lt;Staff&gt;") {
		t.Errorf("the HTML does not escape the name:\n%s", m.HTML)
	}
}
