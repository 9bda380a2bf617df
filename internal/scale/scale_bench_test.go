package scale_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/workid/workid/internal/companies"
	"github.com/workid/workid/internal/reverify"
	"github.com/workid/workid/internal/stacktest"
)

var shared = &stacktest.Shared{}

func TestMain(m *testing.M) {
	// Connections renew every 5 s (10 min in make run) so that the
	// statistics the harness refreshes after each seeding reach Kratos
	// within the run; the refresh is the harness's to run, as `workid dev`
	// would within ten minutes of the database growing.
	shared.Options = stacktest.Options{
		Postgres:           os.Getenv("WORKID_SCALE_DB") == "postgres",
		SQLiteConnLifetime: 5 * time.Second, NoSQLitePlans: true,
	}
	shared.Main(m)
}

// BenchmarkAtScale is the scale harness. On a stack of its own (SQLite, or
// PostgreSQL with WORKID_SCALE_DB=postgres) it grows Kratos to each size
// of WORKID_SCALE (default "1000,100000") through the admin batch API, and
// at each size measures, p50 and p99 in the same run:
//
//   - a signed-in, verified company admin's pages (dashboard, Profile, the
//     company page), each beside a bare whoami on the same path, through
//     the edge and straight to the servers, and Kratos's admin read;
//   - registration and sign-in through the pages, an SSO refresh (Hydra's
//     token hook), and the admin commands `identities show` and
//     `identities list --domain`;
//   - the re-verification pass (`workid reverify --once`, production's
//     settings) with nothing due, then with 1% of the identities due.
//
// The population is what an import brings: 2,000 company domains, one
// address in twenty on a free-mail provider, verified 10 to 359 days ago
// and one in ten never. WORKID_SCALE_NO_STATISTICS=1 also measures the
// pages on SQLite before the planner's statistics are refreshed. Not part
// of `make test`:
//
//	WORKID_SCALE=1000,100000 go test -run '^$' -bench AtScale -benchtime 1x -timeout 60m ./internal/scale/
//	WORKID_SCALE_DB=postgres WORKID_SCALE=1000,100000,1000000 go test -run '^$' -bench AtScale -benchtime 1x -timeout 180m ./internal/scale/
func BenchmarkAtScale(b *testing.B) {
	sizes, err := parseSizes(os.Getenv("WORKID_SCALE"))
	if err != nil {
		b.Fatal(err)
	}
	h := newHarness(b)
	for b.Loop() {
		for _, n := range sizes {
			h.grow(n)
			h.pass(fmt.Sprintf("%d", n), 0)
			h.measure(n)
			due := n / 100
			h.seed(due, func(i int) int { return 366 + i%30 })
			h.pass(fmt.Sprintf("%d", n), due)
		}
	}
}

// parseSizes reads WORKID_SCALE: sizes of at least 1,000, growing.
func parseSizes(s string) ([]int, error) {
	if s == "" {
		s = "1000,100000"
	}
	var sizes []int
	for f := range strings.SplitSeq(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1000 || len(sizes) > 0 && n <= sizes[len(sizes)-1] {
			return nil, fmt.Errorf("WORKID_SCALE=%q: want growing sizes of at least 1000, comma-separated", s)
		}
		sizes = append(sizes, n)
	}
	return sizes, nil
}

type harness struct {
	b   *testing.B
	st  *stacktest.Stack
	exe string
	env []string
	// pb is the user's browser: u, identity id, signed in, verified and
	// the admin of acme-widgets.com's company.
	pb *stacktest.PageBrowser
	u  stacktest.User
	id string
	// conf and tok are a connected service's client and its tokens.
	conf *oauth2.Config
	tok  *oauth2.Token
	// identities is how many Kratos holds; first has each call's p50 at
	// the first size.
	identities int
	first      map[string]time.Duration
	postgres   bool
}

func newHarness(b *testing.B) *harness {
	ctx := b.Context()
	st := shared.Get(b)
	h := &harness{b: b, st: st, exe: stacktest.Binary(b), pb: stacktest.NewPageBrowser(b),
		u: stacktest.NewUser("acme-widgets.com"), first: map[string]time.Duration{}, postgres: st.PostgresDSN != ""}
	h.env = st.CommandEnv("WORKID_REVERIFY_LOCK_FILE="+filepath.Join(b.TempDir(), "reverify.lock"), "WORKID_LOG_LEVEL=warn")
	if _, status, body := h.pb.Register(st.UIURL, h.u); status != http.StatusOK {
		b.Fatalf("register: %d\n%s", status, body)
	}
	if _, err := st.VerifyByMail(ctx, h.u.Email); err != nil {
		b.Fatal(err)
	}
	ids, err := st.IdentitiesByEmail(ctx, h.u.Email)
	if err != nil || len(ids) != 1 {
		b.Fatalf("the user's identity: %v", err)
	}
	h.id = ids[0].Id
	h.identities = 1
	db := st.OpenIndex(b, nil)
	m, err := db.MembershipOf(ctx, h.id)
	if err != nil || m == nil {
		b.Fatalf("the user's company: %v, %v", m, err)
	}
	if _, err := db.GrantAdmin(ctx, m.Company.ID, h.id, companies.Operator); err != nil {
		b.Fatal(err)
	}
	clientID := st.CreateOAuthClient(b, "Scale harness", map[string]any{"first_party": true})
	h.conf = st.OAuthConfig(clientID)
	h.conf.Scopes = append(h.conf.Scopes, "offline_access")
	verifier := oauth2.GenerateVerifier()
	final, _, _ := stacktest.NewPageBrowser(b).SignInToService(h.conf, verifier, h.u)
	if h.tok, err = h.conf.Exchange(ctx, final.Query().Get("code"), oauth2.VerifierOption(verifier)); err != nil || h.tok.RefreshToken == "" {
		b.Fatalf("the service's tokens: %v", err)
	}
	return h
}

// domainOf is the i-th seeded identity's domain: 2,000 companies
// (acme-widgets.com, the user's, one of them) and one address in twenty
// on a free-mail provider.
func domainOf(i int) string {
	switch {
	case i%20 == 1:
		return "gmail.com"
	case i%2000 == 0:
		return "acme-widgets.com"
	}
	return fmt.Sprintf("company-%d.com", i%2000)
}

// seed adds n identities verified verifiedDaysAgo(i) days ago.
func (h *harness) seed(n int, verifiedDaysAgo func(i int) int) {
	h.b.Helper()
	if n <= 0 {
		return
	}
	start := time.Now()
	if err := h.st.Seed(h.b.Context(), n, domainOf, verifiedDaysAgo); err != nil {
		h.b.Fatal(err)
	}
	h.identities += n
	fmt.Printf("seeded %d identities in %s (%d in all)\n", n, time.Since(start).Round(time.Second), h.identities)
}

// grow seeds Kratos up to n identities and, on SQLite, refreshes the
// planner's statistics as make run does.
func (h *harness) grow(n int) {
	h.b.Helper()
	h.seed(n-h.identities, func(i int) int {
		if i%10 == 0 {
			return -1
		}
		return 10 + i%350
	})
	if h.postgres {
		return
	}
	if os.Getenv("WORKID_SCALE_NO_STATISTICS") == "1" && len(h.first) > 0 {
		h.measurePages(fmt.Sprintf("%d, no statistics", n))
	}
	start := time.Now()
	if err := h.st.Layout.OptimizeSQLite(h.b.Context()); err != nil {
		h.b.Fatal(err)
	}
	fmt.Printf("refreshed the statistics in %s\n", time.Since(start).Round(time.Millisecond))
	time.Sleep(6 * time.Second) // Kratos's and Hydra's connections renew
}

// call is one thing measured; base is the index of the call it is set
// beside (a whoami on the same path), or -1.
type call struct {
	name string
	base int
	do   func() error
}

func (h *harness) get(url string) func() error {
	return func() error {
		if _, status, _ := h.pb.Get(url); status != http.StatusOK {
			return fmt.Errorf("GET %s: %d", url, status)
		}
		return nil
	}
}

func (h *harness) measure(n int) {
	phase := fmt.Sprintf("%d", n)
	h.measurePages(phase)
	h.run(phase, 30, []call{
		{"registration", -1, h.register},
		{"sign-in", -1, h.signIn},
		{"SSO refresh (token hook)", -1, h.refresh},
		{"identities show", -1, func() error { _, err := h.command("admin", "identities", "show", h.u.Email); return err }},
	})
	rounds := 5
	if n > 100_000 {
		rounds = 1 // a full listing of Kratos each
	}
	h.run(phase, rounds, []call{{"identities list --domain", -1, h.listDomain}})
}

func (h *harness) measurePages(phase string) {
	st := h.st
	h.run(phase, 200, []call{
		{"whoami, edge", 0, h.get(st.EdgeURL + "/sessions/whoami")},
		{"dashboard, edge", 0, h.get(st.UIURL + "/")},
		{"Profile, edge", 0, h.get(st.UIURL + "/settings")},
		{"company page, edge", 0, h.get(st.UIURL + "/company")},
		{"whoami, Kratos", 4, h.get(st.KratosPublicURL + "/sessions/whoami")},
		{"dashboard, UI", 4, h.get(st.UIServerURL + "/")},
		{"admin read, Kratos", 4, h.get(st.KratosAdminURL + "/admin/identities/" + h.id)},
	})
}

// run sends rounds of one of each call in turn, so a moment of load on
// this shared machine touches them all alike, and prints their p50 and
// p99, the p50 over its base's and over the same call's at the first
// size: one row of docs/benchmarks.md's tables each.
func (h *harness) run(phase string, rounds int, calls []call) {
	h.b.Helper()
	took := make([][]time.Duration, len(calls))
	for range rounds {
		for i, c := range calls {
			start := time.Now()
			if err := c.do(); err != nil {
				h.b.Fatalf("%s, %s: %v", phase, c.name, err)
			}
			took[i] = append(took[i], time.Since(start))
		}
	}
	for i, c := range calls {
		p50, p99 := stacktest.Percentile(took[i], 50), stacktest.Percentile(took[i], 99)
		vsBase, vsFirst := "", ""
		if c.base >= 0 {
			vsBase = fmt.Sprintf("%.2f", float64(p50)/float64(stacktest.Percentile(took[c.base], 50)))
		}
		if f, ok := h.first[c.name]; ok {
			vsFirst = fmt.Sprintf("%.2f", float64(p50)/float64(f))
		} else {
			h.first[c.name] = p50
		}
		// Printed, not logged: go test cuts a benchmark's log at ten lines.
		fmt.Printf("| %s | %s | %s | %s | %s | %s |\n", phase, c.name, ms(p50), ms(p99), vsBase, vsFirst)
	}
}

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 2, 64) + " ms"
}

// register registers a new colleague through the pages, in a browser of
// its own, and ends on the dashboard.
func (h *harness) register() error {
	u := stacktest.NewUser("acme-widgets.com")
	final, status, _ := stacktest.NewPageBrowser(h.b).Register(h.st.UIURL, u)
	if status != http.StatusOK || final.Path != "/" {
		return fmt.Errorf("ended at %s (%d)", final, status)
	}
	h.identities++
	return nil
}

// signIn signs the user in through the pages in a new browser, from the
// sign-in page to the dashboard.
func (h *harness) signIn() error {
	final, status, _ := stacktest.NewPageBrowser(h.b).SignIn(h.st.UIURL+"/login", h.u)
	if status != http.StatusOK || final.Path != "/" {
		return fmt.Errorf("ended at %s (%d)", final, status)
	}
	return nil
}

// refresh trades the service's refresh token for new tokens: Hydra calls
// WorkID's token hook for the claims.
func (h *harness) refresh() error {
	stale := *h.tok
	stale.Expiry = time.Now().Add(-time.Minute)
	tok, err := h.conf.TokenSource(h.b.Context(), &stale).Token()
	if err != nil {
		return err
	}
	if _, ok := tok.Extra("id_token").(string); !ok {
		return fmt.Errorf("no ID token in the refresh")
	}
	h.tok = tok
	return nil
}

// listDomain lists the user's company domain with the admin command and
// checks it read every identity.
func (h *harness) listDomain() error {
	stderr, err := h.command("admin", "identities", "list", "--domain", "acme-widgets.com", "--format", "csv")
	if err != nil {
		return err
	}
	var kept, scanned int
	if _, err := fmt.Sscanf(strings.TrimSpace(stderr), "%d of %d identities listed", &kept, &scanned); err != nil {
		return fmt.Errorf("read %q: %v", stderr, err)
	}
	if kept < 1 || scanned < h.identities {
		return fmt.Errorf("listed %d of %d identities, Kratos has %d", kept, scanned, h.identities)
	}
	return nil
}

// command runs workid with args over the stack, as an operator would,
// and returns what it wrote to stderr (its summary); stdout is discarded.
func (h *harness) command(args ...string) (stderr string, err error) {
	cmd := exec.CommandContext(h.b.Context(), h.exe, args...)
	cmd.Env = h.env
	var e bytes.Buffer
	cmd.Stderr = &e
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("workid %s: %v\n%s", strings.Join(args, " "), err, e.String())
	}
	return e.String(), nil
}

// pass runs one re-verification pass as production does (`workid
// reverify --once`, its default page size and send rate) and checks that
// it expired exactly the due addresses and mailed each a link.
func (h *harness) pass(phase string, due int) {
	h.b.Helper()
	report := filepath.Join(h.b.TempDir(), "report.json")
	start := time.Now()
	if _, err := h.command("reverify", "--once", "--report", report); err != nil {
		h.b.Fatal(err)
	}
	took := time.Since(start)
	raw, err := os.ReadFile(report)
	if err != nil {
		h.b.Fatal(err)
	}
	var r reverify.Report
	if err := json.Unmarshal(raw, &r); err != nil {
		h.b.Fatal(err)
	}
	if r.Scanned < h.identities || r.Expired != due || r.Notified != due || r.Errors != 0 {
		h.b.Fatalf("%s: pass with %d due: %+v (Kratos has %d identities)", phase, due, r, h.identities)
	}
	fmt.Printf("| %s | re-verification pass, %d due | %s | scanned %d, %.0f identities/s, expired and mailed %d |\n",
		phase, due, took.Round(100*time.Millisecond), r.Scanned, float64(r.Scanned)/took.Seconds(), r.Notified)
}
