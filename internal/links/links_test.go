package links

import "testing"

func TestLinks(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{Referral("0196-a"), "/referrals/0196-a"},
		{Discrepancy("d1"), "/discrepancies/d1"},
		{FacilityRequest("r1"), "/facility-requests/r1"},
		{Roster("f 1"), "/units?facility_id=f+1"},
		{Unit("f1", "u1"), "/units?facility_id=f1#unit-u1"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}
