package config

import (
	"fmt"
	"github.com/workid/workid/internal/companies"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Kratos says where the Kratos APIs are.
type Kratos struct {
	// PublicURL is Kratos's public API as WorkID's servers reach it.
	PublicURL string `env:"WORKID_KRATOS_PUBLIC_URL" envDefault:"http://127.0.0.1:4433"`
	// AdminURL is Kratos's admin API. It must never be exposed to browsers.
	AdminURL string `env:"WORKID_KRATOS_ADMIN_URL" envDefault:"http://127.0.0.1:4434"`
}

// Hydra says where the Hydra APIs are.
type Hydra struct {
	// PublicURL is Hydra's public (OAuth2/OIDC) endpoint, its issuer, as
	// browsers and connected services reach it: the edge.
	PublicURL string `env:"WORKID_HYDRA_PUBLIC_URL" envDefault:"http://127.0.0.1:4400"`
	// AdminURL is Hydra's admin API, used for login, consent and logout requests.
	AdminURL string `env:"WORKID_HYDRA_ADMIN_URL" envDefault:"http://127.0.0.1:4445"`
}

// Log sets how a process logs.
type Log struct {
	// Format is "text" (readable, for development) or "json" (for production).
	Format string `env:"WORKID_LOG_FORMAT" envDefault:"text"`
	// Level is debug, info, warn or error.
	Level string `env:"WORKID_LOG_LEVEL" envDefault:"info"`
}

// Verification is how long a verification of an email address lasts. The
// hooks server, the UI, the re-verification job and the admin commands all
// judge an address by it, so they read the one setting.
type Verification struct {
	// MaxAge is how long a verification lasts: a year by default.
	MaxAge time.Duration `env:"WORKID_VERIFICATION_MAX_AGE" envDefault:"8760h"`
}

// Lists says where the domain lists are: the business-email rule reads
// them (EmailRule), and so does the UI's personal-address banner.
type Lists struct {
	// ListsDir holds the free-mail and disposable lists (`make lists`).
	ListsDir string `env:"WORKID_LISTS_DIR" envDefault:"config/lists/node_modules"`
}

// Links are where the links WorkID mails lead and the key that signs
// them: the hooks server writes them into mails, the UI serves and checks
// them.
type Links struct {
	// UIPublicURL is the self-service UI as browsers reach it: the edge.
	UIPublicURL string `env:"WORKID_UI_PUBLIC_URL" envDefault:"http://127.0.0.1:4400"`
	// LinkKey signs what a mailed link says besides its token (the hooks
	// server), and checks it when the link is followed (the UI).
	LinkKey string `env:"WORKID_LINK_KEY"`
}

// Database is WorkID's own database: companies, their admins and
// subscriptions, and the member index (internal/companies). The hooks feed
// it, the job reconciles it, the UI and the admin commands read and change
// it, so they share the one setting.
type Database struct {
	// URL is sqlite:PATH (a file, created when missing; development's
	// default, under the data folder) or postgres://user:password@host/db.
	URL string `env:"WORKID_DATABASE_URL" envDefault:"sqlite:.workid/workid.db"`
}

// HooksAuthScheme prefixes the shared key in the Authorization header
// Kratos sends to the hooks server (kratos.yml, web_hook auth api_key),
// and Hydra to the UI's token hook (hydra.yml). Kratos redacts that header
// from its logs; a custom header would be logged in clear.
const HooksAuthScheme = "Bearer "

// Hooks is the configuration of `workid hooks`, the receiver of Kratos's web hooks.
type Hooks struct {
	// Addr is the host:port the hooks server listens on.
	Addr string `env:"WORKID_HOOKS_ADDR" envDefault:"127.0.0.1:4456"`
	// Key is the shared secret Kratos sends as "Authorization: Bearer <key>".
	Key string `env:"WORKID_HOOKS_KEY"`
	EmailRule
	// Database: registrations, settings and verifications feed the member
	// index.
	Database Database
	// Reload is how often the server re-reads the operator's domain files.
	Reload time.Duration `env:"WORKID_DOMAIN_FILES_RELOAD" envDefault:"10s"`
	// Links: the links in mails lead to the UI, signed with the key.
	Links
	// Verification: a mail's "valid until" names the date.
	Verification
	Mail Mail
	// Brand: the mails' sender name, product name, colour, logo and
	// support contact.
	Brand
	// Kratos's APIs: a mail's words and its recipient's limits are read
	// from the identity (admin); an email change ends the account's other
	// sessions (public).
	Kratos Kratos
	Log    Log
}

// Mail is how WorkID sends mail: every message Kratos's courier hands to
// the hooks server, and WorkID's own notices.
type Mail struct {
	// SMTPURI is the SMTP server, in the form Kratos's courier takes:
	// smtp://user:password@host:587/ (STARTTLS; ?disable_starttls=true
	// for a server without it) or smtps://host:465/.
	SMTPURI string `env:"WORKID_SMTP_URI" envDefault:"smtp://127.0.0.1:1025/?disable_starttls=true"`
	// From is the sender's address. Its display name, the product's name
	// in the mails' words, their colour, logo and support contact come
	// from the brand file (Brand), the one the pages show.
	From string `env:"WORKID_MAIL_FROM" envDefault:"no-reply@workid.example"`
}

// Brand names the brand file: the product, logo, colours and contacts
// every page and every mail shows (internal/brand); a logo file is
// relative to it. The UI and the hooks server, which sends the mail, read
// the same file.
type Brand struct {
	BrandFile string `env:"WORKID_BRAND_FILE" envDefault:"config/brand.json"`
}

// EmailRule is what the business-email rule reads: the hooks server and
// `workid admin email check` share it, so support staff see the decision
// the server makes.
type EmailRule struct {
	Lists
	// AllowFile and DenyFile are the operator's own domain lists, one domain
	// per line.
	AllowFile string `env:"WORKID_ALLOW_DOMAINS_FILE"`
	DenyFile  string `env:"WORKID_DENY_DOMAINS_FILE"`
	// MXCheck refuses domains that cannot receive mail (no MX, A or AAAA).
	MXCheck   bool          `env:"WORKID_MX_CHECK" envDefault:"false"`
	MXTimeout time.Duration `env:"WORKID_MX_TIMEOUT" envDefault:"2s"`
	// DNSServer is the host:port the MX check asks; empty for the system's.
	DNSServer string `env:"WORKID_DNS_SERVER"`
}

// Admin is the configuration of the `workid admin` commands that work on
// identities through Kratos's admin API.
type Admin struct {
	Verification
	Kratos Kratos
	// Database is where `workid admin companies` works.
	Database Database
	// EmailRule is read by `identities create`, `identities show` and
	// `identities list --personal`.
	EmailRule
	// Log is where an operator's override (`identities create
	// --allow-any-email`) is recorded, on stderr.
	Log Log
}

// Validate reports every problem with the settings at once.
func (c Admin) Validate() error {
	var p problems
	p.kratos(c.Kratos)
	p.emailRule(c.EmailRule)
	p.verification(c.Verification)
	p.database(c.Database)
	p.log(c.Log)
	return p.err()
}

// EmailCheck is the configuration of `workid admin email check`.
type EmailCheck struct {
	EmailRule
}

// Preflight is the configuration of `workid preflight`, the check compose
// runs before anything else starts.
type Preflight struct {
	Log Log
}

// Validate reports every problem with the settings at once.
func (c Preflight) Validate() error {
	var p problems
	p.log(c.Log)
	return p.err()
}

// UI is the configuration of `workid ui`, the self-service pages.
type UI struct {
	// Addr is the host:port the UI server listens on.
	Addr string `env:"WORKID_UI_ADDR" envDefault:"127.0.0.1:4455"`
	// MetricsAddr is the UI's private host:port for /metrics, /healthz,
	// /readyz and Hydra's token hook: the public port serves none of them.
	// Empty turns it off, and with it the token hook.
	MetricsAddr string `env:"WORKID_UI_METRICS_ADDR" envDefault:"127.0.0.1:4458"`
	// Links: UIPublicURL is the address browsers use to reach the UI, and
	// LinkKey checks the links the hooks server mails.
	Links
	// KratosBrowserURL is Kratos's public API as browsers reach it: the
	// edge, where Kratos.PublicURL is where WorkID calls it directly.
	KratosBrowserURL string `env:"WORKID_KRATOS_BROWSER_URL" envDefault:"http://127.0.0.1:4400"`
	// ServicesFile lists the connected services the dashboard shows.
	ServicesFile string `env:"WORKID_SERVICES_FILE" envDefault:"config/services.json"`
	Brand
	// TokenHookKey is the shared key Hydra sends ("Authorization: Bearer
	// <key>") when it asks the UI for fresh claims as it issues tokens, on
	// MetricsAddr; empty turns the hook endpoint off.
	TokenHookKey string `env:"WORKID_HYDRA_TOKEN_HOOK_KEY"`
	// Lists: the dashboard uses them to ask accounts on a personal
	// address to move to a business one.
	Lists
	Verification
	// Database: the dashboard's company, the company page, the claims.
	Database Database
	Kratos   Kratos
	Hydra    Hydra
	Log      Log
}

// Reverify is the configuration of `workid reverify`, the yearly
// re-verification job.
type Reverify struct {
	// Addr is where the scheduled job (not --once) serves /healthz,
	// /readyz and /metrics. Empty turns it off.
	Addr string `env:"WORKID_REVERIFY_ADDR" envDefault:"127.0.0.1:4457"`
	Verification
	// PageSize is how many identities one admin list request returns.
	PageSize int64 `env:"WORKID_REVERIFY_PAGE_SIZE" envDefault:"500"`
	// SendRate is the most verification mails sent a second.
	SendRate float64 `env:"WORKID_REVERIFY_SEND_RATE" envDefault:"10"`
	// LockFile makes passes exclusive among instances that share it;
	// empty for workid-reverify.lock in the system's temporary folder.
	LockFile string `env:"WORKID_REVERIFY_LOCK_FILE"`
	// LockDSN, when set, is a PostgreSQL database (the production one)
	// whose advisory lock makes passes exclusive instead of LockFile.
	LockDSN string `env:"WORKID_REVERIFY_LOCK_DSN"`
	// Database: every pass reconciles the member index with Kratos.
	Database Database
	// EmailRule decides, as the hooks do, which domains a pass may see
	// forming a company.
	EmailRule
	Kratos Kratos
	Log    Log
}

// Validate reports every problem with the settings at once.
func (c Reverify) Validate() error {
	var p problems
	p.optionalAddr("WORKID_REVERIFY_ADDR", c.Addr)
	p.kratos(c.Kratos)
	p.database(c.Database)
	p.emailRule(c.EmailRule)
	p.verification(c.Verification)
	if c.PageSize < 1 || c.PageSize > 1000 {
		p.add(fmt.Sprintf("WORKID_REVERIFY_PAGE_SIZE=%d must be between 1 and 1000", c.PageSize))
	}
	if c.SendRate <= 0 {
		p.add(fmt.Sprintf("WORKID_REVERIFY_SEND_RATE=%g must be more than 0", c.SendRate))
	}
	if c.LockDSN != "" {
		if u, err := url.Parse(c.LockDSN); err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			p.add("WORKID_REVERIFY_LOCK_DSN must be a postgres:// URL")
		}
	}
	p.log(c.Log)
	return p.err()
}

// Demo is the configuration of `workid demo`, the demonstration services
// that sign in with WorkID (development only).
type Demo struct {
	Addr      string `env:"WORKID_DEMO_ADDR" envDefault:"127.0.0.1:4466"`
	PublicURL string `env:"WORKID_DEMO_PUBLIC_URL" envDefault:"http://127.0.0.1:4466"`
	Hydra     Hydra
	Log       Log
}

// Validate reports every problem with the settings at once.
func (c Demo) Validate() error {
	var p problems
	p.addr("WORKID_DEMO_ADDR", c.Addr)
	p.url("WORKID_DEMO_PUBLIC_URL", c.PublicURL)
	p.url("WORKID_HYDRA_PUBLIC_URL", c.Hydra.PublicURL)
	p.url("WORKID_HYDRA_ADMIN_URL", c.Hydra.AdminURL)
	p.log(c.Log)
	return p.err()
}

// Ports are the loopback ports of the development stack (`workid dev`).
type Ports struct {
	KratosPublic int `env:"WORKID_DEV_KRATOS_PUBLIC_PORT" envDefault:"4433"`
	KratosAdmin  int `env:"WORKID_DEV_KRATOS_ADMIN_PORT" envDefault:"4434"`
	HydraPublic  int `env:"WORKID_DEV_HYDRA_PUBLIC_PORT" envDefault:"4444"`
	HydraAdmin   int `env:"WORKID_DEV_HYDRA_ADMIN_PORT" envDefault:"4445"`
	UI           int `env:"WORKID_DEV_UI_PORT" envDefault:"4455"`
	Hooks        int `env:"WORKID_DEV_HOOKS_PORT" envDefault:"4456"`
	Reverify     int `env:"WORKID_DEV_REVERIFY_PORT" envDefault:"4457"`
	UIMetrics    int `env:"WORKID_DEV_UI_METRICS_PORT" envDefault:"4458"`
	MailpitSMTP  int `env:"WORKID_DEV_MAILPIT_SMTP_PORT" envDefault:"1025"`
	MailpitWeb   int `env:"WORKID_DEV_MAILPIT_WEB_PORT" envDefault:"8025"`
	Demo         int `env:"WORKID_DEV_DEMO_PORT" envDefault:"4466"`
	// Edge is the one address browsers use (Caddy, config/Caddyfile);
	// EdgeMetrics its private metrics and health port.
	Edge        int `env:"WORKID_DEV_EDGE_PORT" envDefault:"4400"`
	EdgeMetrics int `env:"WORKID_DEV_EDGE_METRICS_PORT" envDefault:"4401"`
}

// Named lists the ports with what listens on each, in start order.
func (p Ports) Named() []NamedPort {
	return []NamedPort{
		{"mailpit smtp", "WORKID_DEV_MAILPIT_SMTP_PORT", p.MailpitSMTP},
		{"mailpit web", "WORKID_DEV_MAILPIT_WEB_PORT", p.MailpitWeb},
		{"kratos public", "WORKID_DEV_KRATOS_PUBLIC_PORT", p.KratosPublic},
		{"kratos admin", "WORKID_DEV_KRATOS_ADMIN_PORT", p.KratosAdmin},
		{"hydra public", "WORKID_DEV_HYDRA_PUBLIC_PORT", p.HydraPublic},
		{"hydra admin", "WORKID_DEV_HYDRA_ADMIN_PORT", p.HydraAdmin},
		{"hooks", "WORKID_DEV_HOOKS_PORT", p.Hooks},
		{"ui", "WORKID_DEV_UI_PORT", p.UI},
		{"ui metrics", "WORKID_DEV_UI_METRICS_PORT", p.UIMetrics},
		{"reverify", "WORKID_DEV_REVERIFY_PORT", p.Reverify},
		{"demo services", "WORKID_DEV_DEMO_PORT", p.Demo},
		{"edge", "WORKID_DEV_EDGE_PORT", p.Edge},
		{"edge metrics", "WORKID_DEV_EDGE_METRICS_PORT", p.EdgeMetrics},
	}
}

// NamedPort is a port, what listens on it and the variable that sets it.
type NamedPort struct {
	What string
	Env  string
	Port int
}

// Dev is the configuration of `workid dev`, the whole stack on one machine.
type Dev struct {
	// DataDir keeps the SQLite databases, the mail store and the generated
	// development secrets. A second run with the same folder keeps the accounts.
	DataDir string `env:"WORKID_DATA_DIR" envDefault:".workid"`
	// BinDir receives the Kratos, Hydra and Mailpit binaries built from tools/.
	BinDir string `env:"WORKID_BIN_DIR" envDefault:"bin"`
	// PasswordBreachCheck asks haveibeenpwned.com about every new password.
	// Off by default: development machines may have no internet.
	PasswordBreachCheck bool `env:"WORKID_PASSWORD_BREACH_CHECK" envDefault:"false"`
	// AccessLog is how Kratos's and Hydra's request logs are relayed:
	// "summary" (a line a minute with the count) or "all" (two lines per
	// request, as the servers write them).
	AccessLog string `env:"WORKID_DEV_ACCESS_LOG" envDefault:"summary"`
	Ports     Ports
	Log       Log
}

// Validate reports every problem with the settings at once.
func (c Hooks) Validate() error {
	var p problems
	p.addr("WORKID_HOOKS_ADDR", c.Addr)
	if c.Key == "" {
		p.add("WORKID_HOOKS_KEY is required: the shared key Kratos sends to the hooks server")
	} else {
		p.sharedKey("WORKID_HOOKS_KEY", c.Key)
	}
	p.emailRule(c.EmailRule)
	p.database(c.Database)
	if c.Reload < time.Second {
		p.add(fmt.Sprintf("WORKID_DOMAIN_FILES_RELOAD=%s must be at least 1s", c.Reload))
	}
	p.links(c.Links)
	p.verification(c.Verification)
	p.mail(c.Mail)
	p.brand(c.Brand)
	p.kratos(c.Kratos)
	p.log(c.Log)
	return p.err()
}

func (p *problems) links(l Links) {
	p.url("WORKID_UI_PUBLIC_URL", l.UIPublicURL)
	if l.LinkKey == "" {
		p.add("WORKID_LINK_KEY is required: the key the hooks server signs mailed links with and the UI checks them with")
		return
	}
	p.sharedKey("WORKID_LINK_KEY", l.LinkKey)
}

func (p *problems) brand(b Brand) {
	if strings.TrimSpace(b.BrandFile) == "" {
		p.add("WORKID_BRAND_FILE must name the brand file")
	}
}

func (p *problems) mail(m Mail) {
	u, err := url.Parse(m.SMTPURI)
	if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" {
		// The URI can hold a password: it is not repeated.
		p.add("WORKID_SMTP_URI is not an smtp:// or smtps:// URL with a host")
	}
	if at := strings.LastIndex(m.From, "@"); at < 1 || at == len(m.From)-1 || strings.ContainsAny(m.From, " <>\r\n") {
		p.add(fmt.Sprintf("WORKID_MAIL_FROM=%q is not an email address", m.From))
	}
}

// Validate reports every problem with the settings at once.
func (c EmailCheck) Validate() error {
	var p problems
	p.emailRule(c.EmailRule)
	return p.err()
}

func (p *problems) emailRule(c EmailRule) {
	p.lists(c.Lists)
	if c.MXTimeout <= 0 || c.MXTimeout > 10*time.Second {
		p.add(fmt.Sprintf("WORKID_MX_TIMEOUT=%s must be between 0 and 10s: Kratos waits for the hook", c.MXTimeout))
	}
	if c.DNSServer != "" {
		p.addr("WORKID_DNS_SERVER", c.DNSServer)
	}
}

// Validate reports every problem with the settings at once.
func (c UI) Validate() error {
	var p problems
	p.addr("WORKID_UI_ADDR", c.Addr)
	if c.TokenHookKey != "" {
		p.sharedKey("WORKID_HYDRA_TOKEN_HOOK_KEY", c.TokenHookKey)
		if c.MetricsAddr == "" {
			p.add("WORKID_HYDRA_TOKEN_HOOK_KEY is set but WORKID_UI_METRICS_ADDR is empty: Hydra's token hook is served on the UI's private address only")
		}
	}
	p.optionalAddr("WORKID_UI_METRICS_ADDR", c.MetricsAddr)
	p.links(c.Links)
	p.url("WORKID_KRATOS_BROWSER_URL", c.KratosBrowserURL)
	p.kratos(c.Kratos)
	p.url("WORKID_HYDRA_PUBLIC_URL", c.Hydra.PublicURL)
	p.url("WORKID_HYDRA_ADMIN_URL", c.Hydra.AdminURL)
	if strings.TrimSpace(c.ServicesFile) == "" {
		p.add("WORKID_SERVICES_FILE must name the services file")
	}
	p.brand(c.Brand)
	p.lists(c.Lists)
	p.verification(c.Verification)
	p.database(c.Database)
	p.log(c.Log)
	return p.err()
}

// Validate reports every problem with the settings at once.
func (c Dev) Validate() error {
	var p problems
	if strings.TrimSpace(c.DataDir) == "" {
		p.add("WORKID_DATA_DIR must name a folder")
	}
	if strings.TrimSpace(c.BinDir) == "" {
		p.add("WORKID_BIN_DIR must name a folder")
	}
	if c.AccessLog != "summary" && c.AccessLog != "all" {
		p.add(fmt.Sprintf("WORKID_DEV_ACCESS_LOG=%q: want summary or all", c.AccessLog))
	}
	seen := map[int]string{}
	for _, np := range c.Ports.Named() {
		if np.Port < 1 || np.Port > 65535 {
			p.add(fmt.Sprintf("the %s port %d is not between 1 and 65535", np.What, np.Port))
			continue
		}
		if other, ok := seen[np.Port]; ok {
			p.add(fmt.Sprintf("the %s and %s ports are both %d", other, np.What, np.Port))
		}
		seen[np.Port] = np.What
	}
	p.log(c.Log)
	return p.err()
}

// SlogLevel returns the slog level named by Level.
func (l Log) SlogLevel() slog.Level {
	var lvl slog.Level
	// Validate has already refused names UnmarshalText does not know.
	_ = lvl.UnmarshalText([]byte(l.Level))
	return lvl
}

// problems collects validation failures so all of them are reported together.
type problems []string

func (p *problems) add(s string) { *p = append(*p, s) }

func (p *problems) err() error {
	if len(*p) == 0 {
		return nil
	}
	return &Error{Problems: *p}
}

func (p *problems) url(name, v string) {
	if v == "" {
		p.add(name + " is required")
		return
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		p.add(fmt.Sprintf("%s=%q is not an http(s) URL with a host", name, v))
	}
}

func (p *problems) addr(name, v string) {
	host, port, err := net.SplitHostPort(v)
	if err != nil {
		p.add(fmt.Sprintf("%s=%q is not a host:port address", name, v))
		return
	}
	_ = host // an empty host means every interface, which is allowed
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		p.add(fmt.Sprintf("%s=%q has an invalid port", name, v))
	}
}

// sharedKey checks a key another server sends: long enough, and not the
// placeholder .env.example ships (a deployment that kept it would accept
// a key anyone can read).
func (p *problems) sharedKey(name, v string) {
	switch {
	case len(v) < 16:
		p.add(name + " must be at least 16 characters long")
	case strings.HasPrefix(strings.ToLower(v), "change-me"):
		p.add(name + " still holds the .env.example placeholder: generate one (scripts/new-env.sh, or openssl rand -hex 32)")
	}
}

// optionalAddr is addr for a listener that empty turns off.
func (p *problems) optionalAddr(name, v string) {
	if v != "" {
		p.addr(name, v)
	}
}

func (p *problems) kratos(k Kratos) {
	p.url("WORKID_KRATOS_PUBLIC_URL", k.PublicURL)
	p.url("WORKID_KRATOS_ADMIN_URL", k.AdminURL)
}

func (p *problems) log(l Log) {
	if l.Format != "text" && l.Format != "json" {
		p.add(fmt.Sprintf("WORKID_LOG_FORMAT=%q must be text or json", l.Format))
	}
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(l.Level)); err != nil {
		p.add(fmt.Sprintf("WORKID_LOG_LEVEL=%q must be debug, info, warn or error", l.Level))
	}
}

// Error lists every problem found in a configuration.
type Error struct {
	Problems []string
}

// Error lists the problems, on one line when there is one.
func (e *Error) Error() string {
	if len(e.Problems) == 1 {
		return "invalid configuration: " + e.Problems[0]
	}
	return "invalid configuration:\n  - " + strings.Join(e.Problems, "\n  - ")
}

func (p *problems) database(d Database) {
	if _, err := companies.ParseURL(d.URL); err != nil {
		// The URL can hold a password: it is not repeated.
		p.add("WORKID_DATABASE_URL must be sqlite:PATH (a file path without ? or #) or a postgres:// URL")
	}
}

func (p *problems) verification(v Verification) {
	if v.MaxAge < time.Hour {
		p.add(fmt.Sprintf("WORKID_VERIFICATION_MAX_AGE=%s is shorter than an hour", v.MaxAge))
	}
}

func (p *problems) lists(l Lists) {
	if strings.TrimSpace(l.ListsDir) == "" {
		p.add("WORKID_LISTS_DIR must name the folder `make lists` fills")
	}
}
