package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
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

	"github.com/workid/workid/internal/metrics/metricstest"
	"github.com/workid/workid/internal/stacktest"
)

// devStack is a `workid dev` process started by a test.
type devStack struct {
	cmd   *exec.Cmd
	mu    sync.Mutex
	out   bytes.Buffer
	ready chan struct{}
	done  chan struct{}
	err   error
}

func (d *devStack) output() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.out.String()
}

// startDev runs `exe dev` with environ and waits for its banner.
func startDev(t *testing.T, exe string, environ []string) *devStack {
	t.Helper()
	d := &devStack{ready: make(chan struct{}), done: make(chan struct{})}
	d.cmd = exec.Command(exe, "dev")
	d.cmd.Env = environ
	d.cmd.Stderr = &lockedWriter{d}
	stdout, err := d.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		once := sync.Once{}
		for sc.Scan() {
			d.mu.Lock()
			d.out.WriteString(sc.Text() + "\n")
			d.mu.Unlock()
			if strings.Contains(sc.Text(), "WorkID is running") {
				once.Do(func() { close(d.ready) })
			}
		}
		d.err = d.cmd.Wait()
		close(d.done)
	}()
	t.Cleanup(func() {
		_ = d.cmd.Process.Kill()
		<-d.done
	})
	select {
	case <-d.ready:
	case <-d.done:
		t.Fatalf("workid dev exited before it was ready: %v\n%s", d.err, d.output())
	case <-time.After(5 * time.Minute):
		t.Fatalf("workid dev was not ready after 5 minutes:\n%s", d.output())
	}
	return d
}

type lockedWriter struct{ d *devStack }

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.d.mu.Lock()
	defer w.d.mu.Unlock()
	return w.d.out.Write(p)
}

// wait waits for the process to end and returns its exit status.
func (d *devStack) wait(t *testing.T, within time.Duration) error {
	t.Helper()
	select {
	case <-d.done:
		return d.err
	case <-time.After(within):
		t.Fatalf("workid dev still running %s later:\n%s", within, d.output())
		return nil
	}
}

// TestDevStack is the foundation's promise: `workid dev` brings up all
// five processes, Ctrl-C leaves none behind, a second run keeps the
// accounts, and a process that dies stops the stack with a clear line.
func TestDevStack(t *testing.T) {
	exe := stacktest.Binary(t)
	ports := freePorts(t, 13)
	names := []string{"KRATOS_PUBLIC", "KRATOS_ADMIN", "HYDRA_PUBLIC", "HYDRA_ADMIN", "UI", "HOOKS", "MAILPIT_SMTP", "MAILPIT_WEB", "DEMO", "UI_METRICS", "REVERIFY", "EDGE", "EDGE_METRICS"}
	environ := append(os.Environ(), "WORKID_DATA_DIR="+t.TempDir())
	port := map[string]int{}
	for i, n := range names {
		port[n] = ports[i]
		environ = append(environ, fmt.Sprintf("WORKID_DEV_%s_PORT=%d", n, ports[i]))
	}
	url := func(name, path string) string { return fmt.Sprintf("http://127.0.0.1:%d%s", port[name], path) }

	d := startDev(t, exe, environ)
	for _, u := range []string{
		url("KRATOS_ADMIN", "/admin/health/ready"), url("HYDRA_ADMIN", "/health/ready"),
		url("UI", "/readyz"), url("HOOKS", "/readyz"), url("MAILPIT_WEB", "/readyz"),
		url("UI_METRICS", "/readyz"), url("REVERIFY", "/readyz"), url("EDGE_METRICS", "/healthz"),
	} {
		if err := waitHealthy(t.Context(), u); err != nil {
			t.Errorf("after the banner: %v", err)
		}
	}
	for _, name := range []string{"mailpit  |", "kratos   |", "hydra    |", "edge     |", "hooks    |", "ui       |", "reverify |", "demo     |"} {
		if !strings.Contains(d.output(), name) {
			t.Errorf("the log has no line prefixed %q", name)
		}
	}

	u := stacktest.NewUser("tailspin-aviation.com")
	public := stacktest.NewKratosClient(url("KRATOS_PUBLIC", ""))
	flow, _, err := public.FrontendAPI.CreateNativeRegistrationFlow(t.Context()).Execute()
	if err != nil {
		t.Fatal(err)
	}
	body := kratos.UpdateRegistrationFlowWithPasswordMethodAsUpdateRegistrationFlowBody(
		kratos.NewUpdateRegistrationFlowWithPasswordMethod("password", u.Password, u.Traits()))
	if _, _, err := public.FrontendAPI.UpdateRegistrationFlow(t.Context()).Flow(flow.Id).UpdateRegistrationFlowBody(body).Execute(); err != nil {
		t.Fatalf("register %s: %v", u.Email, err)
	}

	// Each process's metrics, scraped from the running processes.
	scrape := func(u string) metricstest.Samples {
		t.Helper()
		resp, err := http.Get(u)
		if err != nil {
			t.Fatalf("GET %s: %v", u, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: status %d", u, resp.StatusCode)
		}
		return metricstest.Parse(t, string(b))
	}
	scrape(url("HOOKS", "/metrics")).Want(t, map[string]float64{
		`workid_hooks_decisions_total{event="registration",reason="ok"}`: 1,
	})
	// The first pass ran at start (before the registration): one pass, no errors.
	deadline := time.Now().Add(20 * time.Second)
	for scrape(url("REVERIFY", "/metrics"))[`workid_reverify_passes_total{outcome="done"}`] < 1 && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
	}
	scrape(url("REVERIFY", "/metrics")).Want(t, map[string]float64{
		`workid_reverify_passes_total{outcome="done"}`:   1,
		`workid_reverify_passes_total{outcome="failed"}`: 0,
	})
	// The registration page, through Kratos and back (a cookie jar keeps
	// Kratos's CSRF cookie), is counted as rendered.
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, Timeout: 15 * time.Second}
	flowPage := func(what, u string) {
		t.Helper()
		resp, err := browser.Get(u)
		if err != nil {
			t.Errorf("GET %s: %v", what, err)
			return
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Request.URL.Query().Get("flow") == "" {
			t.Errorf("%s ended at %s with %s, want 200 with a flow", what, resp.Request.URL, resp.Status)
		}
	}
	flowPage("the registration page", url("UI", "/registration"))
	scrape(url("UI_METRICS", "/metrics")).Want(t, map[string]float64{
		`workid_ui_flows_rendered_total{flow="registration"}`: 1,
	})
	// The edge answers for the UI and counts what it served.
	flowPage("the sign-in page through the edge", url("EDGE", "/login"))
	// The UI's 303 to Kratos, as the edge relayed it (its metrics site
	// answers no 303 of its own).
	redirects := 0.0
	for series, v := range scrape(url("EDGE_METRICS", "/metrics")) {
		if strings.HasPrefix(series, "caddy_http_request_duration_seconds_count{") && strings.Contains(series, `code="303"`) {
			redirects += v
		}
	}
	if redirects < 1 {
		t.Errorf("the edge's metrics count no 303 it relayed")
	}
	if resp, err := http.Get(url("UI", "/metrics")); err != nil {
		t.Errorf("GET the UI's public /metrics: %v", err)
	} else {
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("the UI's public port answers /metrics with %s, want 404: metrics stay on the private port", resp.Status)
		}
	}

	children := descendants(d.cmd.Process.Pid)
	if len(children) < 7 {
		t.Errorf("workid dev has %d descendant processes, want at least 7 (mailpit, kratos, hydra, edge, hooks, ui, reverify)", len(children))
	}
	_ = d.cmd.Process.Signal(syscall.SIGINT)
	if err := d.wait(t, 30*time.Second); err != nil {
		t.Errorf("workid dev after Ctrl-C: %v, want exit status 0\n%s", err, d.output())
	}
	assertGone(t, children, ports)

	// A second run keeps the account and a dying process stops the stack.
	d = startDev(t, exe, environ)
	admin := stacktest.NewKratosClient(url("KRATOS_ADMIN", ""))
	ids, _, err := admin.IdentityAPI.ListIdentities(t.Context()).CredentialsIdentifier(u.Email).Execute()
	if err != nil || len(ids) != 1 {
		t.Errorf("second run: identities for %s = %d (err %v), want 1", u.Email, len(ids), err)
	}
	children = descendants(d.cmd.Process.Pid)
	kratosPID := 0
	for _, pid := range children {
		// Kratos's server, not one of the "kratos jsonnet" workers it starts.
		if c := cmdline(pid); c[0] == filepath.Join(rootDir(t), "bin", "kratos") && slices.Contains(c, "serve") {
			kratosPID = pid
		}
	}
	if kratosPID == 0 {
		t.Fatalf("no kratos among the children %v", children)
	}
	_ = syscall.Kill(kratosPID, syscall.SIGKILL)
	err = d.wait(t, 30*time.Second)
	if err == nil {
		t.Error("workid dev exited 0 after kratos died, want a failure")
	}
	if out := d.output(); !strings.Contains(out, "workid: kratos") || !strings.Contains(out, "exited unexpectedly: signal: killed") {
		t.Errorf("after kratos died the output does not say so in one line:\n%s", out)
	}
	assertGone(t, children, ports)
}

// A taken port stops start-up before anything runs, naming the port and
// what needs it.
func TestDevReportsTakenPorts(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	taken := ln.Addr().(*net.TCPAddr).Port
	ports := freePorts(t, 12)
	environ := append(os.Environ(),
		fmt.Sprintf("WORKID_DEV_EDGE_PORT=%d", ports[10]),
		fmt.Sprintf("WORKID_DEV_EDGE_METRICS_PORT=%d", ports[11]),
		fmt.Sprintf("WORKID_DEV_DEMO_PORT=%d", ports[7]),
		fmt.Sprintf("WORKID_DEV_UI_METRICS_PORT=%d", ports[8]),
		fmt.Sprintf("WORKID_DEV_REVERIFY_PORT=%d", ports[9]),
		"WORKID_DATA_DIR="+t.TempDir(),
		fmt.Sprintf("WORKID_DEV_KRATOS_ADMIN_PORT=%d", taken),
		fmt.Sprintf("WORKID_DEV_KRATOS_PUBLIC_PORT=%d", ports[0]),
		fmt.Sprintf("WORKID_DEV_HYDRA_PUBLIC_PORT=%d", ports[1]),
		fmt.Sprintf("WORKID_DEV_HYDRA_ADMIN_PORT=%d", ports[2]),
		fmt.Sprintf("WORKID_DEV_UI_PORT=%d", ports[3]),
		fmt.Sprintf("WORKID_DEV_HOOKS_PORT=%d", ports[4]),
		fmt.Sprintf("WORKID_DEV_MAILPIT_SMTP_PORT=%d", ports[5]),
		fmt.Sprintf("WORKID_DEV_MAILPIT_WEB_PORT=%d", ports[6]),
	)
	var stdout bytes.Buffer
	err = run(t.Context(), []string{"workid", "dev"}, environ, &stdout, &bytes.Buffer{})
	want := fmt.Sprintf("port %d on 127.0.0.1 is already in use (needed by kratos admin", taken)
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("run(dev) with port %d taken = %v, want an error containing %q", taken, err, want)
	}
	if strings.Contains(stdout.String(), "migrated") {
		t.Errorf("dev went on to migrate although a port was taken:\n%s", stdout.String())
	}
}

func rootDir(t *testing.T) string {
	t.Helper()
	abs, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

func freePorts(t *testing.T, n int) []int {
	t.Helper()
	ports, err := stacktest.FreePorts(n)
	if err != nil {
		t.Fatal(err)
	}
	return ports
}

// descendants lists the processes below pid, read from /proc.
func descendants(pid int) []int {
	parent := map[int]int{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if pp, ok := ppid(p); ok {
			parent[p] = pp
		}
	}
	var out []int
	for p := range parent {
		for q := parent[p]; q > 1; q = parent[q] {
			if q == pid {
				out = append(out, p)
				break
			}
		}
	}
	return out
}

// ppid returns the parent of a live (not zombie) process.
func ppid(pid int) (int, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, false
	}
	// The command name may hold spaces: the fields after it start past ")".
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 2 || f[0] == "Z" {
		return 0, false
	}
	pp, err := strconv.Atoi(f[1])
	return pp, err == nil
}

func cmdline(pid int) []string {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	return append(strings.Split(string(bytes.TrimRight(b, "\x00")), "\x00"), "")
}

// assertGone checks that no process of pids is alive and no port is held.
func assertGone(t *testing.T, pids, ports []int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for _, pid := range pids {
		for {
			_, alive := ppid(pid)
			if !alive {
				break
			}
			if time.Now().After(deadline) {
				t.Errorf("process %d (%s) is still running after the stack stopped", pid, strings.Join(cmdline(pid), " "))
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	for _, p := range ports {
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
		if err != nil {
			t.Errorf("port %d is still in use after the stack stopped", p)
			continue
		}
		ln.Close()
	}
}
