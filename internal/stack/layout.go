package stack

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/workid/workid/config"
)

// Layout places one stack: where its files are and which loopback ports its
// processes use. `workid dev` fills it from config.Dev; the test harness
// from free ports and a temporary folder.
type Layout struct {
	// Root is the repository root: kratos.yml, config/ and tools/ are read
	// from there, and Kratos and Hydra run in it.
	Root string
	// Bin holds the built servers; Data the databases, mail and secrets.
	Bin, Data string
	Ports     config.Ports
	// PasswordBreachCheck turns on Kratos's haveibeenpwned check.
	PasswordBreachCheck bool
	// KratosDSN and HydraDSN are the servers' databases (postgres://...);
	// empty means an SQLite file in Data. WorkIDDSN is WorkID's own
	// (companies and the member index), the same way.
	KratosDSN, HydraDSN, WorkIDDSN string
	// SQLiteConnLifetime is how long Kratos and Hydra keep a connection
	// to their SQLite database, and how often OptimizeSQLite runs
	// (KeepSQLitePlans); zero is DefaultSQLiteConnLifetime.
	SQLiteConnLifetime time.Duration
}

// WorkIDDatabaseURL is WORKID_DATABASE_URL in this layout.
func (l Layout) WorkIDDatabaseURL() string {
	if l.WorkIDDSN != "" {
		return l.WorkIDDSN
	}
	return "sqlite:" + filepath.Join(l.Data, "workid.db")
}

// URL returns the http URL of a loopback port, with path appended.
func URL(port int, path string) string {
	return "http://127.0.0.1:" + strconv.Itoa(port) + path
}

// Secrets are generated once per data folder and kept in it, so sessions,
// encrypted data and the hook key survive a restart.
type Secrets struct {
	HooksKey     string `json:"hooks_key"`
	KratosCookie string `json:"kratos_cookie"`
	KratosCipher string `json:"kratos_cipher"`
	HydraSystem  string `json:"hydra_system"`
}

const secretsFile = "secrets.json"

// LoadSecrets reads the data folder's secrets, creating them (and the
// folder) on first use.
func LoadSecrets(dataDir string) (Secrets, error) {
	path := filepath.Join(dataDir, secretsFile)
	var s Secrets
	// The folder holds password hashes and sessions: only its owner may
	// read it, also when it already existed.
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return s, fmt.Errorf("create data folder: %w", err)
	}
	if err := os.Chmod(dataDir, 0o700); err != nil {
		return s, fmt.Errorf("restrict data folder: %w", err)
	}
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
		return s, fmt.Errorf("read secrets %s: readable by others (mode %v); run chmod 600 on it", path, fi.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		if err := json.Unmarshal(b, &s); err != nil {
			return s, fmt.Errorf("read secrets %s: %w", path, err)
		}
		if s.HooksKey == "" || s.KratosCookie == "" || len(s.KratosCipher) != 32 || s.HydraSystem == "" {
			return s, fmt.Errorf("read secrets %s: a secret is missing; delete the file to make new ones (sessions will end)", path)
		}
		return s, nil
	case !errors.Is(err, fs.ErrNotExist):
		return s, fmt.Errorf("read secrets: %w", err)
	}
	// The cipher key must be exactly 32 characters: 16 random bytes in hex.
	s = Secrets{HooksKey: randomHex(24), KratosCookie: randomHex(24), KratosCipher: randomHex(16), HydraSystem: randomHex(24)}
	b, _ = json.MarshalIndent(s, "", "  ")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return s, fmt.Errorf("write secrets: %w", err)
	}
	return s, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on Linux
	return hex.EncodeToString(b)
}

// registrationMethods are the Kratos methods whose after-registration hooks
// call WorkID (kratos.yml wires them all, with one YAML anchor).
var registrationMethods = []string{"PASSWORD", "CODE", "OIDC", "WEBAUTHN", "PASSKEY"}

// sqliteDSN is the embedded database of Kratos or Hydra. WAL: in SQLite's
// default rollback journal a reader blocks the writer, and Kratos's own
// transactions (one registration's verification mail, the courier marking
// another mail sent) failed as "database is locked" with two or more
// registrations at once. _txlock=immediate is no cure: Kratos reads on
// other connections inside its transactions, which then wait on themselves.
// max_conn_lifetime (read by Kratos and Hydra, not SQLite): a connection
// reads the planner's statistics when it opens, so connections are renewed
// to pick up OptimizeSQLite's (sqlitestats.go).
func (l Layout) sqliteDSN(name string) string {
	return "sqlite://" + filepath.Join(l.Data, name) + "?_fk=true&mode=rwc&_journal_mode=WAL&max_conn_lifetime=" + l.ConnLifetime().String()
}

// DefaultSQLiteConnLifetime is how long Kratos and Hydra keep an SQLite
// connection, and how often the stack refreshes the planner's statistics.
const DefaultSQLiteConnLifetime = 10 * time.Minute

// ConnLifetime is SQLiteConnLifetime or its default.
func (l Layout) ConnLifetime() time.Duration {
	if l.SQLiteConnLifetime > 0 {
		return l.SQLiteConnLifetime
	}
	return DefaultSQLiteConnLifetime
}

// dsn returns set, or the SQLite file name in the data folder when set is empty.
func (l Layout) dsn(set, name string) string {
	if set != "" {
		return set
	}
	return l.sqliteDSN(name)
}

func jsonList(v ...string) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// PublicURL is the address browsers, mails and connected services use for
// path: the edge's, in front of the UI, Kratos's public API and Hydra's
// public API (config/Caddyfile), so every cookie is first-party. WorkID's
// own servers call Kratos and Hydra directly, on their own ports.
func (l Layout) PublicURL(path string) string { return URL(l.Ports.Edge, path) }

// KratosEnv returns the environment that places Kratos in this layout, over
// the defaults of kratos.yml.
func (l Layout) KratosEnv(s Secrets) []string {
	p := l.Ports
	ui := l.PublicURL
	env := []string{
		"DSN=" + l.dsn(l.KratosDSN, "kratos.sqlite"),
		"SERVE_PUBLIC_PORT=" + strconv.Itoa(p.KratosPublic),
		"SERVE_PUBLIC_BASE_URL=" + l.PublicURL("/"),
		"SERVE_ADMIN_PORT=" + strconv.Itoa(p.KratosAdmin),
		"SERVE_ADMIN_BASE_URL=" + URL(p.KratosAdmin, "/"),
		"SECRETS_COOKIE=" + jsonList(s.KratosCookie),
		"SECRETS_CIPHER=" + jsonList(s.KratosCipher),
		"SELFSERVICE_METHODS_PASSWORD_CONFIG_HAVEIBEENPWNED_ENABLED=" + strconv.FormatBool(l.PasswordBreachCheck),
		"SELFSERVICE_DEFAULT_BROWSER_RETURN_URL=" + ui("/"),
		"SELFSERVICE_ALLOWED_RETURN_URLS=" + jsonList(ui("")),
		"SELFSERVICE_FLOWS_ERROR_UI_URL=" + ui("/error"),
		"SELFSERVICE_FLOWS_LOGIN_UI_URL=" + ui("/login"),
		"SELFSERVICE_FLOWS_REGISTRATION_UI_URL=" + ui("/registration"),
		"SELFSERVICE_FLOWS_SETTINGS_UI_URL=" + ui("/settings"),
		"SELFSERVICE_FLOWS_VERIFICATION_UI_URL=" + ui("/verification"),
		"SELFSERVICE_FLOWS_VERIFICATION_AFTER_DEFAULT_BROWSER_RETURN_URL=" + ui("/"),
		"SELFSERVICE_FLOWS_RECOVERY_UI_URL=" + ui("/recovery"),
		"SELFSERVICE_FLOWS_LOGOUT_AFTER_DEFAULT_BROWSER_RETURN_URL=" + ui("/login"),
		"OAUTH2_PROVIDER_URL=" + URL(p.HydraAdmin, ""),
	}
	hook := func(prefix, path string) {
		env = append(env,
			prefix+"_CONFIG_URL="+URL(p.Hooks, path),
			prefix+"_CONFIG_AUTH_CONFIG_VALUE="+config.HooksAuthScheme+s.HooksKey)
	}
	for _, m := range registrationMethods {
		hook("SELFSERVICE_FLOWS_REGISTRATION_AFTER_"+m+"_HOOKS_0", "/hooks/registration")
		hook("SELFSERVICE_FLOWS_REGISTRATION_AFTER_"+m+"_HOOKS_1", "/hooks/members/registration")
	}
	hook("SELFSERVICE_FLOWS_SETTINGS_AFTER_PROFILE_HOOKS_0", "/hooks/settings")
	hook("SELFSERVICE_FLOWS_SETTINGS_AFTER_PROFILE_HOOKS_1", "/hooks/settings/changed")
	hook("SELFSERVICE_FLOWS_SETTINGS_AFTER_PROFILE_HOOKS_2", "/hooks/members/settings")
	hook("SELFSERVICE_FLOWS_VERIFICATION_AFTER_HOOKS_0", "/hooks/members/verification")
	hook("COURIER_HTTP_REQUEST", "/hooks/courier")
	return env
}

// HydraEnv returns the environment that places Hydra in this layout, over
// the defaults of config/hydra.yml.
func (l Layout) HydraEnv(s Secrets) []string {
	p := l.Ports
	ui := l.PublicURL
	return []string{
		"DSN=" + l.dsn(l.HydraDSN, "hydra.sqlite"),
		"SERVE_PUBLIC_PORT=" + strconv.Itoa(p.HydraPublic),
		"SERVE_ADMIN_PORT=" + strconv.Itoa(p.HydraAdmin),
		"URLS_SELF_ISSUER=" + l.PublicURL("/"),
		"URLS_LOGIN=" + ui("/login"),
		"URLS_CONSENT=" + ui("/consent"),
		"URLS_LOGOUT=" + ui("/logout"),
		"URLS_ERROR=" + ui("/error"),
		"URLS_POST_LOGOUT_REDIRECT=" + ui("/"),
		"SECRETS_SYSTEM=" + jsonList(s.HydraSystem),
		// The UI's private address: the public port does not serve the hook.
		"OAUTH2_TOKEN_HOOK_URL=" + URL(p.UIMetrics, "/hooks/hydra/token"),
		"OAUTH2_TOKEN_HOOK_AUTH_CONFIG_VALUE=" + config.HooksAuthScheme + s.HooksKey,
	}
}

// Migrate brings the Kratos and Hydra databases up to date.
func (l Layout) Migrate(ctx context.Context, sup *Supervisor, s Secrets) error {
	kratos := filepath.Join(l.Bin, "kratos")
	if err := sup.Run(ctx, "kratos", kratos, []string{"migrate", "sql", "-e", "--yes", "-c", "kratos.yml"}, l.KratosEnv(s), l.Root); err != nil {
		return fmt.Errorf("migrate kratos: %w", err)
	}
	hydra := filepath.Join(l.Bin, "hydra")
	if err := sup.Run(ctx, "hydra", hydra, []string{"migrate", "sql", "-e", "--yes", "-c", "config/hydra.yml"}, l.HydraEnv(s), l.Root); err != nil {
		return fmt.Errorf("migrate hydra: %w", err)
	}
	return nil
}

// Mailpit is the development mail catcher; its store lives in the data folder.
func (l Layout) Mailpit() Process {
	p := l.Ports
	return Process{
		Name: "mailpit",
		Path: filepath.Join(l.Bin, "mailpit"),
		Args: []string{
			"--smtp", fmt.Sprintf("127.0.0.1:%d", p.MailpitSMTP),
			"--listen", fmt.Sprintf("127.0.0.1:%d", p.MailpitWeb),
			"--database", filepath.Join(l.Data, "mailpit.db"),
			"--smtp-auth-accept-any", "--smtp-auth-allow-insecure",
			// Development machines may be offline: no call home for updates.
			"--disable-version-check",
		},
		Dir:   l.Data,
		Ports: []int{p.MailpitSMTP, p.MailpitWeb},
		Ready: httpReady(URL(p.MailpitWeb, "/readyz"), ""),
	}
}

// Kratos is the identity server.
func (l Layout) Kratos(s Secrets) Process {
	p := l.Ports
	return Process{
		Name:  "kratos",
		Path:  filepath.Join(l.Bin, "kratos"),
		Args:  []string{"serve", "-c", "kratos.yml", "--watch-courier"},
		Env:   l.KratosEnv(s),
		Dir:   l.Root,
		Ports: []int{p.KratosPublic, p.KratosAdmin},
		Ready: httpReady(URL(p.KratosAdmin, "/admin/health/ready"), `"status":"ok"`),

		AccessLog: true,
	}
}

// Hydra is the OAuth2 and OpenID Connect server.
func (l Layout) Hydra(s Secrets) Process {
	p := l.Ports
	return Process{
		Name:  "hydra",
		Path:  filepath.Join(l.Bin, "hydra"),
		Args:  []string{"serve", "all", "--dev", "-c", "config/hydra.yml"},
		Env:   l.HydraEnv(s),
		Dir:   l.Root,
		Ports: []int{p.HydraPublic, p.HydraAdmin},
		Ready: httpReady(URL(p.HydraAdmin, "/health/ready"), `"status":"ok"`),

		AccessLog: true,
	}
}

// httpReady returns a probe that passes when GET url answers 200 and, if
// want is set, its body contains want.
func httpReady(url, want string) func(context.Context) error {
	client := &http.Client{Timeout: 2 * time.Second}
	return func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET %s: status %d", url, resp.StatusCode)
		}
		if want != "" && !strings.Contains(string(body), want) {
			return fmt.Errorf("GET %s: %s", url, strings.TrimSpace(string(body)))
		}
		return nil
	}
}

// HTTPReady is the probe for WorkID's own servers: GET url answers 200.
func HTTPReady(url string) func(context.Context) error { return httpReady(url, "") }

// WorkIDEnv returns the WORKID_* settings that place WorkID's hooks and UI
// servers in this layout.
func (l Layout) WorkIDEnv(s Secrets) []string {
	p := l.Ports
	return []string{
		fmt.Sprintf("WORKID_HOOKS_ADDR=127.0.0.1:%d", p.Hooks),
		"WORKID_HOOKS_KEY=" + s.HooksKey,
		"WORKID_HYDRA_TOKEN_HOOK_KEY=" + s.HooksKey,
		// Its own value, not the hooks key: one key, one use.
		"WORKID_LINK_KEY=" + linkKey(s.HooksKey),
		fmt.Sprintf("WORKID_SMTP_URI=smtp://127.0.0.1:%d/?disable_starttls=true", p.MailpitSMTP),
		"WORKID_LISTS_DIR=" + filepath.Join(l.Root, "config", "lists", "node_modules"),
		"WORKID_SERVICES_FILE=" + filepath.Join(l.Root, "config", "services.json"),
		"WORKID_BRAND_FILE=" + filepath.Join(l.Root, "config", "brand.json"),
		"WORKID_DATABASE_URL=" + l.WorkIDDatabaseURL(),
		fmt.Sprintf("WORKID_UI_ADDR=127.0.0.1:%d", p.UI),
		fmt.Sprintf("WORKID_UI_METRICS_ADDR=127.0.0.1:%d", p.UIMetrics),
		fmt.Sprintf("WORKID_REVERIFY_ADDR=127.0.0.1:%d", p.Reverify),
		"WORKID_UI_PUBLIC_URL=" + l.PublicURL(""),
		"WORKID_KRATOS_BROWSER_URL=" + l.PublicURL(""),
		// WorkID's servers call Kratos directly: the edge's limits are
		// for clients, not for the UI asking on their behalf.
		"WORKID_KRATOS_PUBLIC_URL=" + URL(p.KratosPublic, ""),
		"WORKID_KRATOS_ADMIN_URL=" + URL(p.KratosAdmin, ""),
		// The issuer's address: the UI's forms lead there and the
		// demonstration services discover Hydra by it.
		"WORKID_HYDRA_PUBLIC_URL=" + l.PublicURL(""),
		"WORKID_HYDRA_ADMIN_URL=" + URL(p.HydraAdmin, ""),
		fmt.Sprintf("WORKID_DEMO_ADDR=127.0.0.1:%d", p.Demo),
		"WORKID_DEMO_PUBLIC_URL=" + URL(p.Demo, ""),
	}
}

// WorkID is one of WorkID's own processes, run as `exe command` ("hooks",
// "ui" or "reverify") with extra environment env.
func (l Layout) WorkID(command, exe string, s Secrets, env []string) Process {
	p := Process{
		Name: command,
		Path: exe,
		Args: []string{command},
		Env:  append(l.WorkIDEnv(s), env...),
		Dir:  l.Root,
	}
	switch command {
	case "hooks":
		p.Ports, p.Ready = []int{l.Ports.Hooks}, HTTPReady(URL(l.Ports.Hooks, "/readyz"))
	case "ui":
		p.Ports, p.Ready = []int{l.Ports.UI, l.Ports.UIMetrics}, HTTPReady(URL(l.Ports.UI, "/readyz"))
	case "demo":
		p.Ports, p.Ready = []int{l.Ports.Demo}, HTTPReady(URL(l.Ports.Demo, "/healthz"))
	case "reverify":
		// A pass at start and every day; passes share the data folder's lock.
		p.Args = append(p.Args, "--every", "24h")
		p.Ports, p.Ready = []int{l.Ports.Reverify}, HTTPReady(URL(l.Ports.Reverify, "/readyz"))
		p.Env = append(p.Env, "WORKID_REVERIFY_LOCK_FILE="+filepath.Join(l.Data, "reverify.lock"))
	}
	return p
}

// linkKey derives development's link-signing key from its hooks key, so
// that each secret has one use without one more in secrets.json.
func linkKey(hooksKey string) string {
	sum := sha256.Sum256([]byte("workid mailed links\x00" + hooksKey))
	return hex.EncodeToString(sum[:])
}
