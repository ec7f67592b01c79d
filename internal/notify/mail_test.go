package notify_test

import (
	"context"
	"strings"
	"testing"

	"github.com/doorway-cas/doorway/internal/notify"
	"github.com/doorway-cas/doorway/internal/notify/smtptest"
)

func TestNewSMTPRefusesBadConfiguration(t *testing.T) {
	for _, c := range []struct{ url, from, want string }{
		{"http://mail.example", "d@x.test", "scheme"},
		{"smtp://", "d@x.test", "host"},
		{"smtp://mail.example:port", "d@x.test", "port"},
		{"smtp://mail.example?starttls=sometimes", "d@x.test", "starttls"},
		{"smtp://mail.example", "", "DOORWAY_MAIL_FROM"},
	} {
		if _, err := notify.NewSMTP(c.url, c.from); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("NewSMTP(%q, %q) = %v, want an error about %s", c.url, c.from, err, c.want)
		}
	}
}

func TestSMTPSendsAndCanRequireSTARTTLS(t *testing.T) {
	srv := smtptest.Start(t) // plain SMTP, no STARTTLS offered
	e := notify.Email{ID: "0193a1b2-c3d4", To: "contact@harbor.test", Subject: "New referral to Harbor PSH", Text: "Hello", HTML: "<p>Hello</p>"}
	opportunistic, err := notify.NewSMTP(srv.URL(), "doorway@coc.test")
	if err != nil {
		t.Fatal(err)
	}
	if err := opportunistic.Send(context.Background(), e); err != nil {
		t.Fatalf("opportunistic STARTTLS to a plain server: %v", err)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 || msgs[0].MessageID != e.ID+"@doorway" || msgs[0].Subject != e.Subject || msgs[0].To[0] != e.To {
		t.Errorf("received %+v", msgs)
	}
	required, err := notify.NewSMTP(srv.URL()+"?starttls=required", "doorway@coc.test")
	if err != nil {
		t.Fatal(err)
	}
	if err := required.Send(context.Background(), e); err == nil {
		t.Error("required STARTTLS sent to a server that does not offer it")
	}
	if len(srv.Messages()) != 1 {
		t.Error("the second message arrived")
	}
}
