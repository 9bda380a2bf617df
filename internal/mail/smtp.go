package mail

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// Message is one mail, ready to send.
type Message struct {
	To      string
	Subject string
	// Text is the plain-text part; HTML the alternative shown by mail
	// programs that display HTML.
	Text, HTML string
}

// Timeout bounds one delivery attempt: the connection, the SMTP dialogue
// and the message. Kratos waits 30 s for a hand-over, and a hand-over
// may try twice.
const Timeout = 8 * time.Second

// SMTP sends mail through one SMTP server.
type SMTP struct {
	host string
	opts []gomail.Option
	from string
	// fromName is the sender's display name ("WorkID").
	fromName string
	// idDomain is the right-hand side of every Message-ID.
	idDomain string
	// Now is the clock for the Date header.
	Now func() time.Time
}

// NewSMTP returns a sender for the server at uri, in the form Kratos's
// courier.smtp.connection_uri takes: smtp://[user:password@]host[:port]/
// with STARTTLS required unless ?disable_starttls=true, or smtps:// for
// TLS from the first byte; ?skip_ssl_verify=true accepts any certificate
// (development only) and ?local_name= sets the HELO name.
func NewSMTP(uri, from, fromName string) (*SMTP, error) {
	u, err := url.Parse(uri)
	if err != nil {
		return nil, fmt.Errorf("SMTP URI: %w", err)
	}
	host := u.Hostname()
	if host == "" {
		return nil, errors.New("SMTP URI names no host")
	}
	at := strings.LastIndex(from, "@")
	if at < 1 || at == len(from)-1 {
		return nil, fmt.Errorf("sender address %q is not an email address", from)
	}
	q := u.Query()
	opts := []gomail.Option{gomail.WithTimeout(Timeout)}
	port := 0
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil || port < 1 || port > 65535 {
			return nil, fmt.Errorf("SMTP URI port %q is not a port", p)
		}
	}
	tlsConfig := &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
	if q.Get("skip_ssl_verify") == "true" {
		tlsConfig.InsecureSkipVerify = true // the operator's explicit choice, for development servers
	}
	opts = append(opts, gomail.WithTLSConfig(tlsConfig))
	switch u.Scheme {
	case "smtp":
		if port == 0 {
			port = 587
		}
		if q.Get("disable_starttls") == "true" {
			opts = append(opts, gomail.WithTLSPortPolicy(gomail.NoTLS))
		} else {
			opts = append(opts, gomail.WithTLSPortPolicy(gomail.TLSMandatory))
		}
	case "smtps":
		if port == 0 {
			port = 465
		}
		opts = append(opts, gomail.WithSSL())
	default:
		return nil, fmt.Errorf("SMTP URI scheme %q: want smtp or smtps", u.Scheme)
	}
	opts = append(opts, gomail.WithPort(port))
	if name := q.Get("local_name"); name != "" {
		opts = append(opts, gomail.WithHELO(name))
	}
	if u.User != nil {
		pass, _ := u.User.Password()
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(u.User.Username()), gomail.WithPassword(pass))
	}
	return &SMTP{host: host, opts: opts, from: from, fromName: fromName, idDomain: from[at+1:], Now: time.Now}, nil
}

// Send delivers m once. A failure the server calls permanent (a 5xx
// answer: no such mailbox, refused) is wrapped in ErrPermanent: sending
// it again would fail the same way.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	msg, err := s.build(m)
	if err != nil {
		return errors.Join(ErrPermanent, err)
	}
	c, err := gomail.NewClient(s.host, s.opts...)
	if err != nil {
		return fmt.Errorf("SMTP client: %w", err)
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		if permanent(err) {
			return errors.Join(ErrPermanent, err)
		}
		return fmt.Errorf("send mail: %w", err)
	}
	return nil
}

// permanent tells a failure that would happen again: the server's 5xx
// answer to this message (sender, recipient or content refused), or a
// message that cannot be written. A broken connection, a timeout or a 4xx
// may pass: go-mail calls those "not temporary" too when the server said
// nothing, so the server's code decides.
func permanent(err error) bool {
	var se *gomail.SendError
	if !errors.As(err, &se) {
		return false
	}
	switch se.Reason {
	case gomail.ErrGetSender, gomail.ErrGetRcpts, gomail.ErrNoUnencoded:
		return true // the message itself is at fault
	case gomail.ErrSMTPMailFrom, gomail.ErrSMTPRcptTo, gomail.ErrSMTPData, gomail.ErrSMTPDataClose:
		return se.ErrorCode() >= 500 && se.ErrorCode() < 600
	}
	return false
}

// ErrPermanent marks a delivery that would fail again if retried.
var ErrPermanent = errors.New("permanent delivery failure")

func (s *SMTP) build(m Message) (*gomail.Msg, error) {
	msg := gomail.NewMsg()
	if err := msg.FromFormat(s.fromName, s.from); err != nil {
		return nil, fmt.Errorf("sender: %w", err)
	}
	if err := msg.To(m.To); err != nil {
		return nil, fmt.Errorf("recipient: %w", err)
	}
	msg.Subject(m.Subject)
	msg.SetMessageIDWithValue(s.messageID())
	msg.SetDateWithValue(s.Now())
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	return msg, nil
}

// messageID is a Message-ID of WorkID's own: 128 random bits at the
// sender's domain, so replies and bounces can be traced to one mail.
func (s *SMTP) messageID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b) + "@" + s.idDomain
}
