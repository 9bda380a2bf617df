package main

// docker-compose.yml is WorkID's production path, but no Docker engine runs
// on the development and CI machines. These tests load it with compose-go,
// the compose specification's own loader, and check it against what the
// servers really read: kratos.yml, config/hydra.yml, the config package, the
// routes the hooks and UI servers serve, the Dockerfile and the PostgreSQL
// init script. The checks live in compose_*_test.go; each returns its
// problems, so TestComposeChecksCatchMistakes can show that it finds them.

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/dotenv"
	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
	"gopkg.in/yaml.v3"

	"github.com/workid/workid/config"
)

// repoRoot is the repository root, seen from this package's folder.
const repoRoot = "../.."

// composeStack is docker-compose.yml loaded with compose-go, with every file
// it is checked against.
type composeStack struct {
	p   *types.Project
	raw map[string]any // docker-compose.yml before interpolation
	// example is .env.example; env is what the project was interpolated
	// with: example, with each secret replaced by a value naming its
	// variable (secretTag), so a check can tell which variable a value
	// came from.
	example, env map[string]string
	// kratos and hydra are kratos.yml and config/hydra.yml.
	kratos, hydra any
	dockerfile    dockerfile
	dockerignore  string
	initScript    string
	// routes are the paths each `workid` command serves, by command.
	routes map[string]routeSet
	// dev are the development ports (config.Ports defaults): kratos.yml and
	// hydra.yml are written for them, and containers listen on them too.
	dev config.Ports
}

// edit replaces old by new in one of the files a composeStack reads.
type edit struct{ file, old, new string }

// loadComposeStack reads the files, applies edits and loads the project.
func loadComposeStack(t *testing.T, edits ...edit) *composeStack {
	t.Helper()
	files := map[string][]byte{}
	for _, name := range []string{"docker-compose.yml", "Dockerfile", ".dockerignore", ".env.example", "kratos.yml", "config/hydra.yml", "config/postgres/init-databases.sh"} {
		b, err := os.ReadFile(filepath.Join(repoRoot, name))
		if err != nil {
			t.Fatal(err)
		}
		files[name] = b
	}
	for _, e := range edits {
		s := string(files[e.file])
		if !strings.Contains(s, e.old) {
			t.Fatalf("%s has no %q to replace: update the test", e.file, e.old)
		}
		files[e.file] = []byte(strings.Replace(s, e.old, e.new, 1))
	}

	s := &composeStack{
		dockerfile:   parseDockerfile(string(files["Dockerfile"])),
		dockerignore: string(files[".dockerignore"]),
		initScript:   string(files["config/postgres/init-databases.sh"]),
	}
	var err error
	if s.example, err = dotenv.UnmarshalBytesWithLookup(files[".env.example"], nil); err != nil {
		t.Fatalf(".env.example: %v", err)
	}
	s.env = maps.Clone(s.example)
	for name, v := range s.example {
		if isSecret(name) {
			s.env[name] = secretTag(name, v)
		}
	}
	for name, doc := range map[string]*any{"kratos.yml": &s.kratos, "config/hydra.yml": &s.hydra} {
		if err := yaml.Unmarshal(files[name], doc); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	if err := yaml.Unmarshal(files["docker-compose.yml"], &s.raw); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	if s.p, err = loadCompose(t, files["docker-compose.yml"], s.env); err != nil {
		t.Fatalf("compose-go cannot load docker-compose.yml: %v", err)
	}
	dev, err := config.Load[config.Dev](nil)
	if err != nil {
		t.Fatal(err)
	}
	s.dev = dev.Ports
	s.routes = workidRoutes(t, s.dev)
	return s
}

// loadCompose loads a compose file's content as `docker compose` would,
// interpolated with env only (never the test's own environment), validated
// against the compose schema and checked for consistency.
func loadCompose(t *testing.T, content []byte, env map[string]string) (*types.Project, error) {
	root, err := filepath.Abs(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	return loader.LoadWithContext(t.Context(), types.ConfigDetails{
		WorkingDir:  root,
		ConfigFiles: []types.ConfigFile{{Filename: filepath.Join(root, "docker-compose.yml"), Content: content}},
		Environment: env,
	})
}

// isSecret reports whether a .env variable holds a secret.
func isSecret(name string) bool {
	return strings.Contains(name, "PASSWORD") || strings.Contains(name, "SECRET") || strings.HasSuffix(name, "_KEY")
}

// secretTag is the value a secret gets in composeStack.env: it names the
// variable, keeps the shape of the example (a JSON list or a word), and is
// long enough for every length rule.
func secretTag(name, example string) string {
	tag := "tag-" + strings.ToLower(strings.ReplaceAll(name, "_", "-")) + "-0123456789abcdef"
	if strings.HasPrefix(example, "[") {
		return `["` + tag + `"]`
	}
	return tag
}

// reportProblems fails t with each problem on its own line.
func reportProblems(t *testing.T, problems []string) {
	t.Helper()
	for _, p := range problems {
		t.Error(p)
	}
}

// TestComposeLoadsWithEnvExample loads the file exactly as `docker compose
// config` does after `cp .env.example .env`: the .env.example values must
// satisfy every ${VAR:?} and the result must validate.
func TestComposeLoadsWithEnvExample(t *testing.T) {
	root, err := filepath.Abs(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	opts, err := cli.NewProjectOptions([]string{filepath.Join(root, "docker-compose.yml")},
		cli.WithWorkingDirectory(root),
		cli.WithEnvFiles(filepath.Join(root, ".env.example")),
		cli.WithDotEnv)
	if err != nil {
		t.Fatal(err)
	}
	p, err := opts.LoadProject(t.Context())
	if err != nil {
		t.Fatalf("docker compose would refuse docker-compose.yml with .env.example: %v", err)
	}
	want := []string{"edge", "hydra", "hydra-migrate", "kratos", "kratos-migrate", "mailpit", "postgres", "preflight", "workid-hooks", "workid-reverify", "workid-ui"}
	if got := slices.Sorted(maps.Keys(p.Services)); !slices.Equal(got, want) {
		t.Errorf("services = %v, want %v", got, want)
	}
}

// Every secret must be set: an empty one stops `docker compose` before
// anything starts, naming the variable.
func TestComposeRefusesEmptySecrets(t *testing.T) {
	s := loadComposeStack(t)
	yml, err := os.ReadFile(filepath.Join(repoRoot, "docker-compose.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var secrets []string
	for name := range s.example {
		if isSecret(name) {
			secrets = append(secrets, name)
		}
	}
	slices.Sort(secrets)
	if len(secrets) < 8 {
		t.Fatalf(".env.example has %d secrets (%v): the database passwords, Kratos's and Hydra's secrets and two shared keys are missing", len(secrets), secrets)
	}
	for _, name := range secrets {
		env := maps.Clone(s.example)
		env[name] = ""
		if _, err := loadCompose(t, yml, env); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("docker-compose.yml with %s empty: error %v, want one that names %s", name, err, name)
		}
	}
}

func TestComposeImagesArePinned(t *testing.T) {
	reportProblems(t, loadComposeStack(t).checkImages())
}

func TestComposeStartOrder(t *testing.T) {
	reportProblems(t, loadComposeStack(t).checkStartOrder())
}

func TestComposePorts(t *testing.T) {
	reportProblems(t, loadComposeStack(t).checkPorts())
}

func TestComposeEdge(t *testing.T) {
	reportProblems(t, loadComposeStack(t).checkEdge())
}

func TestComposeURLs(t *testing.T) {
	reportProblems(t, loadComposeStack(t).checkURLs())
}

func TestComposeSecrets(t *testing.T) {
	reportProblems(t, loadComposeStack(t).checkSecrets())
}

func TestComposeWorkIDProcesses(t *testing.T) {
	reportProblems(t, loadComposeStack(t).checkWorkID())
}

func TestComposeOryFiles(t *testing.T) {
	reportProblems(t, loadComposeStack(t).checkOryFiles())
}

func TestComposeDockerfile(t *testing.T) {
	reportProblems(t, loadComposeStack(t).checkDockerfile())
}

// Each check must find the mistake it exists for: the same files with one
// plausible slip each.
func TestComposeChecksCatchMistakes(t *testing.T) {
	const compose, docker = "docker-compose.yml", "Dockerfile"
	type check func(*composeStack) []string
	var (
		images     check = (*composeStack).checkImages
		startOrder check = (*composeStack).checkStartOrder
		ports      check = (*composeStack).checkPorts
		urls       check = (*composeStack).checkURLs
		secrets    check = (*composeStack).checkSecrets
		workid     check = (*composeStack).checkWorkID
		oryFiles   check = (*composeStack).checkOryFiles
		dockerFile check = (*composeStack).checkDockerfile
		edgeCheck  check = (*composeStack).checkEdge
	)
	tests := []struct {
		name  string
		edit  edit
		check check
		want  string // a problem must contain it
	}{
		{"moving tag", edit{compose, "image: oryd/kratos:v1.3.1\n    command: serve", "image: oryd/kratos:latest\n    command: serve"}, images, `"oryd/kratos:latest"`},
		{"no tag", edit{compose, "axllent/mailpit:v1.33.1", "axllent/mailpit"}, images, "no tag"},
		{"another Hydra than tools/hydra builds", edit{compose, "oryd/hydra:v2.3.0\n    command: serve", "oryd/hydra:v2.2.0\n    command: serve"}, images, "v2.3.0"},
		{"server not waiting for its migration", edit{compose, "kratos-migrate: {condition: service_completed_successfully}", "kratos-migrate: {condition: service_started}"}, startOrder, "kratos-migrate"},
		{"healthy dependency waited for as started", edit{compose, "hydra: {condition: service_healthy}", "hydra: {condition: service_started}"}, startOrder, "service_healthy"},
		{"no health check", edit{compose, "    healthcheck:\n      test: [\"CMD\", \"/mailpit\", \"readyz\"]\n      interval: 5s\n      timeout: 5s\n      retries: 12\n", ""}, startOrder, "mailpit has no health check"},
		{"migration with another database", edit{compose, "    environment: *hydra-env\n    volumes: *ory-files\n    depends_on:\n      postgres", "    environment: {DSN: \"postgres://hydra@postgres:5432/other\"}\n    volumes: *ory-files\n    depends_on:\n      postgres"}, startOrder, "hydra-migrate"},
		{"hook on a port nothing listens on", edit{compose, "workid-hooks:4456/hooks/settings", "workid-hooks:4457/hooks/settings"}, ports, "does not listen on 4457"},
		{"published admin API", edit{compose, "    depends_on:\n      kratos-migrate", "    ports: [\"4434:4434\"]\n    depends_on:\n      kratos-migrate"}, ports, "admin"},
		{"Kratos published beside the edge", edit{compose, "    depends_on:\n      kratos-migrate", "    ports: [\"4433:4433\"]\n    depends_on:\n      kratos-migrate"}, ports, "through the edge"},
		{"edge metrics published", edit{compose, `"${WORKID_PUBLISH_ADDRESS:-0.0.0.0}:80:80"`, `"4401:4401"`}, ports, "edge metrics"},
		{"no edge", edit{compose, "      target: edge\n", ""}, edgeCheck, "no service"},
		{"plain-http edge", edit{compose, "WORKID_EDGE_SITE: ${WORKID_PUBLIC_URL:?set in .env}", "WORKID_EDGE_SITE: http://id.example.com"}, edgeCheck, "https"},
		{"UI told another address than the edge's", edit{compose, "WORKID_HYDRA_PUBLIC_URL: ${WORKID_PUBLIC_URL}", "WORKID_HYDRA_PUBLIC_URL: https://sso.example.com"}, edgeCheck, "WORKID_HYDRA_PUBLIC_URL"},
		{"edge forwarding to Kratos's admin port", edit{compose, "WORKID_EDGE_KRATOS: kratos:4433", "WORKID_EDGE_KRATOS: kratos:4434"}, edgeCheck, "public port"},
		{"edge forwarding to the wrong server", edit{compose, "WORKID_EDGE_HYDRA: hydra:4444", "WORKID_EDGE_HYDRA: kratos:4433"}, edgeCheck, "hydra runs on hydra"},
		{"certificates in no volume", edit{compose, "      - edgedata:/data\n", ""}, edgeCheck, "/data"},
		{"edge on its loopback", edit{compose, "      WORKID_EDGE_BIND: 0.0.0.0\n", ""}, edgeCheck, "WORKID_EDGE_BIND"},
		{"every client trusted", edit{compose, "${WORKID_EDGE_TRUSTED_PROXIES:-}", "0.0.0.0/0"}, edgeCheck, "X-Forwarded-For"},
		{"https port not published", edit{compose, "      - \"${WORKID_PUBLISH_ADDRESS:-0.0.0.0}:443:443\"\n", ""}, edgeCheck, "does not publish port 443"},
		{"edge without its Caddyfile", edit{compose, "      - ./config:/etc/workid/config:ro\n      - edgedata:/data", "      - edgedata:/data"}, edgeCheck, "Caddyfile"},
		{"WorkID calling Kratos through the edge", edit{compose, "WORKID_KRATOS_PUBLIC_URL: http://kratos:4433", "WORKID_KRATOS_PUBLIC_URL: ${WORKID_PUBLIC_URL}"}, edgeCheck, "through the edge"},
		{"health check on the wrong port", edit{compose, "http://127.0.0.1:4457/readyz", "http://127.0.0.1:4456/readyz"}, ports, "workid-reverify does not listen on 4456"},
		{"hook path typo", edit{compose, "4456/hooks/settings", "4456/hooks/setting"}, urls, "/hooks/setting"},
		{"consent page that does not exist", edit{compose, "URLS_CONSENT: ${WORKID_PUBLIC_URL}/consent", "URLS_CONSENT: ${WORKID_PUBLIC_URL}/consents"}, urls, "/consents"},
		{"web hook left on the development address", edit{compose, "  SELFSERVICE_FLOWS_SETTINGS_AFTER_PROFILE_HOOKS_0_CONFIG_URL: http://workid-hooks:4456/hooks/settings\n", ""}, urls, "SELFSERVICE_FLOWS_SETTINGS_AFTER_PROFILE_HOOKS_0_CONFIG_URL"},
		{"token hook on the UI's public port", edit{compose, "workid-ui:4458/hooks/hydra/token", "workid-ui:4455/hooks/hydra/token"}, urls, "uses port 4455"},
		{"token hook key from another variable", edit{compose, "Bearer ${WORKID_HYDRA_TOKEN_HOOK_KEY:?set in .env}", "Bearer ${WORKID_HOOKS_KEY}"}, urls, "WORKID_HYDRA_TOKEN_HOOK_KEY"},
		{"plain-http issuer", edit{compose, "URLS_SELF_ISSUER: ${WORKID_PUBLIC_URL:?set in .env}/", "URLS_SELF_ISSUER: http://hydra.example.com:4444/"}, urls, "https"},
		{"secret with a default", edit{compose, "WORKID_HOOKS_KEY: ${WORKID_HOOKS_KEY:?set in .env}", "WORKID_HOOKS_KEY: ${WORKID_HOOKS_KEY:-dev-hooks-key-0123456789}"}, secrets, "default"},
		{"database password from another variable", edit{compose, "postgres://kratos:${KRATOS_DB_PASSWORD:?set in .env}", "postgres://kratos:${HYDRA_DB_PASSWORD}"}, secrets, "KRATOS_DB_PASSWORD"},
		{"database the init script does not create", edit{compose, "@postgres:5432/workid?", "@postgres:5432/reverify?"}, secrets, "reverify"},
		{"undocumented variable", edit{compose, "${WORKID_MX_CHECK:-false}", "${WORKID_MX_CHECKS:-false}"}, secrets, "WORKID_MX_CHECKS"},
		{"text logs", edit{compose, "      WORKID_LOG_FORMAT: json\n    depends_on:\n      postgres", "    depends_on:\n      postgres"}, workid, "JSON"},
		{"job listening on its loopback", edit{compose, "WORKID_REVERIFY_ADDR: 0.0.0.0:4457", "WORKID_REVERIFY_ADDR: 127.0.0.1:4457"}, workid, "WORKID_REVERIFY_ADDR"},
		{"a setting no process reads", edit{compose, "WORKID_UI_METRICS_ADDR: 0.0.0.0:4458", "WORKID_UI_METRIC_ADDR: 0.0.0.0:4458"}, workid, "WORKID_UI_METRIC_ADDR"},
		{"Kratos left at its development address", edit{compose, "      WORKID_KRATOS_PUBLIC_URL: http://kratos:4433\n      WORKID_KRATOS_ADMIN_URL: http://kratos:4434\n      WORKID_REVERIFY_LOCK_DSN", "      WORKID_KRATOS_ADMIN_URL: http://kratos:4434\n      WORKID_REVERIFY_LOCK_DSN"}, workid, "WORKID_KRATOS_PUBLIC_URL"},
		{"services file not in the container", edit{compose, "/etc/workid/config/services.json", "/etc/workid/config/service.json"}, workid, "service.json"},
		{"brand file not in the container", edit{compose, "/etc/workid/config/brand.json", "/etc/workid/config/brnd.json"}, workid, "brnd.json"},
		{"Kratos without its files", edit{compose, "    environment: *kratos-env\n    volumes: *ory-files\n    depends_on:\n      kratos-migrate", "    environment: *kratos-env\n    depends_on:\n      kratos-migrate"}, oryFiles, "identity.schema.json"},
		{"moving base image", edit{docker, "FROM scratch", "FROM gcr.io/distroless/static-debian12:nonroot"}, dockerFile, "nonroot"},
		{"image running as root", edit{docker, "USER 65532:65532\n# UI, hooks", "# UI, hooks"}, dockerFile, "(final) runs as root"},
		{"edge image running as root", edit{docker, "USER 65532:65532\n# HTTPS", "# HTTPS"}, dockerFile, "edge runs as root"},
		{"edge image without workid for its health check", edit{docker, "COPY --from=build /out/workid /usr/local/bin/workid\n# Caddy", "# Caddy"}, dockerFile, "service edge: the health check"},
		{"binary linked with cgo", edit{docker, "CGO_ENABLED=0 go build", "go build"}, dockerFile, "static"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			problems := tt.check(loadComposeStack(t, tt.edit))
			if !slices.ContainsFunc(problems, func(p string) bool { return strings.Contains(p, tt.want) }) {
				t.Errorf("with %q replaced by %q in %s, the check reported %q, want a problem containing %q",
					tt.edit.old, tt.edit.new, tt.edit.file, problems, tt.want)
			}
		})
	}
}

// The checks know which port serves which route: Hydra's token hook moved
// to the public port in both files at once is still caught.
func TestComposeTokenHookOnThePrivatePortOnly(t *testing.T) {
	s := loadComposeStack(t,
		edit{"docker-compose.yml", "workid-ui:4458/hooks/hydra/token", "workid-ui:4455/hooks/hydra/token"},
		edit{"config/hydra.yml", "http://127.0.0.1:4458/hooks/hydra/token", "http://127.0.0.1:4455/hooks/hydra/token"})
	const want = "serves no /hooks/hydra/token on port 4455"
	if problems := s.checkURLs(); !slices.ContainsFunc(problems, func(p string) bool { return strings.Contains(p, want) }) {
		t.Errorf("with the token hook on port 4455 in both files, checkURLs reported %q, want a problem containing %q", problems, want)
	}
	if problems := loadComposeStack(t).checkURLs(); len(problems) > 0 {
		t.Errorf("the project as it is: checkURLs reported %q", problems)
	}
}
