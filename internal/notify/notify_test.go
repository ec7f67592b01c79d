package notify

import (
	"strings"
	"testing"
)

func TestEveryKindRendersFromItsTemplates(t *testing.T) {
	d := Data{Program: "Harbor PSH", Facility: "Harbor Commons", Agency: "Harbor Family Services", Unit: "Apt 1",
		Deadline: "Fri 4 Dec 2026 17:00 UTC", Reason: "No unit is actually available", Link: "https://doorway.example/referrals/r1"}
	for _, k := range Kinds() {
		t.Run(string(k), func(t *testing.T) {
			if textTemplates.Lookup(string(k)+".txt") == nil || htmlTemplates.Lookup(string(k)+".html") == nil {
				t.Fatalf("kind %s lacks a .txt or .html template", k)
			}
			m, err := Render(k, d)
			if err != nil {
				t.Fatal(err)
			}
			if m.Subject == "" || strings.Contains(m.Subject, "{{") {
				t.Errorf("subject %q", m.Subject)
			}
			for _, body := range []string{m.Text, m.HTML} {
				if !strings.Contains(body, d.Link) {
					t.Errorf("body lacks the link:\n%s", body)
				}
				if strings.Contains(body, "<no value>") {
					t.Errorf("body refers to a missing field:\n%s", body)
				}
			}
			if AudienceOf(k) == "" {
				t.Errorf("kind %s has no audience", k)
			}
		})
	}
	if _, err := Render("no_such_kind", d); err == nil {
		t.Error("an unknown kind rendered")
	}
}

func TestHTMLIsEscaped(t *testing.T) {
	m, err := Render(UnitOffline, Data{Unit: "<b>1</b>", Facility: "F", Program: "P", Reason: "<script>x</script>", Link: "https://x"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(m.HTML, "<script>") {
		t.Errorf("unescaped HTML:\n%s", m.HTML)
	}
}

func TestDigest(t *testing.T) {
	m, err := Digest("2026-12-01", []Message{{Subject: "New referral to A"}, {Subject: "Unit 2 back online"}}, "https://x/inbox")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(m.Subject, "2 notifications") || !strings.Contains(m.Text, "New referral to A") || !strings.Contains(m.HTML, "Unit 2 back online") {
		t.Errorf("digest %+v", m)
	}
}
