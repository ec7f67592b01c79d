package cas

import (
	"strings"
	"testing"
)

func TestReferralAccess(t *testing.T) {
	const harbor, riverside = "harbor", "riverside"
	casAdmin := &User{ID: "c", Role: RoleCASAdmin}
	hmis := &User{ID: "h", Role: RoleHMISAdmin}
	staff := &User{ID: "s", Role: RoleAgencyUser, AgencyID: harbor}
	navigator := &User{ID: "n", Role: RoleAgencyUser, AgencyID: riverside}
	stranger := &User{ID: "x", Role: RoleAgencyUser, AgencyID: riverside}
	for _, tc := range []struct {
		name               string
		u                  *User
		navigatorID        string
		see, note, respond bool
	}{
		{"CAS admin", casAdmin, "", true, true, false},
		{"HMIS team", hmis, "", true, true, true},
		{"command line", System, "", true, true, true},
		{"the receiving agency", staff, "", true, true, true},
		{"the receiving agency's user who is also the navigator", staff, staff.ID, true, true, true},
		{"the client's navigator, of another agency", navigator, navigator.ID, true, true, false},
		{"another agency's user, not the navigator", stranger, navigator.ID, false, false, false},
		{"another agency's user, no navigator", stranger, "", false, false, false},
	} {
		p := PartyTo(tc.u, harbor, tc.navigatorID)
		if got := p.May(RightSee); got != tc.see || CanSeeReferral(tc.u, harbor, tc.navigatorID) != tc.see {
			t.Errorf("%s sees: %v, want %v", tc.name, got, tc.see)
		}
		if got := p.May(RightNote); got != tc.note {
			t.Errorf("%s adds notes: %v, want %v", tc.name, got, tc.note)
		}
		if got := p.May(RightRespond); got != tc.respond {
			t.Errorf("%s responds: %v, want %v", tc.name, got, tc.respond)
		}
	}
	if CanRespondToReferral(navigator, harbor) {
		t.Error("a navigator may answer for the receiving agency")
	}
}

func TestValidateNote(t *testing.T) {
	if got, err := ValidateNote("  Called the client.  "); err != nil || got != "Called the client." {
		t.Errorf("a note: %q %v", got, err)
	}
	for _, text := range []string{"", "   ", strings.Repeat("é", MaxNoteLength+1)} {
		if _, err := ValidateNote(text); ErrorOf(err) == nil || ErrorOf(err).Field != "text" {
			t.Errorf("note of %d characters: %v, want invalid text", len([]rune(text)), err)
		}
	}
	if _, err := ValidateNote(strings.Repeat("é", MaxNoteLength)); err != nil {
		t.Errorf("a note of the longest length: %v", err)
	}
}
