package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/distribution/reference"
	"golang.org/x/mod/modfile"

	"github.com/workid/workid/config"
	"github.com/workid/workid/internal/stack"
)

// The checks of docker-compose.yml. Each returns its problems, one sentence
// each, in a stable order. Here: images, start order and ports;
// compose_urls_test.go: URLs, hook keys, secrets and databases;
// compose_workid_test.go: WorkID's processes, the files Kratos and Hydra
// read, and the Dockerfile.

// toolPins are the images whose version must be the one tools/ builds for
// development and the tests: one Kratos, Hydra and Mailpit everywhere.
var toolPins = map[string]struct{ gomod, module string }{
	"oryd/kratos":     {"tools/kratos/go.mod", "github.com/ory/kratos"},
	"oryd/hydra":      {"tools/hydra/go.mod", "github.com/ory/hydra/v2"},
	"axllent/mailpit": {"tools/mailpit/go.mod", "github.com/axllent/mailpit"},
}

// versionTag is an exact release: at least major.minor (PostgreSQL's
// versions have two numbers), optionally with a variant such as -bookworm.
var versionTag = regexp.MustCompile(`^v?\d+\.\d+(\.\d+)*([-+.][0-9A-Za-z.-]+)?$`)

// routeDirs are where each `workid` command's routes are defined, for the
// checks' messages.
var routeDirs = map[string]string{"hooks": "hooks/routes.go", "ui": "selfservice-ui/routes.go, and metrics.go for the private port", "reverify": "internal/reverify/ops.go"}

// workidProcesses load each `workid` command's configuration.
var workidProcesses = map[string]func(environ []string) (any, error){
	"hooks":    loadAs[config.Hooks],
	"ui":       loadAs[config.UI],
	"reverify": loadAs[config.Reverify],
	// preflight runs once, before PostgreSQL: it reads the secrets
	// themselves, which no config type holds.
	"preflight": loadAs[config.Preflight],
}

func loadAs[T config.Validator](environ []string) (any, error) {
	c, err := config.Load[T](environ)
	return c, err
}

// hookKeys are the settings holding the key Kratos or Hydra must send to a
// `workid` command, by command.
var hookKeys = map[string]string{"hooks": "WORKID_HOOKS_KEY", "ui": "WORKID_HYDRA_TOKEN_HOOK_KEY"}

// publicSettings are the WorkID listeners browsers reach; every other
// WorkID port (hooks, job, metrics) stays on the compose network.
var publicSettings = map[string]bool{"WORKID_UI_ADDR": true}

// oryKinds are the Ory servers, by image.
var oryKinds = map[string]string{"oryd/kratos": "kratos", "oryd/hydra": "hydra"}

func (s *composeStack) checkImages() []string {
	var problems []string
	built := s.builtImages()
	seen := map[string]bool{}
	for _, name := range s.serviceNames() {
		svc := s.p.Services[name]
		if built[svc.Image] {
			continue // built from the Dockerfile, whose base images checkDockerfile checks
		}
		if why := unpinned(svc.Image); why != "" {
			problems = append(problems, fmt.Sprintf("service %s: image %q %s", name, svc.Image, why))
			continue
		}
		repo, tag := imageName(svc.Image), imageTag(svc.Image)
		pin, ok := toolPins[repo]
		if !ok {
			continue
		}
		seen[repo] = true
		want, err := modulePin(pin.gomod, pin.module)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		if tag != want {
			problems = append(problems, fmt.Sprintf("service %s: image %q, but %s builds %s %s for development and the tests: use %s:%s", name, svc.Image, pin.gomod, pin.module, want, repo, want))
		}
		if repo == "oryd/kratos" {
			if v, _, _ := stack.LookupSetting(s.kratos, "version"); fmt.Sprint(v) != tag {
				problems = append(problems, fmt.Sprintf("service %s: image %q, but kratos.yml says version: %v", name, svc.Image, v))
			}
		}
	}
	for _, repo := range slices.Sorted(maps.Keys(toolPins)) {
		if !seen[repo] {
			problems = append(problems, fmt.Sprintf("no service runs %s pinned to the version %s builds", repo, toolPins[repo].gomod))
		}
	}
	return problems
}

// unpinned says why an image reference is not pinned, or "" when it is.
func unpinned(image string) string {
	named, err := reference.ParseNormalizedNamed(image)
	if err != nil {
		return fmt.Sprintf("is not an image reference: %v", err)
	}
	if _, ok := named.(reference.Digested); ok {
		return ""
	}
	tagged, ok := named.(reference.Tagged)
	if !ok {
		return "has no tag, so it means latest: pin a version"
	}
	if !versionTag.MatchString(tagged.Tag()) {
		return fmt.Sprintf("has the tag %q, which is not a version and moves: pin a version", tagged.Tag())
	}
	return ""
}

func imageName(image string) string {
	named, err := reference.ParseNormalizedNamed(image)
	if err != nil {
		return image
	}
	return reference.FamiliarName(named)
}

func imageTag(image string) string {
	named, err := reference.ParseNormalizedNamed(image)
	if err != nil {
		return ""
	}
	if tagged, ok := named.(reference.Tagged); ok {
		return tagged.Tag()
	}
	return ""
}

// modulePin returns the version of module that the go.mod at gomod requires.
func modulePin(gomod, module string) (string, error) {
	b, err := os.ReadFile(filepath.Join(repoRoot, gomod))
	if err != nil {
		return "", err
	}
	f, err := modfile.ParseLax(gomod, b, nil)
	if err != nil {
		return "", err
	}
	for _, r := range f.Require {
		if r.Mod.Path == module {
			return r.Mod.Version, nil
		}
	}
	return "", fmt.Errorf("%s does not require %s", gomod, module)
}

func (s *composeStack) checkStartOrder() []string {
	var problems []string
	// One-shot services: migrations, and whatever others wait for to finish.
	oneShot := map[string]bool{}
	for name, svc := range s.p.Services {
		if isMigration(svc) {
			oneShot[name] = true
		}
		for dep, d := range svc.DependsOn {
			if d.Condition == types.ServiceConditionCompletedSuccessfully {
				oneShot[dep] = true
			}
		}
	}
	for _, name := range s.serviceNames() {
		svc := s.p.Services[name]
		restarts := svc.Restart != "" && svc.Restart != types.RestartPolicyNo
		switch {
		case oneShot[name] && restarts:
			problems = append(problems, fmt.Sprintf("service %s runs once before others start, but has restart: %s", name, svc.Restart))
		case !oneShot[name] && !hasHealthcheck(svc):
			problems = append(problems, fmt.Sprintf("service %s has no health check: what depends on it cannot wait for it to be ready", name))
		case !oneShot[name] && !restarts:
			problems = append(problems, fmt.Sprintf("service %s runs for good but has no restart policy", name))
		}
		for _, dep := range slices.Sorted(maps.Keys(svc.DependsOn)) {
			d, ds := svc.DependsOn[dep], s.p.Services[dep]
			switch {
			case oneShot[dep] && d.Condition != types.ServiceConditionCompletedSuccessfully:
				problems = append(problems, fmt.Sprintf("service %s waits for %s with %s: it must finish first (service_completed_successfully)", name, dep, d.Condition))
			case !oneShot[dep] && hasHealthcheck(ds) && d.Condition != types.ServiceConditionHealthy:
				problems = append(problems, fmt.Sprintf("service %s waits for %s with %s, but %s has a health check: use service_healthy", name, dep, d.Condition, dep))
			}
		}
		if kind, server := s.oryServer(name); server {
			problems = append(problems, s.checkMigration(name, kind)...)
		}
	}
	return problems
}

// checkMigration checks that the Ory server name waits for a migration of
// its own database, run with the same image and environment.
func (s *composeStack) checkMigration(name, kind string) []string {
	svc := s.p.Services[name]
	for _, dep := range slices.Sorted(maps.Keys(svc.DependsOn)) {
		ds := s.p.Services[dep]
		if !isMigration(ds) {
			continue
		}
		var problems []string
		if ds.Image != svc.Image {
			problems = append(problems, fmt.Sprintf("service %s migrates %s with %s, but %s runs %s", dep, name, ds.Image, name, svc.Image))
		}
		if !maps.EqualFunc(ds.Environment, svc.Environment, func(a, b *string) bool { return deref(a) == deref(b) }) {
			problems = append(problems, fmt.Sprintf("service %s does not have %s's environment (DSN %q, %s has %q): share the x-%s-env block", dep, name, deref(ds.Environment["DSN"]), name, deref(svc.Environment["DSN"]), kind))
		}
		return problems
	}
	return []string{fmt.Sprintf("service %s (%s) waits for no `migrate sql` service with service_completed_successfully: it would start on an empty or old database", name, kind)}
}

func isMigration(svc types.ServiceConfig) bool {
	_, ory := oryKinds[imageName(svc.Image)]
	return ory && slices.Equal(first(svc.Command, 2), []string{"migrate", "sql"})
}

func hasHealthcheck(svc types.ServiceConfig) bool {
	return svc.HealthCheck != nil && !svc.HealthCheck.Disable && len(svc.HealthCheck.Test) > 0 && svc.HealthCheck.Test[0] != "NONE"
}

// listener is a port a service listens on inside the compose network.
type listener struct {
	port int
	what string
	// public ports may be published; loopbackOnly ones only on 127.0.0.1.
	public, loopbackOnly bool
}

// listeners returns what each service listens on: Kratos and Hydra on
// their files' ports (with any override), WorkID on its *_ADDR settings,
// Mailpit and PostgreSQL on their images' defaults.
func (s *composeStack) listeners() map[string][]listener {
	ls := map[string][]listener{}
	for _, name := range s.serviceNames() {
		svc := s.p.Services[name]
		env := envOf(svc)
		if kind, ok := s.oryServer(name); ok {
			for _, iface := range []string{"public", "admin"} {
				v, _, _ := stack.LookupSetting(s.oryDoc(kind), "serve_"+iface+"_port")
				port := fmt.Sprint(v)
				if o, ok := env["SERVE_"+strings.ToUpper(iface)+"_PORT"]; ok {
					port = o
				}
				n, _ := strconv.Atoi(port)
				ls[name] = append(ls[name], listener{port: n, what: kind + " " + iface, public: iface == "public"})
			}
		}
		switch imageName(svc.Image) {
		case "axllent/mailpit": // its image's defaults: docker-compose.yml passes no --smtp or --listen
			ls[name] = append(ls[name], listener{port: 1025, what: "mailpit smtp"}, listener{port: 8025, what: "mailpit inbox", public: true, loopbackOnly: true})
		case "postgres":
			ls[name] = append(ls[name], listener{port: 5432, what: "postgresql"})
		}
		if name == s.edgeService() {
			ls[name] = append(ls[name], s.edgeListeners(env)...)
		} else if s.builtImages()[svc.Image] {
			for _, k := range slices.Sorted(maps.Keys(env)) {
				if _, port, err := net.SplitHostPort(env[k]); err == nil && strings.HasSuffix(k, "_ADDR") {
					n, _ := strconv.Atoi(port)
					ls[name] = append(ls[name], listener{port: n, what: k, public: publicSettings[k]})
				}
			}
		}
	}
	return ls
}

func (s *composeStack) checkPorts() []string {
	var problems []string
	ls := s.listeners()
	edge := s.edgeService()
	for _, name := range s.serviceNames() {
		svc := s.p.Services[name]
		for _, pc := range svc.Ports {
			l, ok := findListener(ls[name], int(pc.Target))
			switch {
			case !ok:
				problems = append(problems, fmt.Sprintf("service %s publishes container port %d, where it does not listen (%s)", name, pc.Target, describeListeners(ls[name])))
			case !l.public:
				problems = append(problems, fmt.Sprintf("service %s publishes port %d (%s): it must stay on the compose network", name, pc.Target, l.what))
			case l.loopbackOnly && pc.HostIP != "127.0.0.1":
				problems = append(problems, fmt.Sprintf("service %s publishes port %d (%s) on %q: only on 127.0.0.1", name, pc.Target, l.what, pc.HostIP))
			case !l.loopbackOnly && name != edge:
				problems = append(problems, fmt.Sprintf("service %s publishes port %d (%s): browsers reach it through the edge (%s), which limits them", name, pc.Target, l.what, edge))
			}
		}
		env := envOf(svc)
		for _, k := range slices.Sorted(maps.Keys(env)) {
			problems = append(problems, s.checkTarget(ls, name, k+"="+env[k], env[k], false)...)
		}
		if svc.HealthCheck != nil {
			for _, arg := range svc.HealthCheck.Test {
				problems = append(problems, s.checkTarget(ls, name, "health check "+arg, arg, true)...)
			}
		}
	}
	return problems
}

// checkTarget checks that a URL aimed at a service (or, in a health check,
// at the container itself) names a port that service listens on.
func (s *composeStack) checkTarget(ls map[string][]listener, from, what, raw string, self bool) []string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return nil
	}
	host := u.Hostname()
	if isLoopback(host) {
		if !self {
			return []string{fmt.Sprintf("service %s: %s points at the container itself", from, what)}
		}
		host = from
	}
	if _, ok := s.p.Services[host]; !ok {
		return nil // an address outside the compose network
	}
	if _, ok := findListener(ls[host], urlPort(u)); !ok {
		return []string{fmt.Sprintf("service %s: %s: %s does not listen on %d (%s)", from, what, host, urlPort(u), describeListeners(ls[host]))}
	}
	return nil
}

func findListener(ls []listener, port int) (listener, bool) {
	i := slices.IndexFunc(ls, func(l listener) bool { return l.port == port })
	if i < 0 {
		return listener{}, false
	}
	return ls[i], true
}

func describeListeners(ls []listener) string {
	if len(ls) == 0 {
		return "it listens on no port"
	}
	var parts []string
	for _, l := range ls {
		parts = append(parts, fmt.Sprintf("%d %s", l.port, l.what))
	}
	return "it listens on " + strings.Join(parts, ", ")
}

// edgeService is the service built from the Dockerfile's edge target, or "".
func (s *composeStack) edgeService() string {
	for _, name := range s.serviceNames() {
		if b := s.p.Services[name].Build; b != nil && b.Target == "edge" {
			return name
		}
	}
	return ""
}

// edgeListeners are the ports config/Caddyfile opens with the edge's
// settings: its site (443 and 80 for an https address, which Caddy serves
// with a redirect to https) and its private metrics port.
func (s *composeStack) edgeListeners(env map[string]string) []listener {
	var ls []listener
	if u, err := url.Parse(env["WORKID_EDGE_SITE"]); err == nil && u.Host != "" {
		ls = append(ls, listener{port: urlPort(u), what: "edge " + u.Scheme, public: true})
		if u.Scheme == "https" {
			ls = append(ls, listener{port: 80, what: "edge http (redirect to https)", public: true})
		}
	}
	if n, err := strconv.Atoi(env["WORKID_EDGE_METRICS_PORT"]); err == nil {
		ls = append(ls, listener{port: n, what: "edge metrics"})
	}
	return ls
}

// edgeUpstreams are the edge's settings for what it forwards to, with the
// server each must reach on its public port.
var edgeUpstreams = []struct{ setting, server string }{
	{"WORKID_EDGE_UI", "ui"}, {"WORKID_EDGE_KRATOS", "kratos"}, {"WORKID_EDGE_HYDRA", "hydra"},
}

// checkEdge checks the one front door: an https site that is the one
// address the UI gives browsers for itself, Kratos and Hydra, forwarding to
// each server's public listener.
func (s *composeStack) checkEdge() []string {
	edge := s.edgeService()
	if edge == "" {
		return []string{"no service is built from the Dockerfile's edge target: nothing limits sign-in attempts"}
	}
	var problems []string
	env := envOf(s.p.Services[edge])
	site := env["WORKID_EDGE_SITE"]
	siteURL, err := url.Parse(site)
	if err != nil || siteURL.Scheme != "https" || siteURL.Host == "" {
		problems = append(problems, fmt.Sprintf("service %s: WORKID_EDGE_SITE=%s is not an https address: browsers would send passwords in the clear", edge, site))
	}
	ui := envOf(s.p.Services[s.serviceRunning("ui")])
	for _, k := range []string{"WORKID_UI_PUBLIC_URL", "WORKID_KRATOS_BROWSER_URL", "WORKID_HYDRA_PUBLIC_URL"} {
		if ui[k] != site {
			problems = append(problems, fmt.Sprintf("service %s: %s=%s, but the edge serves %s: one address for browsers", s.serviceRunning("ui"), k, ui[k], site))
		}
	}
	ls := s.listeners()
	for _, up := range edgeUpstreams {
		host, port, err := net.SplitHostPort(env[up.setting])
		n, _ := strconv.Atoi(port)
		target := s.serviceRunning(up.server)
		if up.server != "ui" {
			target = s.serviceWithImage("oryd/" + up.server)
		}
		l, ok := findListener(ls[host], n)
		switch {
		case err != nil:
			problems = append(problems, fmt.Sprintf("service %s: %s=%q is not host:port", edge, up.setting, env[up.setting]))
		case host != target:
			problems = append(problems, fmt.Sprintf("service %s: %s=%s, but %s runs on %s", edge, up.setting, env[up.setting], up.server, target))
		case !ok || !l.public:
			problems = append(problems, fmt.Sprintf("service %s: %s=%s is not %s's public port (%s)", edge, up.setting, env[up.setting], up.server, describeListeners(ls[host])))
		}
	}
	if !slices.ContainsFunc(s.p.Services[edge].Volumes, func(v types.ServiceVolumeConfig) bool { return v.Target == "/data" }) {
		problems = append(problems, fmt.Sprintf("service %s keeps /data (its certificates) in no volume: each new container would ask for new ones, and ACME limits how often", edge))
	}
	if bind := env["WORKID_EDGE_BIND"]; bind == "" || isLoopback(bind) {
		problems = append(problems, fmt.Sprintf("service %s: WORKID_EDGE_BIND=%q: the site listens on the container's loopback only (the Caddyfile's default), where no published port reaches it", edge, bind))
	}
	for _, cidr := range strings.Fields(env["WORKID_EDGE_TRUSTED_PROXIES"]) {
		if _, n, err := net.ParseCIDR(cidr); err != nil || func() bool { ones, _ := n.Mask.Size(); return ones == 0 }() {
			problems = append(problems, fmt.Sprintf("service %s: WORKID_EDGE_TRUSTED_PROXIES has %q: any client could then choose its address with X-Forwarded-For", edge, cidr))
		}
	}
	if err == nil && siteURL.Host != "" && !slices.ContainsFunc(s.p.Services[edge].Ports, func(p types.ServicePortConfig) bool { return int(p.Target) == urlPort(siteURL) }) {
		problems = append(problems, fmt.Sprintf("service %s does not publish port %d, where it serves %s", edge, urlPort(siteURL), site))
	}
	// The Caddyfile its image runs (the stage's CMD) is in the container.
	if st := s.imageStage(edge); st != nil {
		var cmd []string
		_ = json.Unmarshal([]byte(st.last("CMD")), &cmd)
		if i := slices.Index(cmd, "--config"); i < 0 || i+1 >= len(cmd) {
			problems = append(problems, fmt.Sprintf("service %s: its image's CMD %s names no --config", edge, st.last("CMD")))
		} else if why := s.provides(edge, cmd[i+1]); why != "" {
			problems = append(problems, fmt.Sprintf("service %s: its Caddyfile %s %s", edge, cmd[i+1], why))
		}
	}
	// WorkID's servers call Kratos and Hydra on the compose network: through
	// the edge every call would count against the container's one address.
	for _, name := range s.serviceNames() {
		if s.workidCommand(name) == "" {
			continue
		}
		wenv := envOf(s.p.Services[name])
		for _, k := range []string{"WORKID_KRATOS_PUBLIC_URL", "WORKID_KRATOS_ADMIN_URL", "WORKID_HYDRA_ADMIN_URL"} {
			if v, ok := wenv[k]; ok {
				host := ""
				if u, err := url.Parse(v); err == nil {
					host = u.Hostname()
				}
				if _, onNetwork := s.p.Services[host]; !onNetwork {
					problems = append(problems, fmt.Sprintf("service %s: %s=%s is not a service on the compose network: WorkID's own calls must not go through the edge", name, k, v))
				}
			}
		}
	}
	return problems
}
