package hooks

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/workid/workid/config"
	"github.com/workid/workid/internal/businessemail"
	"github.com/workid/workid/internal/kratosapi"
	"github.com/workid/workid/internal/mail"
	"github.com/workid/workid/internal/mxcheck"
)

// maxBody is the largest payload accepted from Kratos. A real one is well
// under 4 KiB; anything near this is not Kratos.
const maxBody = 64 << 10

// MailChecker tells whether a domain can receive mail (internal/mxcheck).
type MailChecker interface {
	AcceptsMail(ctx context.Context, domain string) (bool, error)
}

// MailServerChecker is a MailChecker that also names a domain's MX hosts
// (mxcheck.Checker does). With one, Decide refuses a domain whose mail
// servers are a listed provider's.
type MailServerChecker interface {
	MailChecker
	MailServers(ctx context.Context, domain string) ([]string, error)
}

// Server answers Kratos's web hooks.
type Server struct {
	log    *slog.Logger
	policy *businessemail.Policy
	// mx is nil unless the MX check is on.
	mx MailChecker
	// keyHash is the SHA-256 of "Bearer <key>": comparing fixed-length
	// hashes in constant time leaks neither the key nor its length.
	keyHash [32]byte
	metrics *serverMetrics
	// mail is nil when the server sends no mail (the endpoints for
	// Kratos's courier and the settings notice are then not served).
	mail *Mailer
}

// NewServer returns the hooks server's handler. mx and mailer may be nil.
func NewServer(key string, policy *businessemail.Policy, mx MailChecker, mailer *Mailer, log *slog.Logger) http.Handler {
	s := &Server{log: log, policy: policy, mx: mx, keyHash: sha256.Sum256([]byte(config.HooksAuthScheme + key)), metrics: newServerMetrics(), mail: mailer}
	if mailer != nil {
		mailer.metrics = newMailMetrics(s.metrics.reg)
		if mailer.Now == nil {
			mailer.Now = time.Now
		}
		if mailer.Log == nil {
			mailer.Log = log
		}
	}
	return s.routes()
}

// NewMailer returns the mailer cfg describes: SMTP to cfg.Mail's server,
// links to the UI, identities read through Kratos's admin API.
func NewMailer(cfg config.Hooks, log *slog.Logger) (*Mailer, error) {
	tpl, err := mail.LoadTemplates()
	if err != nil {
		return nil, err
	}
	smtp, err := mail.NewSMTP(cfg.Mail.SMTPURI, cfg.Mail.From, cfg.Mail.FromName)
	if err != nil {
		return nil, err
	}
	return &Mailer{
		Admin: kratosapi.New(cfg.Kratos.AdminURL), Public: kratosapi.New(cfg.Kratos.PublicURL), Sender: smtp, Templates: tpl,
		UIURL: strings.TrimSuffix(cfg.UIPublicURL, "/"), LinkKey: []byte(cfg.LinkKey), Product: cfg.Mail.FromName, Support: cfg.Mail.Support,
		MaxAge: cfg.MaxAge, Retries: DefaultRetries, Now: time.Now, Log: log,
	}, nil
}

// LoadPolicy reads the lists and operator files cfg names.
func LoadPolicy(ctx context.Context, cfg config.EmailRule, log *slog.Logger) (*businessemail.Policy, error) {
	return businessemail.LoadPolicy(ctx, cfg.ListsDir, businessemail.OperatorFiles{Allow: cfg.AllowFile, Deny: cfg.DenyFile}, log)
}

// NewMailChecker returns the MX checker cfg asks for, or nil.
func NewMailChecker(cfg config.EmailRule) MailChecker {
	if !cfg.MXCheck {
		return nil
	}
	return mxcheck.New(cfg.DNSServer, cfg.MXTimeout)
}

// requireKey refuses requests that do not carry the shared key, with no
// detail about what was wrong.
func (s *Server) requireKey(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := sha256.Sum256([]byte(r.Header.Get("Authorization")))
		if subtle.ConstantTimeCompare(got[:], s.keyHash[:]) != 1 {
			s.log.WarnContext(r.Context(), "hook call refused: missing or wrong key", "remote_addr", r.RemoteAddr)
			http.Error(w, http.StatusText(http.StatusUnauthorized), http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// Decide applies the business-email rule to raw, then, for an address the
// lists allow, the MX check when mx is not nil: a domain without a mail
// server is refused, and so is one whose mail servers are a listed
// provider's (see mailServersProvider). A DNS failure does not stop
// sign-ups: the address stays allowed and the failure is returned in
// mxErr for the caller to report.
func Decide(ctx context.Context, policy *businessemail.Policy, mx MailChecker, raw string) (d businessemail.Decision, mxErr error) {
	d = policy.Decide(raw)
	if d.Reason != businessemail.OK || mx == nil {
		return d, nil
	}
	accepts, err := mx.AcceptsMail(ctx, d.Address.Domain)
	switch {
	case err != nil:
		return d, err
	case !accepts:
		d.Reason = businessemail.NoMailServer
		return d, nil
	}
	servers, ok := mx.(MailServerChecker)
	if !ok {
		return d, nil
	}
	hosts, err := servers.MailServers(ctx, d.Address.Domain)
	if err != nil {
		return d, err
	}
	if r, matched, host := mailServersProvider(policy, hosts); r != businessemail.OK {
		d.Reason, d.Matched, d.MailServer = r, matched, host
	}
	return d, nil
}

// mailServersProvider tells whether a domain with these MX hosts is a
// listed provider's: a disposable provider's when any host is one (no
// organisation routes mail through a throwaway service), a free-mail
// provider's only when every host is one of its consumer inbound hosts
// (an organisation may keep a backup MX at a provider, and its business
// hosting uses other hosts: Policy.ProviderOf knows which). It returns
// the reason, the provider and the host that decided, or OK.
func mailServersProvider(policy *businessemail.Policy, hosts []string) (businessemail.Reason, string, string) {
	allFree := len(hosts) > 0
	var free, freeHost string
	for _, h := range hosts {
		r, m := policy.ProviderOf(h)
		switch {
		case r == businessemail.Disposable:
			return r, m, h
		case r != businessemail.FreeMail:
			allFree = false
		case free == "":
			free, freeHost = m, h
		}
	}
	if !allFree {
		return businessemail.OK, "", ""
	}
	return businessemail.FreeMail, free, freeHost
}
