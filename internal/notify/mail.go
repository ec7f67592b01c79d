package notify

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"time"

	"github.com/wneessen/go-mail"
)

// Email is one message of the outbox, ready to send. ID is the outbox row's ID, sent as the
// Message-ID, so a retry of the same row is recognisable as the same message.
type Email struct {
	ID      string
	To      string
	Subject string
	Text    string
	HTML    string
}

// Sender delivers email.
type Sender interface {
	Send(ctx context.Context, e Email) error
}

// SMTP sends email through an SMTP server.
type SMTP struct {
	client *mail.Client
	from   string
}

// NewSMTP configures delivery from a URL: smtp://[user:pass@]host:port uses STARTTLS when the
// server offers it (add ?starttls=required to refuse servers that do not), smtps://… uses implicit
// TLS. from is the sender address.
func NewSMTP(rawURL, from string) (*SMTP, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("DOORWAY_SMTP_URL: %w", err)
	}
	if from == "" {
		return nil, fmt.Errorf("DOORWAY_MAIL_FROM: a sender address is required to send email")
	}
	opts := []mail.Option{mail.WithTimeout(30 * time.Second)}
	defaultPort := 25
	switch u.Scheme {
	case "smtp":
		policy := mail.TLSOpportunistic
		switch u.Query().Get("starttls") {
		case "", "opportunistic":
		case "required":
			policy = mail.TLSMandatory
		default:
			return nil, fmt.Errorf("DOORWAY_SMTP_URL: starttls must be opportunistic or required, not %q", u.Query().Get("starttls"))
		}
		opts = append(opts, mail.WithTLSPolicy(policy))
	case "smtps":
		defaultPort = 465
		opts = append(opts, mail.WithSSL())
	default:
		return nil, fmt.Errorf("DOORWAY_SMTP_URL: scheme must be smtp or smtps, not %q", u.Scheme)
	}
	port := defaultPort
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil {
			return nil, fmt.Errorf("DOORWAY_SMTP_URL: port %q: %w", p, err)
		}
	}
	opts = append(opts, mail.WithPort(port))
	if u.User != nil {
		pass, _ := u.User.Password()
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthPlain), mail.WithUsername(u.User.Username()), mail.WithPassword(pass))
	}
	if u.Hostname() == "" {
		return nil, fmt.Errorf("DOORWAY_SMTP_URL: a host is required")
	}
	c, err := mail.NewClient(u.Hostname(), opts...)
	if err != nil {
		return nil, fmt.Errorf("DOORWAY_SMTP_URL: %w", err)
	}
	return &SMTP{client: c, from: from}, nil
}

// Send delivers one email.
func (s *SMTP) Send(ctx context.Context, e Email) error {
	m := mail.NewMsg()
	if err := m.From(s.from); err != nil {
		return fmt.Errorf("sender %q: %w", s.from, err)
	}
	if err := m.To(e.To); err != nil {
		return fmt.Errorf("recipient %q: %w", e.To, err)
	}
	m.SetMessageIDWithValue(e.ID + "@doorway")
	m.SetDate()
	m.Subject(e.Subject)
	m.SetBodyString(mail.TypeTextPlain, e.Text)
	if e.HTML != "" {
		m.AddAlternativeString(mail.TypeTextHTML, e.HTML)
	}
	if err := s.client.DialAndSendWithContext(ctx, m); err != nil {
		return fmt.Errorf("send to %s: %w", e.To, err)
	}
	return nil
}

// LogSender writes emails to the log instead of sending them, for a Doorway with no SMTP server.
type LogSender struct{ Log *slog.Logger }

// Send logs the email's envelope; bodies carry no personal data but are long, so they are left out.
func (l LogSender) Send(_ context.Context, e Email) error {
	l.Log.Info("email not sent: no SMTP server configured", "message_id", e.ID, "to", e.To, "subject", e.Subject)
	return nil
}
