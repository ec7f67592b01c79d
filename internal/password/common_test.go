package password

import (
	"strings"
	"testing"
)

func TestCommonPasswords(t *testing.T) {
	for _, pw := range []string{"password1234", "qwertyuiopasdf", "123456789012", "aaaaaaaaaaaa", "letmeinletmein", "P@ssw0rd2024",
		"iloveyou1234", "trustno1trustno1", strings.Repeat("password", 128)} {
		if !Common(pw) {
			t.Errorf("%.40q is not judged common", pw)
		}
	}
	for _, pw := range []string{"tidal basin lantern 42", "harbor lights at dusk", "a long enough password", "doorway-demo-password",
		"tidal basin lantern 42 " + strings.Repeat("a", 1000)} {
		if Common(pw) {
			t.Errorf("%.40q is judged common", pw)
		}
	}
	t.Run("a password made of the account's own details", func(t *testing.T) {
		if !Common("staff@harbor.test", "staff@harbor.test", "Harper Staff") || !Common("HarperStaff", "harper.staff@harbor.test", "Harper Staff") {
			t.Error("a password made of the account's email or name is not judged common")
		}
	})
}
