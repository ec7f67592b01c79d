// Package smtptest runs a real SMTP server in-process for tests: it speaks SMTP over TCP on
// 127.0.0.1, keeps every message it accepts, and can be made to refuse mail, as a server that is
// down would.
package smtptest

import (
	"errors"
	"io"
	"mime"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Message is one accepted message.
type Message struct {
	From      string
	To        []string
	MessageID string
	Subject   string
	Raw       string // as received; Text() undoes quoted-printable line wrapping
}

// Text is the raw message with quoted-printable soft line breaks removed, for searching.
func (m Message) Text() string {
	return strings.NewReplacer("=\r\n", "", "=\n", "").Replace(m.Raw)
}

// Server is a running SMTP server.
type Server struct {
	Addr     string // host:port
	mu       sync.Mutex
	msgs     []Message
	down     bool
	delay    time.Duration
	accepted func(Message)
}

// Start starts a server for the test's lifetime.
func Start(tb testing.TB) *Server {
	tb.Helper()
	s := &Server{}
	srv := smtp.NewServer(s)
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	s.Addr = ln.Addr().String()
	go srv.Serve(ln)
	tb.Cleanup(func() { srv.Close() })
	return s
}

// URL is the server's address as DOORWAY_SMTP_URL takes it.
func (s *Server) URL() string { return "smtp://" + s.Addr }

// SetDown makes the server refuse (true) or accept (false) mail.
func (s *Server) SetDown(down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = down
}

// SetDelay makes the server take d to answer each message's data, as a slow server would.
func (s *Server) SetDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = d
}

// OnAccept calls fn with each message the server accepts, just before it answers that it has.
func (s *Server) OnAccept(fn func(Message)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.accepted = fn
}

// Messages returns the messages accepted so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// NewSession implements smtp.Backend.
func (s *Server) NewSession(*smtp.Conn) (smtp.Session, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.down {
		return nil, &smtp.SMTPError{Code: 421, Message: "service not available"}
	}
	return &session{server: s}, nil
}

type session struct {
	server *Server
	msg    Message
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error { ss.msg.From = from; return nil }

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.msg.To = append(ss.msg.To, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m, err := mail.ReadMessage(strings.NewReader(string(raw)))
	if err != nil {
		return errors.New("unreadable message")
	}
	ss.msg.Raw = string(raw)
	ss.msg.MessageID = strings.Trim(m.Header.Get("Message-Id"), "<>")
	ss.msg.Subject, _ = new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	ss.server.mu.Lock()
	delay := ss.server.delay
	ss.server.mu.Unlock()
	time.Sleep(delay)
	ss.server.mu.Lock()
	if ss.server.down {
		ss.server.mu.Unlock()
		return &smtp.SMTPError{Code: 451, Message: "try again later"}
	}
	ss.server.msgs = append(ss.server.msgs, ss.msg)
	accepted, msg := ss.server.accepted, ss.msg
	ss.msg = Message{}
	ss.server.mu.Unlock()
	if accepted != nil {
		accepted(msg)
	}
	return nil
}

func (ss *session) Reset()        { ss.msg = Message{} }
func (ss *session) Logout() error { return nil }
