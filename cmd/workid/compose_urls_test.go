package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/template"
	"github.com/compose-spec/compose-go/v2/types"

	"github.com/workid/workid/config"
	"github.com/workid/workid/internal/stack"
)

// checkURLs checks the Kratos and Hydra overrides against kratos.yml and
// config/hydra.yml, and the pages, hooks and probes they name against the
// routes WorkID serves.
func (s *composeStack) checkURLs() []string {
	var problems []string
	for _, name := range s.serviceNames() {
		kind, ok := s.oryServer(name)
		if !ok {
			continue
		}
		svc, doc, file := s.p.Services[name], s.oryDoc(kind), s.oryFile(kind)
		env := envOf(svc)
		// Whatever the file points at on the development machine must be
		// overridden, or production would use it.
		walkLeaves(doc, nil, func(at []string, v any) {
			str, ok := v.(string)
			if !ok || !isDevValue(str) {
				return
			}
			key := strings.ToUpper(strings.Join(at, "_"))
			if !overridden(env, key) {
				problems = append(problems, fmt.Sprintf("service %s: %s has %s: %q, and docker-compose.yml does not override it with %s", name, file, strings.Join(at, "."), str, key))
			}
		})
		for _, k := range slices.Sorted(maps.Keys(env)) {
			if fv, at, ok := stack.LookupSetting(doc, strings.ToLower(k)); ok {
				problems = append(problems, s.compareWithFile(name, k, env[k], fv, file+" "+at)...)
			}
			if strings.HasSuffix(k, "_AUTH_CONFIG_VALUE") {
				problems = append(problems, s.checkHookKey(name, k, env)...)
			}
		}
		if kind == "hydra" && !slices.Contains(svc.Command, "--dev") {
			if u, err := url.Parse(env["URLS_SELF_ISSUER"]); err != nil || u.Scheme != "https" {
				problems = append(problems, fmt.Sprintf("service %s: URLS_SELF_ISSUER=%s: Hydra without --dev refuses an issuer that is not https", name, env["URLS_SELF_ISSUER"]))
			}
		}
	}
	for _, name := range s.serviceNames() {
		svc := s.p.Services[name]
		if cmd := s.workidCommand(name); cmd != "" && svc.HealthCheck != nil {
			for _, arg := range svc.HealthCheck.Test {
				if u, err := url.Parse(arg); err == nil && u.Host != "" && !s.routes[cmd].has(urlPort(u), u.Path) {
					problems = append(problems, fmt.Sprintf("service %s: the health check asks for %s on port %d, where `workid %s` does not serve it (%s)", name, u.Path, urlPort(u), cmd, routeDirs[cmd]))
				}
			}
		}
	}
	return problems
}

// compareWithFile checks an override against the value it replaces: a URL
// keeps its path (one configuration, not two), goes to the same port when
// it stays on the compose network, or to the public address of what
// listens on that development port when it leaves it; and a page or hook
// must be one the UI or the hooks server serves.
func (s *composeStack) compareWithFile(svc, key, val string, file any, where string) []string {
	switch f := file.(type) {
	case string:
		return s.compareURL(svc, key, val, f, where)
	case []any:
		var vals []string
		if err := json.Unmarshal([]byte(val), &vals); err != nil || len(vals) != len(f) {
			return []string{fmt.Sprintf("service %s: %s=%s is not a JSON list of %d like %s", svc, key, val, len(f), where)}
		}
		var problems []string
		for i, fv := range f {
			if str, ok := fv.(string); ok {
				problems = append(problems, s.compareURL(svc, fmt.Sprintf("%s[%d]", key, i), vals[i], str, where)...)
			}
		}
		return problems
	}
	return nil
}

func (s *composeStack) compareURL(svc, key, val, file, where string) []string {
	fu, err := url.Parse(file)
	if err != nil || fu.Host == "" || !slices.Contains([]string{"http", "https", "smtp"}, fu.Scheme) {
		return nil
	}
	vu, err := url.Parse(val)
	if err != nil || vu.Host == "" {
		return []string{fmt.Sprintf("service %s: %s=%q is not a URL, but %s is %s", svc, key, val, where, file)}
	}
	var problems []string
	if cleanPath(vu.Path) != cleanPath(fu.Path) {
		problems = append(problems, fmt.Sprintf("service %s: %s=%s has the path %q, but %s is %s: one configuration, not two", svc, key, val, vu.Path, where, file))
	}
	port := urlPort(fu)
	if _, internal := s.p.Services[vu.Hostname()]; internal {
		if urlPort(vu) != port {
			problems = append(problems, fmt.Sprintf("service %s: %s=%s uses port %d, but %s is %s: containers listen on the development ports", svc, key, val, urlPort(vu), where, file))
		}
	} else if vu.Scheme == "http" || vu.Scheme == "https" {
		public := s.publicOrigins()
		switch want, ok := public[port]; {
		case !ok:
			problems = append(problems, fmt.Sprintf("service %s: %s=%s leaves the compose network, but %s (%s) is no public address", svc, key, val, where, file))
		case origin(vu) != origin(mustParse(want)):
			problems = append(problems, fmt.Sprintf("service %s: %s=%s, but the public address of port %d (%s) is %s, as the UI is told", svc, key, val, port, where, want))
		}
	}
	// The file's port is the listener's development port, both for an
	// address on the compose network and for a public one. Browsers reach
	// the UI's pages through the edge.
	if port == s.dev.Edge {
		port = s.dev.UI
	}
	if cmd, ok := s.targetCommand(vu); ok && !s.routes[cmd].has(port, vu.Path) {
		problems = append(problems, fmt.Sprintf("service %s: %s=%s: `workid %s` serves no %s on port %d (its routes are in %s)", svc, key, val, cmd, cleanPath(vu.Path), port, routeDirs[cmd]))
	}
	return problems
}

// publicOrigins are the addresses browsers use, by development port: the
// edge's, as the UI is told it (checkEdge checks that the edge serves it).
func (s *composeStack) publicOrigins() map[int]string {
	ui := envOf(s.p.Services[s.serviceRunning("ui")])
	return map[int]string{s.dev.Edge: ui["WORKID_UI_PUBLIC_URL"]}
}

// targetCommand returns the `workid` command a URL reaches: by service name
// on the compose network, or the UI by its public address.
func (s *composeStack) targetCommand(u *url.URL) (string, bool) {
	if cmd := s.workidCommand(u.Hostname()); cmd != "" {
		return cmd, true
	}
	ui := s.serviceRunning("ui")
	if pub, ok := envOf(s.p.Services[ui])["WORKID_UI_PUBLIC_URL"]; ok && origin(u) == origin(mustParse(pub)) {
		return "ui", true
	}
	return "", false
}

// checkHookKey checks that the key an Ory server sends with a hook is the
// key the receiving `workid` command expects, from the same .env variable.
func (s *composeStack) checkHookKey(svc, key string, env map[string]string) []string {
	urlKey := strings.TrimSuffix(key, "_AUTH_CONFIG_VALUE") + "_URL"
	u, err := url.Parse(env[urlKey])
	if err != nil || u.Host == "" {
		return []string{fmt.Sprintf("service %s sets %s without %s", svc, key, urlKey)}
	}
	cmd := s.workidCommand(u.Hostname())
	setting, ok := hookKeys[cmd]
	if !ok {
		return []string{fmt.Sprintf("service %s: %s sends a key to %s, which is no `workid` command with a key", svc, key, u.Hostname())}
	}
	expected := envOf(s.p.Services[u.Hostname()])[setting]
	var problems []string
	if env[key] != config.HooksAuthScheme+expected {
		problems = append(problems, fmt.Sprintf("service %s: %s is %q, but %s expects %q (%s)", svc, key, s.describe(env[key]), u.Hostname(), config.HooksAuthScheme+s.describe(expected), setting))
	}
	if expected != s.env[setting] {
		problems = append(problems, fmt.Sprintf("service %s: %s=%q, not ${%s} from .env", u.Hostname(), setting, s.describe(expected), setting))
	}
	return problems
}

// describe shows a value with each tagged secret as ${NAME}.
func (s *composeStack) describe(v string) string {
	for name := range s.example {
		if isSecret(name) {
			tag := strings.Trim(secretTag(name, ""), `"[]`)
			v = strings.ReplaceAll(v, tag, "${"+name+"}")
		}
	}
	return v
}

func (s *composeStack) checkSecrets() []string {
	var problems []string
	vars := template.ExtractVariables(s.raw, nil)
	for _, name := range slices.Sorted(maps.Keys(vars)) {
		v := vars[name]
		example, documented := s.example[name]
		switch {
		case !documented:
			problems = append(problems, fmt.Sprintf("docker-compose.yml reads ${%s}, which .env.example does not document", name))
		case isSecret(name) && v.DefaultValue != "":
			problems = append(problems, fmt.Sprintf("docker-compose.yml gives the secret ${%s} a default: secrets come from .env only", name))
		case isSecret(name) && !v.Required:
			problems = append(problems, fmt.Sprintf("docker-compose.yml never requires ${%s} (${%s:?set in .env}): it would start with an empty secret", name, name))
		case isSecret(name) && !strings.Contains(example, "change-me"):
			problems = append(problems, fmt.Sprintf(".env.example gives %s a value that does not look like a placeholder: use change-me...", name))
		case !isSecret(name) && v.DefaultValue != "" && v.DefaultValue != example:
			problems = append(problems, fmt.Sprintf("docker-compose.yml defaults ${%s} to %q, but .env.example documents %q", name, v.DefaultValue, example))
		}
	}
	for _, name := range slices.Sorted(maps.Keys(s.example)) {
		if _, used := vars[name]; !used {
			problems = append(problems, fmt.Sprintf(".env.example documents %s, which docker-compose.yml does not read", name))
		}
	}
	// A setting named like a .env secret takes that secret.
	for _, name := range s.serviceNames() {
		env := envOf(s.p.Services[name])
		for _, k := range slices.Sorted(maps.Keys(env)) {
			if want, ok := s.env[k]; ok && isSecret(k) && env[k] != want {
				problems = append(problems, fmt.Sprintf("service %s: %s=%q, not ${%s}", name, k, s.describe(env[k]), k))
			}
		}
	}
	problems = append(problems, s.checkOrySecrets()...)
	return append(problems, s.checkDatabases()...)
}

// orySecretLengths are the length rules of Kratos's and Hydra's secrets
// (their configuration schemas): at least min, or exactly exact characters.
var orySecretLengths = map[string]struct{ min, exact int }{
	"SECRETS_COOKIE": {min: 16},
	"SECRETS_CIPHER": {exact: 32},
	"SECRETS_SYSTEM": {min: 16},
}

// checkOrySecrets checks that each Ory secret comes from one .env variable
// whose example has the shape the server needs: a JSON list of strings.
func (s *composeStack) checkOrySecrets() []string {
	var problems []string
	for _, name := range s.serviceNames() {
		if _, ok := s.oryServer(name); !ok {
			continue
		}
		env := envOf(s.p.Services[name])
		for _, k := range slices.Sorted(maps.Keys(env)) {
			if !strings.HasPrefix(k, "SECRETS_") {
				continue
			}
			v := s.describe(env[k])
			m := regexp.MustCompile(`^\["\$\{(\w+)\}"\]$`).FindStringSubmatch(v)
			if m == nil {
				problems = append(problems, fmt.Sprintf("service %s: %s=%s does not come from one .env variable", name, k, v))
				continue
			}
			var list []string
			if err := json.Unmarshal([]byte(s.example[m[1]]), &list); err != nil || len(list) == 0 {
				problems = append(problems, fmt.Sprintf(".env.example: %s=%s is not a JSON list of strings, as %s needs", m[1], s.example[m[1]], k))
				continue
			}
			rule := orySecretLengths[k]
			for _, secret := range list {
				if (rule.exact > 0 && len(secret) != rule.exact) || len(secret) < rule.min {
					problems = append(problems, fmt.Sprintf(".env.example: %s has a secret of %d characters; %s needs %+v", m[1], len(secret), k, rule))
				}
			}
		}
	}
	return problems
}

// initScript is what config/postgres/init-databases.sh creates.
type initScript struct {
	passwords map[string]string // role -> environment variable with its password
	owners    map[string]string // database -> owner role
}

func parseInitScript(sh string) initScript {
	psqlVars := map[string]string{}
	for _, m := range regexp.MustCompile(`-v (\w+)="\$(\w+)"`).FindAllStringSubmatch(sh, -1) {
		psqlVars[m[1]] = m[2]
	}
	is := initScript{passwords: map[string]string{}, owners: map[string]string{}}
	for _, m := range regexp.MustCompile(`CREATE USER (\w+) WITH PASSWORD :'(\w+)'`).FindAllStringSubmatch(sh, -1) {
		is.passwords[m[1]] = psqlVars[m[2]]
	}
	for _, m := range regexp.MustCompile(`CREATE DATABASE (\w+) OWNER (\w+)`).FindAllStringSubmatch(sh, -1) {
		is.owners[m[1]] = m[2]
	}
	return is
}

// checkDatabases checks every postgres:// URL against the init script and
// the environment the postgres service gives it.
func (s *composeStack) checkDatabases() []string {
	var problems []string
	pg := s.serviceWithImage("postgres")
	if pg == "" {
		return []string{"no service runs the postgres image"}
	}
	svc := s.p.Services[pg]
	is := parseInitScript(s.initScript)
	if len(is.passwords) == 0 {
		return []string{"config/postgres/init-databases.sh creates no role"}
	}
	if !slices.ContainsFunc(svc.Volumes, func(v types.ServiceVolumeConfig) bool {
		return strings.HasPrefix(v.Target, "/docker-entrypoint-initdb.d/") && strings.HasSuffix(v.Source, filepath.FromSlash("config/postgres/init-databases.sh"))
	}) {
		problems = append(problems, fmt.Sprintf("service %s does not mount config/postgres/init-databases.sh into /docker-entrypoint-initdb.d", pg))
	}
	pgEnv := envOf(svc)
	for _, role := range slices.Sorted(maps.Keys(is.passwords)) {
		if _, ok := pgEnv[is.passwords[role]]; !ok {
			problems = append(problems, fmt.Sprintf("service %s does not pass %s, the password init-databases.sh gives %s", pg, is.passwords[role], role))
		}
	}
	for _, name := range s.serviceNames() {
		env := envOf(s.p.Services[name])
		for _, k := range slices.Sorted(maps.Keys(env)) {
			u, err := url.Parse(env[k])
			if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Hostname() != pg {
				continue
			}
			role, pw := u.User.Username(), ""
			if p, ok := u.User.Password(); ok {
				pw = p
			}
			db := strings.TrimPrefix(u.Path, "/")
			switch envVar, ok := is.passwords[role]; {
			case !ok:
				problems = append(problems, fmt.Sprintf("service %s: %s connects as %s, a role init-databases.sh does not create", name, k, role))
			case pw != pgEnv[envVar]:
				problems = append(problems, fmt.Sprintf("service %s: %s connects as %s with %q, but init-databases.sh gives %s ${%s}", name, k, role, s.describe(pw), role, envVar))
			}
			if owner, ok := is.owners[db]; !ok || owner != role {
				problems = append(problems, fmt.Sprintf("service %s: %s uses the database %q, which init-databases.sh does not create for %s", name, k, db, role))
			}
		}
	}
	return problems
}
