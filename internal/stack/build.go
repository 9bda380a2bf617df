package stack

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"

	"golang.org/x/mod/modfile"
)

// A server is one program built from its own module under tools/.
type server struct {
	name string // binary name and folder under tools/
	pkg  string // module path of the main package, as in go.mod's tool line
	// pinned is the module whose required version the build is named by,
	// when the main package is the tools module's own (caddy's main adds
	// WorkID's modules to Caddy's); empty for pkg's module.
	pinned  string
	cgo     bool
	tags    string
	version string // -X variable that receives the pinned version, if any
}

var servers = []server{
	{name: "kratos", pkg: "github.com/ory/kratos", cgo: true, tags: "sqlite",
		version: "github.com/ory/kratos/driver/config.Version"},
	{name: "hydra", pkg: "github.com/ory/hydra/v2", cgo: true, tags: "sqlite",
		version: "github.com/ory/hydra/v2/driver/config.Version"},
	{name: "mailpit", pkg: "github.com/axllent/mailpit",
		version: "github.com/axllent/mailpit/config.Version"},
	// The edge: Caddy with WorkID's rate limiter (tools/caddy/limit).
	// Caddy reads its own version from the build information.
	{name: "caddy", pkg: "github.com/workid/workid/tools/caddy", pinned: "github.com/caddyserver/caddy/v2"},
}

// Build makes sure bin holds kratos, hydra, mailpit and caddy built from
// the pins in root/tools. A binary is rebuilt only when its pins, its
// module's own sources, build flags or the Go version changed since it was
// built. Concurrent calls (parallel test
// packages, a second terminal) wait for each other on a lock file.
func Build(ctx context.Context, root, bin string, out io.Writer) error {
	if err := os.MkdirAll(bin, 0o755); err != nil {
		return fmt.Errorf("build servers: %w", err)
	}
	unlock, err := lockFile(filepath.Join(bin, ".build.lock"))
	if err != nil {
		return fmt.Errorf("build servers: %w", err)
	}
	defer unlock()

	// The toolchain that builds the servers, which may differ from the one
	// that built this program (GOTOOLCHAIN, another go on PATH).
	goVersion, err := exec.CommandContext(ctx, "go", "env", "GOVERSION").Output()
	if err != nil {
		return fmt.Errorf("build servers: go env GOVERSION: %w (is Go installed and on PATH?)", err)
	}
	for _, s := range servers {
		if err := s.build(ctx, root, bin, strings.TrimSpace(string(goVersion)), out); err != nil {
			return err
		}
	}
	return nil
}

func (s server) build(ctx context.Context, root, bin, goVersion string, out io.Writer) error {
	dir := filepath.Join(root, "tools", s.name)
	version, stamp, err := s.pin(dir, goVersion)
	if err != nil {
		return fmt.Errorf("build %s (%s): %w", s.name, dir, err)
	}
	target := filepath.Join(bin, s.name)
	stampFile := filepath.Join(bin, "."+s.name+".pin")
	if old, err := os.ReadFile(stampFile); err == nil && string(old) == stamp {
		if _, err := os.Stat(target); err == nil {
			return nil
		}
	}

	fmt.Fprintf(out, "building %s %s from the Go module proxy into %s (the first build takes a few minutes)\n", s.name, version, target)
	args := []string{"build", "-o", target}
	if s.tags != "" {
		args = append(args, "-tags", s.tags)
	}
	if s.version != "" {
		args = append(args, "-ldflags", fmt.Sprintf("-s -w -X %s=%s", s.version, version))
	} else {
		args = append(args, "-ldflags", "-s -w")
	}
	args = append(args, s.pkg)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED="+map[bool]string{true: "1", false: "0"}[s.cgo])
	var stderr bytes.Buffer
	cmd.Stdout = out
	cmd.Stderr = io.MultiWriter(out, &stderr)
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("build %s (go %s in %s): %w: %s", s.name, strings.Join(args, " "), dir, err, lastLine(stderr.String()))
	}
	if err := os.WriteFile(stampFile, []byte(stamp), 0o644); err != nil {
		return fmt.Errorf("build %s: %w", s.name, err)
	}
	return nil
}

// pin returns the pinned version of s and a stamp of everything its binary
// depends on: go.mod, go.sum, the module's own Go files (caddy's limiter),
// the build flags and the Go toolchain.
func (s server) pin(dir, goVersion string) (version, stamp string, err error) {
	gomod, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		return "", "", err
	}
	gosum, err := os.ReadFile(filepath.Join(dir, "go.sum"))
	if err != nil {
		return "", "", err
	}
	mf, err := modfile.Parse("go.mod", gomod, nil)
	if err != nil {
		return "", "", err
	}
	pinned := s.pkg
	if s.pinned != "" {
		pinned = s.pinned
	}
	for _, r := range mf.Require {
		if r.Mod.Path == pinned || strings.HasPrefix(pinned, r.Mod.Path+"/") {
			version = r.Mod.Version
		}
	}
	if version == "" {
		return "", "", fmt.Errorf("go.mod does not require %s", pinned)
	}
	sources, err := goSources(dir)
	if err != nil {
		return "", "", err
	}
	h := sha256.New()
	for _, part := range append([][]byte{gomod, gosum, []byte(s.tags), []byte(s.version), []byte(goVersion)}, sources...) {
		h.Write(part)
		h.Write([]byte{0})
	}
	return version, hex.EncodeToString(h.Sum(nil)), nil
}

// goSources returns the name and content of every Go file of the module
// in dir that goes into its binary (not its tests), in a fixed order.
func goSources(dir string) ([][]byte, error) {
	var parts [][]byte
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != dir && strings.HasPrefix(d.Name(), ".") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		parts = append(parts, []byte(filepath.ToSlash(rel)), b)
		return nil
	})
	return parts, err
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	if s == "" {
		return "no output"
	}
	return s
}

// lockFile takes an exclusive lock on path, creating it, and returns its release.
func lockFile(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
