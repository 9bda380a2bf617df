package hooks

import (
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/workid/workid/config"
	"github.com/workid/workid/internal/brand"
	"github.com/workid/workid/internal/businessemail"
	"github.com/workid/workid/internal/httpserver"
	"github.com/workid/workid/internal/kratosapi"
	"github.com/workid/workid/internal/mail"
)

// maxBody is the largest payload accepted from Kratos. A real one is well
// under 4 KiB; anything near this is not Kratos.
const maxBody = 64 << 10

// Server answers Kratos's web hooks.
type Server struct {
	log    *slog.Logger
	policy *businessemail.Policy
	// mx is nil unless the MX check is on.
	mx businessemail.MailChecker
	// key checks that a call carries Kratos's shared key.
	key     httpserver.KeyCheck
	metrics *serverMetrics
	// mail is nil when the server sends no mail (the endpoints for
	// Kratos's courier and the settings notice are then not served).
	mail *Mailer
	// members is nil when the server feeds no member index (its hooks
	// are then not served).
	members *MemberFeed
}

// NewServer returns the hooks server's handler. mx, mailer and members may
// be nil.
func NewServer(key string, policy *businessemail.Policy, mx businessemail.MailChecker, mailer *Mailer, members *MemberFeed, log *slog.Logger) http.Handler {
	s := &Server{log: log, policy: policy, mx: mx, key: httpserver.NewKeyCheck(key), metrics: newServerMetrics(), mail: mailer, members: members}
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
	b, err := brand.Load(cfg.BrandFile)
	if err != nil {
		return nil, err
	}
	tpl, err := mail.LoadTemplates(b, cfg.UIPublicURL)
	if err != nil {
		return nil, err
	}
	smtp, err := mail.NewSMTP(cfg.Mail.SMTPURI, cfg.Mail.From, b.SenderName())
	if err != nil {
		return nil, err
	}
	return &Mailer{
		Admin: kratosapi.New(cfg.Kratos.AdminURL), Public: kratosapi.New(cfg.Kratos.PublicURL), Sender: smtp, Templates: tpl,
		UIURL: strings.TrimSuffix(cfg.UIPublicURL, "/"), LinkKey: []byte(cfg.LinkKey),
		MaxAge: cfg.MaxAge, Retries: DefaultRetries, Now: time.Now, Log: log,
	}, nil
}

// requireKey refuses requests that do not carry the shared key, with no
// detail about what was wrong.
func (s *Server) requireKey(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.key.Allows(r) {
			s.log.WarnContext(r.Context(), "hook call refused: missing or wrong key", "remote_addr", r.RemoteAddr)
			http.Error(w, http.StatusText(http.StatusUnauthorized), http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}
