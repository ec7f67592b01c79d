package cas

import "testing"

func TestRemovalReasons(t *testing.T) {
	for _, c := range []struct {
		code        RemovalCode
		note, field string
		stored      string
	}{
		{code: RemovalDeceased, stored: "deceased"},
		{code: RemovalMovedAway, note: " to Ohio ", stored: "moved_away: to Ohio"},
		{code: RemovalOther, field: "note"},
		{code: "", field: "reason_code"},
		{code: "bored", field: "reason_code"},
	} {
		got, err := RemovalReason(c.code, c.note)
		if c.field != "" {
			if e := ErrorOf(err); e == nil || e.Field != c.field {
				t.Errorf("RemovalReason(%q, %q) = %v, want an error naming %s", c.code, c.note, err, c.field)
			}
			continue
		}
		if err != nil || got != c.stored {
			t.Errorf("RemovalReason(%q, %q) = %q, %v, want %q", c.code, c.note, got, err, c.stored)
		}
	}
	t.Run("a reason from before codes reads as words without a code", func(t *testing.T) {
		if code, note := RemovalOf("Exited: to a shelter"); code != "" || note != "Exited: to a shelter" {
			t.Errorf("RemovalOf = %q, %q", code, note)
		}
		if w := RemovalWords("moved_away: to Ohio"); w != "Moved away from the CoC: to Ohio" {
			t.Errorf("RemovalWords = %q", w)
		}
	})
}
