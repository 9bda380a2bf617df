package stack

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"

	"golang.org/x/mod/modfile"
)

// A server is one program built from its own module under tools/.
type server struct {
	name    string // binary name and folder under tools/
	pkg     string // module path of the main package, as in go.mod's tool line
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
}

// Build makes sure bin holds kratos, hydra and mailpit built from the pins in
// root/tools. A binary is rebuilt only when its pins, build flags or the Go
// version changed since it was built. Concurrent calls (parallel test
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
// depends on: go.mod, go.sum, the build flags and the Go toolchain.
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
	for _, r := range mf.Require {
		if r.Mod.Path == s.pkg || strings.HasPrefix(s.pkg, r.Mod.Path+"/") {
			version = r.Mod.Version
		}
	}
	if version == "" {
		return "", "", fmt.Errorf("go.mod does not require %s", s.pkg)
	}
	h := sha256.New()
	for _, part := range [][]byte{gomod, gosum, []byte(s.tags), []byte(s.version), []byte(goVersion)} {
		h.Write(part)
		h.Write([]byte{0})
	}
	return version, hex.EncodeToString(h.Sum(nil)), nil
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
