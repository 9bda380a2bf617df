package selfserviceui

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	hydra "github.com/ory/hydra-client-go/v2"
	kratos "github.com/ory/kratos-client-go"

	"github.com/workid/workid/config"
	"github.com/workid/workid/internal/brand"
	"github.com/workid/workid/internal/businessemail"
	"github.com/workid/workid/internal/companies"
	"github.com/workid/workid/internal/httpserver"
	"github.com/workid/workid/internal/keylock"
	"github.com/workid/workid/internal/kratosapi"
	"github.com/workid/workid/internal/locale"
)

// Server serves the self-service UI.
type Server struct {
	cfg    config.UI
	log    *slog.Logger
	client *http.Client // for Kratos and Hydra; always with a timeout
	// kratosAdmin and kratosPublic are the SDK over client, for what the
	// UI does through internal/kratosapi.
	kratosAdmin, kratosPublic *kratos.APIClient
	// hydra is Hydra's admin API (consent and logout requests).
	hydra *hydra.APIClient
	// kratosOrigin is scheme://host of Kratos as browsers reach it, for
	// the pages' Content-Security-Policy.
	kratosOrigin string
	// hydraOrigin is scheme://host of Hydra's public API, where a
	// sign-in's form posts are redirected.
	hydraOrigin string
	tpl         templates
	// policy tells a personal address from a business one (the banner).
	policy   *businessemail.Policy
	services []Service
	// brand is the product's name, logo, colours and contacts; brandCSS
	// its colours as the stylesheet /brand/style.css; brandLoaded when
	// both were read (their Last-Modified).
	brand       *brand.Brand
	brandCSS    []byte
	brandLoaded time.Time
	// texts are the pages' texts in every shipped language; chrome the
	// header's and footer's, by language code.
	texts  *locale.Catalog
	chrome map[string]*chrome
	// Companies is WorkID's database (the account's company, the company
	// page, the claims); nil leaves every account without a company.
	Companies *companies.Store
	// Now is the clock; tests replace it.
	Now func() time.Time
	// accounts are the accounts session cookies were last seen to be, for
	// the company read a page begins early (sessionAndCompany).
	accounts *recentAccounts
	// sendLocks serialise "Send me a verification link" per account on
	// this replica (the limit itself is WorkID's database's).
	sendLocks keylock.Set
	metrics   *uiMetrics
	// healthz and readyz serve both addresses, so the process asks Kratos
	// and Hydra for readiness through one cache (httpserver.Health).
	healthz, readyz http.HandlerFunc
	// tokenHookKey checks Hydra's calls to the token hook; with no key
	// configured it lets none through.
	tokenHookKey httpserver.KeyCheck
}

// NewServer returns the UI server for cfg. It fails when a template or
// the services file is broken, so a bad deployment never starts serving.
func NewServer(cfg config.UI, policy *businessemail.Policy, log *slog.Logger) (*Server, error) {
	tpl, err := parseTemplates()
	if err != nil {
		return nil, err
	}
	services, err := LoadServices(cfg.ServicesFile)
	if err != nil {
		return nil, err
	}
	b, err := brand.Load(cfg.BrandFile)
	if err != nil {
		return nil, err
	}
	texts, err := locale.Load("Product", b.ProductName)
	if err != nil {
		return nil, err
	}
	chromes := map[string]*chrome{}
	for _, l := range locale.Langs {
		c := newChrome(texts.Texts(l.Code))
		if err := renderChrome(c, tpl["error"], b); err != nil {
			return nil, err
		}
		chromes[l.Code] = c
	}
	hcfg := hydra.NewConfiguration()
	hcfg.Servers = hydra.ServerConfigurations{{URL: cfg.Hydra.AdminURL}}
	hcfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	s := &Server{
		cfg: cfg, log: log, tpl: tpl, policy: policy, services: services, brand: b, brandCSS: brandCSS(b), brandLoaded: time.Now().UTC().Truncate(time.Second), texts: texts, chrome: chromes, Now: time.Now,
		hydra: hydra.NewAPIClient(hcfg), metrics: newUIMetrics(), accounts: newRecentAccounts(), kratosOrigin: origin(cfg.KratosBrowserURL),
		hydraOrigin: origin(cfg.Hydra.PublicURL), tokenHookKey: httpserver.NewKeyCheck(cfg.TokenHookKey),
		client: &http.Client{
			Timeout:   10 * time.Second,
			Transport: kratosTransport(),
			// Kratos's redirects are for browsers; the UI reads answers as they are.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
	s.kratosAdmin, s.kratosPublic = kratosapi.NewWithClient(cfg.Kratos.AdminURL, s.client), kratosapi.NewWithClient(cfg.Kratos.PublicURL, s.client)
	s.healthz, s.readyz = httpserver.Health(s.readyChecks(), log)
	return s, nil
}

// Load loads what the UI needs beside its configuration (the domain lists,
// for the personal-address banner; WorkID's database, migrated if need be)
// and returns the server. Close releases the database.
func Load(ctx context.Context, cfg config.UI, log *slog.Logger) (*Server, error) {
	policy, err := businessemail.LoadPolicy(ctx, cfg.ListsDir, businessemail.OperatorFiles{}, log)
	if err != nil {
		return nil, err
	}
	s, err := NewServer(cfg, policy, log)
	if err != nil {
		return nil, err
	}
	s.Companies, err = companies.Open(ctx, cfg.Database.URL, companies.Options{MaxAge: cfg.MaxAge, Now: func() time.Time { return s.Now() }, Log: log})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// Close releases what Load opened.
func (s *Server) Close() error {
	if s.Companies == nil {
		return nil
	}
	return s.Companies.Close()
}

// page returns the layout data of a page titled title (a text already in
// the request's language).
func (s *Server) page(r *http.Request, title, width string) page {
	tx := s.tr(r)
	p := page{Title: title, Width: width, Brand: s.brand, Nonce: nonceFrom(r.Context()), tx: tx, Chrome: s.chrome[tx.Lang().Code]}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		p.Back = "/"
	}
	if n := noticeFrom(r.Context()); n != nil {
		p.Notice = &Message{Kind: n.kind, Text: tx.T(n.textID)}
	}
	return p
}

// safeReturnTo keeps return_to only when it leads back to WorkID's UI, so
// no link can send a user from a WorkID page to another site.
func (s *Server) safeReturnTo(raw string) string {
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil || u.User != nil {
		return ""
	}
	ui, err := url.Parse(s.cfg.UIPublicURL)
	if err != nil {
		return ""
	}
	if u.Scheme != ui.Scheme || u.Host != ui.Host {
		return ""
	}
	return u.String()
}

// uiURL returns the absolute URL of a UI path.
func (s *Server) uiURL(path string) string {
	return strings.TrimSuffix(s.cfg.UIPublicURL, "/") + path
}

// kratosBrowser returns a URL on Kratos's public API as browsers reach it.
func (s *Server) kratosBrowser(path string, q url.Values) string {
	u := strings.TrimSuffix(s.cfg.KratosBrowserURL, "/") + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return u
}

// kratosTransport keeps enough idle connections to Kratos for a busy UI:
// the default two per host made every request beyond the second open a
// new connection under load.
func kratosTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 256
	t.MaxIdleConnsPerHost = 128
	return t
}

func (s *Server) String() string { return fmt.Sprintf("selfserviceui.Server(%s)", s.cfg.UIPublicURL) }
