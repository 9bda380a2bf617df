package stacktest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	kratos "github.com/ory/kratos-client-go"

	"github.com/workid/workid/config"
	"github.com/workid/workid/internal/httpserver"
	"github.com/workid/workid/internal/kratosapi"
	"github.com/workid/workid/internal/logging"
	"github.com/workid/workid/internal/stack"
)

// Options change what Start runs.
type Options struct {
	// NoHooks leaves WorkID's hooks server out: Kratos's hook calls then
	// fail, as when the hooks server is down in production.
	NoHooks bool
	// Log receives every process's log lines. By default they go to
	// stack.log in the stack's folder, and its tail is printed on failure.
	Log io.Writer
	// KratosEnv is added to Kratos's environment to change one setting
	// for a test (a scalar: "SELFSERVICE_FLOWS_SETTINGS_PRIVILEGED_SESSION_MAX_AGE=1s").
	KratosEnv []string
	// PasswordRegistrationWithoutHook configures Kratos's password
	// registrations to run only the session hook, not WorkID's web hook:
	// the baseline for measuring what the hook costs.
	PasswordRegistrationWithoutHook bool
	// PasswordRegistrationWithoutMemberHook configures Kratos's password
	// registrations to run the business-email rule and the session hook
	// but not the member index's hook: the baseline for measuring what
	// feeding the index costs a registration.
	PasswordRegistrationWithoutMemberHook bool
	// SQLiteConnLifetime shortens how long Kratos and Hydra keep an SQLite
	// connection, and how often the planner's statistics are refreshed
	// (stack.Layout.SQLiteConnLifetime); NoSQLitePlans leaves them
	// unrefreshed, the baseline of a benchmark at scale.
	SQLiteConnLifetime time.Duration
	NoSQLitePlans      bool
	// Postgres runs Kratos and Hydra on PostgreSQL instead of SQLite: a
	// server started from Debian's package (internal/pgtest) with one
	// database each, stopped by Close.
	Postgres bool
	// EdgeLimits keeps config/Caddyfile's limits (10 sign-ins a minute
	// from one address...). Without it every limit is lifted out of
	// reach: a test package signs in from 127.0.0.1 hundreds of times a
	// minute through the same edge.
	EdgeLimits bool
	// EdgeEnv is added to the edge's environment: its limits
	// ("WORKID_EDGE_SIGNIN_PER_MINUTE=3") or trusted proxies for a test.
	EdgeEnv []string
	// Replicas is how many hooks servers and how many UI servers run
	// (default 1). Each is a `workid hooks` or `workid ui` process built
	// from this tree; with more than one, a round-robin reverse proxy on
	// the hooks port and one on the UI port send each request to the next
	// replica, as a load balancer would: Kratos keeps its one hook URL and
	// browsers their one UI URL.
	Replicas int
}

// sessionOnly replaces the password method's after-registration hooks. A
// second configuration file does it: environment variables cannot replace
// a whole list of hooks.
const sessionOnly = `selfservice:
  flows:
    registration:
      after:
        password:
          hooks:
            - hook: session
`

// ruleAndSession replaces the password method's after-registration hooks
// with the business-email rule (its URL and key come from the
// environment, as kratos.yml's do) and the session hook.
const ruleAndSession = `selfservice:
  flows:
    registration:
      after:
        password:
          hooks:
            - hook: web_hook
              config:
                url: http://127.0.0.1:4456/hooks/registration
                method: POST
                body: file://./config/hooks/body.jsonnet
                response:
                  parse: true
                auth:
                  type: api_key
                  config:
                    name: Authorization
                    value: Bearer set-by-environment
                    in: header
            - hook: session
`

// Stack is a running stack. Its fields are read-only.
type Stack struct {
	Layout  stack.Layout
	Secrets stack.Secrets

	// Base URLs, without a trailing slash. EdgeURL is the edge (Caddy
	// with config/Caddyfile) in front of the UI, Kratos's public API and
	// Hydra's public API, the one address browsers use: UIURL and
	// HydraPublicURL are the edge's too. KratosPublicURL is Kratos's own
	// port, where WorkID's servers call it; UIServerURL the UI's own (the
	// replicas' front door with several), behind the edge.
	KratosPublicURL, KratosAdminURL string
	HydraPublicURL, HydraAdminURL   string
	UIURL, HooksURL, MailpitURL     string
	EdgeURL, UIServerURL            string

	// Public and Admin are Kratos SDK clients for the two Kratos APIs.
	Public, Admin *kratos.APIClient
	// HTTP is a client with a timeout and no cookie jar.
	HTTP *http.Client
	// HooksReplicas and UIReplicas are the servers behind HooksURL and
	// UIURL, Options.Replicas of each (no hooks replicas with NoHooks).
	HooksReplicas, UIReplicas []*Replica
	// PostgresDSN is the PostgreSQL server's "postgres" database with
	// Options.Postgres, empty on SQLite. Layout.KratosDSN and
	// Layout.HydraDSN are Kratos's and Hydra's own databases on it.
	PostgresDSN string

	pgStop  func() error
	dir     string
	logPath string
	logFile *os.File
	sup     *stack.Supervisor
	// cancel and servers stop the load balancers in front of several
	// replicas, the only servers that run in the test's process;
	// stopPlans the refresh of the SQLite planner's statistics.
	cancel     context.CancelFunc
	stopPlans  context.CancelFunc
	servers    sync.WaitGroup
	frontDoors []net.Listener // the proxies' listeners, with several replicas
}

// Shared is a test package's stack, started by the first test that asks
// for it and stopped when the package's tests are done: the package's
// unit tests never wait for one.
//
//	var shared = &stacktest.Shared{}
//
//	func TestMain(m *testing.M) { shared.Main(m) }
//
//	func TestSomething(t *testing.T) {
//		st := shared.Get(t)
//		...
//	}
type Shared struct {
	// Options are the stack's, read when it starts.
	Options Options

	once sync.Once
	st   *Stack
	err  error
}

// Get returns the package's stack, starting it if no test has yet. A
// stack that cannot start fails every test that asks for it, with the
// reason; it is never skipped.
func (sh *Shared) Get(t testing.TB) *Stack {
	t.Helper()
	sh.once.Do(func() {
		sh.err = errors.New("the stack's start panicked") // replaced unless it does
		// Not t's context: the stack outlives the test that started it.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		sh.st, sh.err = Start(ctx, sh.Options)
	})
	if sh.err != nil {
		t.Fatalf("the WorkID test stack did not start: %v", sh.err)
	}
	return sh.st
}

// Main runs the package's tests, then stops the stack if one started
// (printing the tail of its log when a test failed), and exits.
func (sh *Shared) Main(m *testing.M) {
	code := m.Run()
	if sh.st != nil {
		if code != 0 {
			sh.st.printLogTail(os.Stderr, 80)
		}
		if err := sh.st.Close(); err != nil {
			fmt.Fprintf(os.Stderr, "stop the test stack: %v\n", err)
			code = max(code, 1)
		}
	}
	removeBinary()
	os.Exit(code)
}

// Start builds what is missing and starts a stack on free ports. A port
// found taken when a server is about to start (stack.ErrPortInUse) means a
// new try on other ports, three in all; one taken in the instant after
// that check makes the server fail to start, which is not retried.
func Start(ctx context.Context, opts Options) (*Stack, error) {
	for try := 1; ; try++ {
		s, err := start(ctx, opts)
		if err == nil || !errors.Is(err, stack.ErrPortInUse) || try == 3 {
			return s, err
		}
		fmt.Fprintf(os.Stderr, "stacktest: %v; starting again on other ports\n", err)
	}
}

func start(ctx context.Context, opts Options) (_ *Stack, err error) {
	root, err := stack.FindRoot()
	if err != nil {
		return nil, err
	}
	bin := os.Getenv("WORKID_BIN_DIR")
	if bin == "" {
		bin = filepath.Join(root, "bin")
	}
	dir, err := os.MkdirTemp("", "workid-stack-")
	if err != nil {
		return nil, err
	}
	s := &Stack{dir: dir, HTTP: &http.Client{Timeout: 15 * time.Second}}
	defer func() {
		if err != nil {
			s.printLogTail(os.Stderr, 60)
			_ = s.Close()
		}
	}()

	logw := opts.Log
	if logw == nil {
		s.logPath = filepath.Join(dir, "stack.log")
		if s.logFile, err = os.Create(s.logPath); err != nil {
			return nil, err
		}
		logw = s.logFile
	}
	replicas := max(opts.Replicas, 1)
	out := stack.NewOutput(logw, append([]string{"mailpit", "kratos", "hydra", "edge", "build", "ui-private-lb"}, replicaNames(replicas)...)...)
	if err := stack.Build(ctx, root, bin, out.Writer("build")); err != nil {
		return nil, err
	}
	// Built before any port is chosen: a port picked free stays unbound
	// until its server starts, and a build would widen that window.
	exe, err := workidBinary(ctx, root, out.Writer("build"))
	if err != nil {
		return nil, err
	}

	ports, err := FreePorts(11)
	if err != nil {
		return nil, err
	}
	s.Layout = stack.Layout{
		Root: root, Bin: bin, Data: filepath.Join(dir, "data"),
		Ports: config.Ports{
			KratosPublic: ports[0], KratosAdmin: ports[1],
			HydraPublic: ports[2], HydraAdmin: ports[3],
			MailpitSMTP: ports[4], MailpitWeb: ports[5],
			Hooks: ports[6], UI: ports[7], UIMetrics: ports[8],
			Edge: ports[9], EdgeMetrics: ports[10],
		},
		SQLiteConnLifetime: opts.SQLiteConnLifetime,
	}
	s.setURLs()
	if replicas > 1 {
		// The proxies' ports are bound at once: nothing can take them
		// while Kratos and Hydra start.
		if s.frontDoors, err = s.listenFrontDoors(); err != nil {
			return nil, err
		}
	}
	if s.Secrets, err = stack.LoadSecrets(s.Layout.Data); err != nil {
		return nil, err
	}
	if opts.Postgres {
		if err := s.startPostgres(ctx); err != nil {
			return nil, err
		}
	}

	// The developer's own WORKID_* settings must not reach the stack's
	// servers: they run with the layout's alone, as workid dev's do.
	s.sup = stack.NewSupervisor(out, withoutWorkIDSettings(os.Environ()))
	if err := s.migrate(ctx); err != nil {
		return nil, err
	}
	if !opts.NoSQLitePlans {
		// As workid dev does: statistics before Kratos starts, then as
		// the databases grow.
		if err := s.Layout.OptimizeSQLite(ctx); err != nil {
			return nil, err
		}
		plansCtx, stopPlans := context.WithCancel(context.Background())
		s.stopPlans = stopPlans
		warn := out.Writer("build")
		s.servers.Go(func() {
			s.Layout.KeepSQLitePlans(plansCtx, func(err error) { fmt.Fprintf(warn, "planner statistics: %v\n", err) })
		})
	}
	kratosProc := s.Layout.Kratos(s.Secrets)
	kratosProc.Env = append(kratosProc.Env, opts.KratosEnv...)
	if opts.PasswordRegistrationWithoutHook {
		extra := filepath.Join(dir, "kratos.session-only.yml")
		if err := os.WriteFile(extra, []byte(sessionOnly), 0o600); err != nil {
			return nil, err
		}
		kratosProc.Args = append(kratosProc.Args, "-c", extra)
		kratosProc.Env = slices.DeleteFunc(kratosProc.Env, func(kv string) bool {
			return strings.HasPrefix(kv, "SELFSERVICE_FLOWS_REGISTRATION_AFTER_PASSWORD_HOOKS_")
		})
	}
	if opts.PasswordRegistrationWithoutMemberHook {
		extra := filepath.Join(dir, "kratos.rule-and-session.yml")
		if err := os.WriteFile(extra, []byte(ruleAndSession), 0o600); err != nil {
			return nil, err
		}
		kratosProc.Args = append(kratosProc.Args, "-c", extra)
		kratosProc.Env = slices.DeleteFunc(kratosProc.Env, func(kv string) bool {
			return strings.HasPrefix(kv, "SELFSERVICE_FLOWS_REGISTRATION_AFTER_PASSWORD_HOOKS_1_")
		})
	}
	edge := s.Layout.Edge()
	if !opts.EdgeLimits {
		edge.Env = append(edge.Env, liftedEdgeLimits...)
	}
	edge.Env = append(edge.Env, opts.EdgeEnv...)
	for _, p := range []stack.Process{s.Layout.Mailpit(), kratosProc, s.Layout.Hydra(s.Secrets), edge} {
		if err := s.sup.Start(p); err != nil {
			return nil, err
		}
	}
	if err := s.startWorkID(exe, out, opts.NoHooks, replicas); err != nil {
		return nil, err
	}
	if err := s.sup.WaitReady(ctx); err != nil {
		return nil, err
	}
	s.Public = NewKratosClient(s.KratosPublicURL)
	s.Admin = NewKratosClient(s.KratosAdminURL)
	return s, nil
}

func (s *Stack) setURLs() {
	p := s.Layout.Ports
	s.KratosPublicURL = stack.URL(p.KratosPublic, "")
	s.KratosAdminURL = stack.URL(p.KratosAdmin, "")
	s.HydraPublicURL = stack.URL(p.HydraPublic, "")
	s.HydraAdminURL = stack.URL(p.HydraAdmin, "")
	s.UIServerURL = stack.URL(p.UI, "")
	s.HooksURL = stack.URL(p.Hooks, "")
	s.MailpitURL = stack.URL(p.MailpitWeb, "")
	s.EdgeURL = s.Layout.PublicURL("")
	// Browsers reach the UI and Hydra as in production: through the edge.
	s.UIURL, s.HydraPublicURL = s.EdgeURL, s.EdgeURL
}

// liftedEdgeLimits are config/Caddyfile's limits, one per zone, set out of
// a test's reach (Options.EdgeLimits).
var liftedEdgeLimits = func() []string {
	var env []string
	for _, zone := range []string{"SIGNIN", "REGISTRATION", "RECOVERY", "VERIFICATION", "SETTINGS", "LINKS", "TOKEN", "PAGES", "LIMITED_PAGE"} {
		env = append(env, "WORKID_EDGE_"+zone+"_PER_MINUTE=1000000")
	}
	return env
}()

// startWorkID starts WorkID's hooks and UI servers as `workid dev` does:
// the workid binary built from this tree, with the same WORKID_* settings
// (stack.Layout.WorkID). With several replicas each runs on ports of its
// own behind proxies served here (startReplicas).
func (s *Stack) startWorkID(exe string, out *stack.Output, noHooks bool, replicas int) error {
	if replicas > 1 {
		srvCtx, cancel := context.WithCancel(context.Background())
		s.cancel = cancel
		serve := func(name string, ln net.Listener, h http.Handler) {
			log := logging.New(out.Writer(name), config.Log{})
			s.servers.Go(func() {
				if err := httpserver.Serve(srvCtx, ln, h, log); err != nil {
					log.Error("server failed", "err", err)
				}
			})
		}
		return s.startReplicas(exe, out, noHooks, replicas, serve)
	}
	if !noHooks {
		if err := s.sup.Start(s.Layout.WorkID("hooks", exe, s.Secrets, nil)); err != nil {
			return err
		}
		s.HooksReplicas = []*Replica{{URL: s.HooksURL, metricsURL: s.HooksURL + "/metrics"}}
	}
	if err := s.sup.Start(s.Layout.WorkID("ui", exe, s.Secrets, nil)); err != nil {
		return err
	}
	s.UIReplicas = []*Replica{{URL: s.UIServerURL, metricsURL: stack.URL(s.Layout.Ports.UIMetrics, "/metrics")}}
	return nil
}

// workidBinary builds cmd/workid from the tree at root, once per test
// process, and returns the process's own hard link to it, in a folder
// removeBinary deletes. Every stack of the process runs that binary:
// production's own wiring, built from the code under test.
//
// Every test process builds to the same file in the bin folder, one at a
// time (a lock file): go build leaves a file that is already up to date
// alone, so only the first package of a run links (about 2 s of a core
// each under -race). A later build replaces the file rather than writing
// into it, so the links other processes run keep the binary they built.
func workidBinary(ctx context.Context, root string, log io.Writer) (string, error) {
	built.mu.Lock()
	defer built.mu.Unlock()
	if built.path != "" {
		return built.path, nil
	}
	shared := filepath.Join(root, "bin", ".test")
	if err := os.MkdirAll(shared, 0o755); err != nil {
		return "", err
	}
	name := "workid"
	args := []string{"build"}
	if raceEnabled {
		// The servers are checked for data races as the tests are: they
		// ran inside the race-built test binary before they were processes.
		name, args = "workid-race", append(args, "-race")
	}
	exe := filepath.Join(shared, name)
	lock, err := os.OpenFile(filepath.Join(shared, name+".lock"), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return "", err
	}
	defer lock.Close() // closing releases the lock
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", fmt.Errorf("lock %s: %w", lock.Name(), err)
	}
	cmd := exec.CommandContext(ctx, "go", append(args, "-o", exe, "./cmd/workid")...)
	cmd.Dir, cmd.Stdout, cmd.Stderr = root, log, log
	// go build links in GOTMPDIR and renames the result into place; on
	// another file system it would copy it, and a build killed halfway
	// would leave a file whose build ID (at its start) says up to date.
	cmd.Env = append(os.Environ(), "GOTMPDIR="+shared)
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build workid: %w", err)
	}
	removeEndedProcesses(shared)
	dir := filepath.Join(shared, "process-"+strconv.Itoa(os.Getpid()))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	own := filepath.Join(dir, "workid")
	os.Remove(own) // left by an ended process with this number
	if err := os.Link(exe, own); err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("link workid: %w", err)
	}
	built.path = own
	return own, nil
}

// removeEndedProcesses deletes the links of test processes that ended
// without removeBinary (killed, or timed out), called with the lock held.
func removeEndedProcesses(shared string) {
	entries, _ := os.ReadDir(shared)
	for _, e := range entries {
		pid, ok := strings.CutPrefix(e.Name(), "process-")
		n, err := strconv.Atoi(pid)
		if ok && err == nil && syscall.Kill(n, 0) == syscall.ESRCH {
			os.RemoveAll(filepath.Join(shared, e.Name()))
		}
	}
}

// Binary returns the workid binary built from this tree for the test
// process (the one its stacks run), building it if no stack has yet: for
// tests that run a workid command themselves. Shared.Main deletes it.
func Binary(t testing.TB) string {
	t.Helper()
	root, err := stack.FindRoot()
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	exe, err := workidBinary(t.Context(), root, &out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	return exe
}

var built struct {
	mu   sync.Mutex
	path string
}

// removeBinary deletes the workid binary workidBinary built, if any.
// Shared.Main calls it once the package's tests are done.
func removeBinary() {
	built.mu.Lock()
	defer built.mu.Unlock()
	if built.path != "" {
		os.RemoveAll(filepath.Dir(built.path))
		built.path = ""
	}
}

// Close stops every process and server and removes the stack's folder.
func (s *Stack) Close() error {
	if s.cancel != nil {
		s.cancel()
	}
	if s.stopPlans != nil {
		s.stopPlans()
	}
	s.servers.Wait()
	for _, ln := range s.frontDoors {
		ln.Close() // one never served is still open; a served one is closed already
	}
	if s.sup != nil {
		s.sup.Stop(10 * time.Second)
	}
	var pgErr error
	if s.pgStop != nil {
		// After Kratos and Hydra, whose connections it would cut.
		if pgErr = s.pgStop(); pgErr != nil {
			pgErr = fmt.Errorf("stop PostgreSQL: %w", pgErr)
		}
	}
	if s.logFile != nil {
		s.logFile.Close()
	}
	return errors.Join(pgErr, os.RemoveAll(s.dir))
}

func (s *Stack) printLogTail(w io.Writer, n int) {
	if s.logPath == "" {
		return
	}
	b, err := os.ReadFile(s.logPath)
	if err != nil {
		return
	}
	lines := bytes.Split(bytes.TrimRight(b, "\n"), []byte("\n"))
	lines = lines[max(0, len(lines)-n):]
	fmt.Fprintf(w, "--- last %d lines of the test stack's log ---\n%s\n---\n", len(lines), bytes.Join(lines, []byte("\n")))
}

// migrate runs Kratos's and Hydra's migrations. On SQLite it starts from
// copies of databases an earlier stack migrated with the same builds of
// Kratos and Hydra (kept beside them in the bin folder, named by their pin
// stamps): those builds' migrations would find nothing to do, so they are
// not run (two process starts, about 3 s of a core, less a stack). The
// first stack of a build migrates from scratch and leaves the copies.
func (s *Stack) migrate(ctx context.Context) error {
	if s.Layout.KratosDSN != "" {
		return s.Layout.Migrate(ctx, s.sup, s.Secrets) // PostgreSQL
	}
	var key []byte
	for _, name := range []string{".kratos.pin", ".hydra.pin"} {
		b, err := os.ReadFile(filepath.Join(s.Layout.Bin, name))
		if err != nil {
			return s.Layout.Migrate(ctx, s.sup, s.Secrets) // servers not built by stack.Build: no copies
		}
		key = append(key, b...)
	}
	sum := sha256.Sum256(key)
	cache := filepath.Join(s.Layout.Bin, ".migrated", hex.EncodeToString(sum[:8]))
	copied := 0
	for _, name := range stack.SQLiteFiles {
		if copyFile(filepath.Join(cache, name), filepath.Join(s.Layout.Data, name)) != nil {
			break
		}
		copied++
	}
	if copied == len(stack.SQLiteFiles) {
		return nil
	}
	// All or nothing: the migrations then start from empty databases, and
	// what they leave is a whole pair to keep.
	for _, name := range stack.SQLiteFiles[:copied] {
		os.Remove(filepath.Join(s.Layout.Data, name))
	}
	if err := s.Layout.Migrate(ctx, s.sup, s.Secrets); err != nil {
		return err
	}
	s.saveMigrated(cache)
	return nil
}

// saveMigrated keeps copies of the freshly migrated databases in cache for
// later stacks. Each file is written under a temporary name and renamed,
// so a stack of another test process never copies half a file; failing to
// save only costs later stacks the time.
func (s *Stack) saveMigrated(cache string) {
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return
	}
	for _, name := range stack.SQLiteFiles {
		src := filepath.Join(s.Layout.Data, name)
		if _, err := os.Stat(src + "-wal"); err == nil {
			return // not checkpointed: the file alone is not the database
		}
		tmp := filepath.Join(cache, fmt.Sprintf(".%s.%d", name, os.Getpid()))
		if copyFile(src, tmp) != nil || os.Rename(tmp, filepath.Join(cache, name)) != nil {
			os.Remove(tmp)
			return
		}
	}
}

// copyFile copies the file src to dst, which it creates.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// CommandEnv is the environment for running a workid command against the
// stack, as an operator would: this process's own, without the WORKID_*
// settings of whoever runs the tests, then the stack's settings
// (Layout.WorkIDEnv), then extra.
func (s *Stack) CommandEnv(extra ...string) []string {
	return slices.Concat(withoutWorkIDSettings(os.Environ()), s.Layout.WorkIDEnv(s.Secrets), extra)
}

// withoutWorkIDSettings returns environ without WORKID_* variables.
func withoutWorkIDSettings(environ []string) []string {
	return slices.DeleteFunc(slices.Clone(environ), func(kv string) bool { return strings.HasPrefix(kv, "WORKID_") })
}

// NewKratosClient returns a Kratos SDK client for url with a timeout.
func NewKratosClient(url string) *kratos.APIClient { return kratosapi.New(url) }

// FreePorts returns n distinct loopback ports that were free a moment ago,
// chosen at random below the kernel's ephemeral range: a port from that
// range can be taken by any outgoing connection on the machine between
// choosing it and a server binding it (test packages run side by side,
// each with its clients). They are held open together while choosing, so
// none is handed out twice.
func FreePorts(n int) ([]int, error) {
	const lowest = 10000
	top := ephemeralStart()
	var lns []net.Listener
	defer func() {
		for _, ln := range lns {
			ln.Close()
		}
	}()
	ports := make([]int, 0, n)
	for tries := 0; len(ports) < n; tries++ {
		if tries == 1000 {
			return nil, fmt.Errorf("find %d free ports between %d and %d: only %d found", n, lowest, top, len(ports))
		}
		port := lowest + rand.IntN(top-lowest)
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			continue
		}
		lns = append(lns, ln)
		ports = append(ports, port)
	}
	return ports, nil
}

// ephemeralStart is the first port of the kernel's ephemeral range
// (32768 unless the machine says otherwise). A range that starts below
// 20000 is not honoured: ports are then chosen below 32768, some of them
// ephemeral.
func ephemeralStart() int {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return 32768
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 32768
	}
	if n, err := strconv.Atoi(f[0]); err == nil && n > 20000 {
		return n
	}
	return 32768
}

// apiError returns an SDK error with what Kratos answered, for test messages.
func apiError(err error) string {
	return kratosapi.WithBody(err).Error()
}
