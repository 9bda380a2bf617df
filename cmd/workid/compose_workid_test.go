package main

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
)

// WorkID's processes against the config package, the files Kratos and Hydra
// read, and the Dockerfile (with the little of its syntax the checks need).

// checkWorkID checks each `workid` service against the configuration its
// command reads.
func (s *composeStack) checkWorkID() []string {
	var problems []string
	running := map[string][]string{} // setting -> "service=value"
	for _, cmd := range slices.Sorted(maps.Keys(workidProcesses)) {
		if s.serviceRunning(cmd) == "" {
			problems = append(problems, fmt.Sprintf("no service runs `workid %s`", cmd))
		}
	}
	for _, name := range s.serviceNames() {
		cmd := s.workidCommand(name)
		if cmd == "" {
			continue
		}
		load, ok := workidProcesses[cmd]
		if !ok {
			problems = append(problems, fmt.Sprintf("service %s runs `workid %s`, which this test does not know: add it to workidProcesses", name, cmd))
			continue
		}
		env := envOf(s.p.Services[name])
		environ := s.dockerfile.env() // compose's environment overrides the image's
		for _, k := range slices.Sorted(maps.Keys(env)) {
			environ = append(environ, k+"="+env[k])
			running[k] = append(running[k], name+"="+env[k])
		}
		defaults := defaultSettings(load)
		cfg, err := load(environ)
		if err != nil {
			problems = append(problems, fmt.Sprintf("service %s: `workid %s` refuses its settings: %v", name, cmd, err))
			continue
		}
		for _, k := range slices.Sorted(maps.Keys(env)) {
			// preflight reads every variable it is given: the secrets.
			if _, read := defaults[k]; strings.HasPrefix(k, "WORKID_") && !read && cmd != "preflight" {
				problems = append(problems, fmt.Sprintf("service %s sets %s, which `workid %s` does not read", name, k, cmd))
			}
		}
		if env["WORKID_LOG_FORMAT"] != "json" {
			problems = append(problems, fmt.Sprintf("service %s: production logs are JSON: set WORKID_LOG_FORMAT: json (it has %q)", name, env["WORKID_LOG_FORMAT"]))
		}
		got := settings(cfg)
		for _, k := range slices.Sorted(maps.Keys(got)) {
			problems = append(problems, s.checkSetting(name, k, got[k], defaults[k])...)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(running)) {
		values := map[string]bool{}
		for _, sv := range running[k] {
			_, v, _ := strings.Cut(sv, "=")
			values[v] = true
		}
		if len(values) > 1 {
			problems = append(problems, fmt.Sprintf("%s differs between the WorkID services: %s", k, strings.Join(running[k], ", ")))
		}
	}
	return problems
}

// checkSetting checks one loaded setting of a `workid` service: listeners
// open to the network on the development port, no loopback address for
// another server, and files that exist in the container.
func (s *composeStack) checkSetting(svc, k, v, def string) []string {
	if v == "" {
		return nil
	}
	switch {
	case strings.HasSuffix(k, "_ADDR"):
		host, port, _ := net.SplitHostPort(v)
		_, defPort, _ := net.SplitHostPort(def)
		var problems []string
		if host != "" && host != "0.0.0.0" && host != "::" {
			problems = append(problems, fmt.Sprintf("service %s: %s=%s listens on %s only: nothing outside the container reaches it", svc, k, v, host))
		}
		if port != defPort {
			problems = append(problems, fmt.Sprintf("service %s: %s=%s, but its default (the development port) is %s: keep them the same", svc, k, v, def))
		}
		return problems
	case strings.HasSuffix(k, "_FILE") || strings.HasSuffix(k, "_DIR"):
		if !path.IsAbs(v) {
			return []string{fmt.Sprintf("service %s: %s=%s is relative to the container's working folder: use an absolute path", svc, k, v)}
		}
		if why := s.provides(svc, v); why != "" {
			return []string{fmt.Sprintf("service %s: %s=%s %s", svc, k, v, why)}
		}
	}
	u, err := url.Parse(v)
	if err != nil || u.Host == "" {
		return nil
	}
	if isLoopback(u.Hostname()) {
		return []string{fmt.Sprintf("service %s: %s=%s: in a container %s is the container itself (set it in docker-compose.yml)", svc, k, v, u.Hostname())}
	}
	if du, err := url.Parse(def); err == nil && du.Host != "" {
		if _, internal := s.p.Services[u.Hostname()]; internal && urlPort(u) != urlPort(du) {
			return []string{fmt.Sprintf("service %s: %s=%s, but its default is %s: containers listen on the development ports", svc, k, v, def)}
		}
	}
	return nil
}

// provides says why the container of service svc has no file at p, or ""
// when it has: a mounted folder that holds it, or else the image.
func (s *composeStack) provides(svc, p string) string {
	for _, v := range s.p.Services[svc].Volumes {
		if v.Type != types.VolumeTypeBind || (p != v.Target && !strings.HasPrefix(p, v.Target+"/")) {
			continue
		}
		host := filepath.Join(v.Source, strings.TrimPrefix(p, v.Target))
		if _, err := os.Stat(host); err != nil {
			return fmt.Sprintf("is mounted from %s, which does not exist", host)
		}
		return ""
	}
	if st := s.imageStage(svc); st != nil && st.provides(p) {
		return ""
	}
	return "is neither mounted nor in the image"
}

// imageStage is the Dockerfile stage service svc's image is: its build
// target, or the final stage; nil for an image built elsewhere.
func (s *composeStack) imageStage(svc string) *dockerStage {
	b := s.p.Services[svc].Build
	if b == nil || len(s.dockerfile.stages) == 0 {
		return nil
	}
	if b.Target != "" {
		return s.dockerfile.stage(b.Target)
	}
	return &s.dockerfile.stages[len(s.dockerfile.stages)-1]
}

// checkOryFiles checks that Kratos and Hydra (and their migrations) find
// their configuration file and every file it names, relative to the
// working folder they run in.
func (s *composeStack) checkOryFiles() []string {
	var problems []string
	for _, name := range s.serviceNames() {
		svc := s.p.Services[name]
		kind, ok := oryKinds[imageName(svc.Image)]
		if !ok {
			continue
		}
		i := slices.Index(svc.Command, "-c")
		if i < 0 || i+1 >= len(svc.Command) {
			problems = append(problems, fmt.Sprintf("service %s runs %s without -c: it would not read %s", name, kind, s.oryFile(kind)))
			continue
		}
		if svc.WorkingDir == "" {
			problems = append(problems, fmt.Sprintf("service %s has no working_dir: %s's relative paths need /etc/workid", name, s.oryFile(kind)))
			continue
		}
		need := []string{svc.Command[i+1]}
		walkLeaves(s.oryDoc(kind), nil, func(_ []string, v any) {
			if str, ok := v.(string); ok && (strings.HasPrefix(str, "file://") || strings.HasPrefix(str, "./")) {
				need = append(need, strings.TrimPrefix(str, "file://"))
			}
		})
		slices.Sort(need)
		for _, p := range slices.Compact(need) {
			if !path.IsAbs(p) {
				p = path.Join(svc.WorkingDir, p)
			}
			if why := s.provides(name, p); why != "" {
				problems = append(problems, fmt.Sprintf("service %s: %s %s", name, p, why))
			}
		}
	}
	return problems
}

func (s *composeStack) checkDockerfile() []string {
	var problems []string
	d := s.dockerfile
	if len(d.stages) == 0 {
		return []string{"the Dockerfile has no FROM"}
	}
	for _, st := range d.stages {
		if st.base == "scratch" || d.stage(st.base) != nil {
			continue
		}
		if why := unpinned(st.base); why != "" {
			problems = append(problems, fmt.Sprintf("Dockerfile: FROM %s %s", st.base, why))
		}
	}
	final := d.stages[len(d.stages)-1]
	// Every image docker-compose.yml runs: the final stage, and the
	// targets its services build.
	images := []*dockerStage{&final}
	for _, name := range s.serviceNames() {
		if b := s.p.Services[name].Build; b != nil && b.Target != "" {
			if st := d.stage(b.Target); st != nil {
				images = append(images, st)
			} else {
				problems = append(problems, fmt.Sprintf("service %s builds the Dockerfile's target %q, which it does not have", name, b.Target))
			}
		}
	}
	for _, st := range images {
		if user, _, _ := strings.Cut(st.last("USER"), ":"); user == "" || user == "root" || user == "0" {
			problems = append(problems, fmt.Sprintf("Dockerfile: the image %s runs as root: set USER to a non-root UID", cmp.Or(st.name, "(final)")))
		}
	}
	builds := slices.DeleteFunc(d.all("RUN"), func(r string) bool { return !strings.Contains(r, "go build") })
	if len(builds) == 0 {
		problems = append(problems, "Dockerfile: no go build")
	}
	for _, r := range builds {
		if !strings.Contains(r, "CGO_ENABLED=0") {
			problems = append(problems, fmt.Sprintf("Dockerfile: %s without CGO_ENABLED=0: the binary would not be static", r))
		}
	}
	var entry []string
	if err := json.Unmarshal([]byte(final.last("ENTRYPOINT")), &entry); err != nil || len(entry) == 0 || !d.provides(entry[0]) {
		problems = append(problems, fmt.Sprintf("Dockerfile: ENTRYPOINT %s is not a binary the image copies in", final.last("ENTRYPOINT")))
	}
	// The health checks run the image's binary.
	for _, name := range s.serviceNames() {
		svc := s.p.Services[name]
		if st := s.imageStage(name); st != nil && hasHealthcheck(svc) && len(svc.HealthCheck.Test) > 1 && !st.provides(svc.HealthCheck.Test[1]) {
			problems = append(problems, fmt.Sprintf("service %s: the health check runs %s, which the image does not have", name, svc.HealthCheck.Test[1]))
		}
	}
	// The lists are those `npm ci --ignore-scripts` installs from the lock file.
	lists := envOf(s.p.Services[s.serviceRunning("hooks")])["WORKID_LISTS_DIR"]
	from := final.copiedFrom(lists)
	if st := d.stage(from); st == nil || !slices.ContainsFunc(st.all("RUN"), func(r string) bool {
		return strings.Contains(r, "npm ci") && strings.Contains(r, "--ignore-scripts")
	}) {
		problems = append(problems, fmt.Sprintf("Dockerfile: WORKID_LISTS_DIR=%s is not copied from a stage that runs npm ci --ignore-scripts", lists))
	}
	for _, src := range d.localSources() {
		if _, err := os.Stat(filepath.Join(repoRoot, src)); err != nil {
			problems = append(problems, fmt.Sprintf("Dockerfile: COPY %s: %v", src, err))
		}
	}
	if !slices.Contains(strings.Fields(s.dockerignore), ".env") {
		problems = append(problems, ".dockerignore does not exclude .env: the secrets would be in the build context")
	}
	return problems
}

// dockerfile is a parsed Dockerfile: enough of it for the checks above.
type dockerfile struct{ stages []dockerStage }

type dockerStage struct {
	base, name string
	lines      [][2]string // instruction, arguments
}

func parseDockerfile(text string) dockerfile {
	var d dockerfile
	text = strings.ReplaceAll(text, "\\\n", " ")
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		instr, args, _ := strings.Cut(line, " ")
		instr, args = strings.ToUpper(instr), strings.TrimSpace(args)
		if instr == "FROM" {
			f := slices.DeleteFunc(strings.Fields(args), func(w string) bool { return strings.HasPrefix(w, "--") })
			st := dockerStage{base: f[0]}
			if len(f) == 3 && strings.EqualFold(f[1], "AS") {
				st.name = f[2]
			}
			d.stages = append(d.stages, st)
			continue
		}
		if len(d.stages) > 0 {
			st := &d.stages[len(d.stages)-1]
			st.lines = append(st.lines, [2]string{instr, args})
		}
	}
	return d
}

func (d dockerfile) stage(name string) *dockerStage {
	for i := range d.stages {
		if name != "" && d.stages[i].name == name {
			return &d.stages[i]
		}
	}
	return nil
}

func (d dockerfile) all(instr string) []string {
	var out []string
	for _, st := range d.stages {
		out = append(out, st.all(instr)...)
	}
	return out
}

func (st dockerStage) all(instr string) []string {
	var out []string
	for _, l := range st.lines {
		if l[0] == instr {
			out = append(out, l[1])
		}
	}
	return out
}

func (st dockerStage) last(instr string) string {
	all := st.all(instr)
	if len(all) == 0 {
		return ""
	}
	return all[len(all)-1]
}

// copies are the stage's COPY instructions: source stage (or "" for the
// build context) and destination.
func (st dockerStage) copies() [][2]string {
	var out [][2]string
	for _, args := range st.all("COPY") {
		f := strings.Fields(args)
		from := ""
		for _, w := range f {
			if v, ok := strings.CutPrefix(w, "--from="); ok {
				from = v
			}
		}
		out = append(out, [2]string{from, f[len(f)-1]})
	}
	return out
}

// provides reports whether the final image has the path p, copied in.
func (d dockerfile) provides(p string) bool {
	return len(d.stages) > 0 && d.stages[len(d.stages)-1].provides(p)
}

// provides reports whether the stage's image has the path p, copied in.
func (st dockerStage) provides(p string) bool {
	return slices.ContainsFunc(st.copies(), func(c [2]string) bool { return p == c[1] || strings.HasPrefix(p, c[1]+"/") })
}

// copiedFrom returns the stage the final image copies p from.
func (st dockerStage) copiedFrom(p string) string {
	for _, c := range st.copies() {
		if p == c[1] || strings.HasPrefix(p, c[1]+"/") {
			return c[0]
		}
	}
	return ""
}

// localSources are the files COPY takes from the build context.
func (d dockerfile) localSources() []string {
	var out []string
	for _, args := range d.all("COPY") {
		f := slices.DeleteFunc(strings.Fields(args), func(w string) bool { return strings.HasPrefix(w, "--") })
		if strings.Contains(args, "--from=") || len(f) < 2 {
			continue
		}
		for _, src := range f[:len(f)-1] {
			if src != "." {
				out = append(out, src)
			}
		}
	}
	return out
}

// env returns the final stage's ENV as KEY=VALUE.
func (d dockerfile) env() []string {
	if len(d.stages) == 0 {
		return nil
	}
	var out []string
	for _, args := range d.stages[len(d.stages)-1].all("ENV") {
		out = append(out, strings.Fields(args)...)
	}
	return out
}
