// Package pgtest starts a real PostgreSQL server from Debian's package for
// tests: a new cluster in a temporary folder, on a free loopback port,
// stopped and removed when the test (or the test harness) is done.
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// binDir finds Debian's PostgreSQL programs (/usr/lib/postgresql/N/bin),
// newest version first.
func binDir() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Sort(sort.Reverse(sort.StringSlice(dirs)))
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	return "", errors.New("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): `make test` installs postgresql-15")
}

// Start starts a server for t, stopped when t ends, and returns the DSN of
// its "postgres" database. A missing PostgreSQL fails the test with the
// reason.
func Start(t testing.TB) string {
	t.Helper()
	dsn, stop, err := StartServer()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Errorf("stop PostgreSQL: %v", err)
		}
	})
	return dsn
}

// readyTimeout bounds how long a new server may take to accept connections.
const readyTimeout = 30 * time.Second

// StartServer starts a server in a new temporary folder and returns the
// DSN of its "postgres" database (user postgres, no password) and a stop
// function that shuts the server down and removes the folder. It works
// without a testing.TB, for harnesses that start before the tests do.
//
// The server is a child process that the kernel kills if this process
// dies first, so a test binary killed by its timeout leaves no cluster
// behind.
func StartServer() (dsn string, stop func() error, err error) {
	bin, err := binDir()
	if err != nil {
		return "", nil, err
	}
	dir, err := os.MkdirTemp("", "workid-pg-")
	if err != nil {
		return "", nil, err
	}
	defer func() {
		if err != nil {
			os.RemoveAll(dir)
		}
	}()
	cred, err := serverUser(dir)
	if err != nil {
		return "", nil, err
	}
	data := filepath.Join(dir, "data")
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", data, "--auth=trust", "-U", "postgres", "--no-sync", "-E", "UTF8")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := initdb.CombinedOutput(); err != nil {
		return "", nil, fmt.Errorf("initdb: %w\n%s", err, out)
	}
	// The port is free when chosen but could be taken before the server
	// binds it: try again on another one.
	for attempt := 1; ; attempt++ {
		dsn, stop, err = serve(bin, dir, data, cred)
		if err == nil || attempt == 3 {
			return dsn, stop, err
		}
	}
}

// serverUser returns the credential to run PostgreSQL's programs with:
// PostgreSQL refuses to run as root, so as root they run as the postgres
// user, who then owns dir. Otherwise nil (the current user).
func serverUser(dir string) (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("running as root needs the postgres user: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(dir, uid, gid); err != nil {
		return nil, err
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// serve runs the postgres server on a free port and waits until it accepts
// connections.
func serve(bin, dir, data string, cred *syscall.Credential) (string, func() error, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	logPath := filepath.Join(dir, "server.log")
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return "", nil, err
	}
	defer logFile.Close() // the child keeps its own descriptor
	cmd := exec.Command(filepath.Join(bin, "postgres"), "-D", data, "-p", strconv.Itoa(port), "-k", dir,
		"-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return "", nil, fmt.Errorf("start postgres: %w", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	dsn := fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
	stop := sync.OnceValue(func() error {
		// SIGINT is PostgreSQL's fast shutdown: sessions are ended, not waited for.
		_ = cmd.Process.Signal(syscall.SIGINT)
		var err error
		select {
		case <-exited:
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
			err = errors.New("postgres did not shut down within 15s; killed")
		}
		return errors.Join(err, os.RemoveAll(dir))
	})
	deadline := time.Now().Add(readyTimeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		conn, cerr := pgx.Connect(ctx, dsn)
		if cerr == nil {
			cerr = conn.Ping(ctx)
			conn.Close(ctx)
		}
		cancel()
		if cerr == nil {
			return dsn, stop, nil
		}
		select {
		case werr := <-exited:
			log, _ := os.ReadFile(logPath)
			return "", nil, fmt.Errorf("postgres on port %d exited (%v):\n%s", port, werr, log)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			<-exited
			log, _ := os.ReadFile(logPath)
			return "", nil, fmt.Errorf("postgres on port %d not ready within %v: %v\n%s", port, readyTimeout, cerr, log)
		}
	}
}

// CreateDatabase creates the database name on the server of dsn and
// returns the DSN of the new database (same server, user and options).
func CreateDatabase(ctx context.Context, dsn, name string) (string, error) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return "", fmt.Errorf("create database %s: %w", name, err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return "", fmt.Errorf("create database %s: %w", name, err)
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return "", fmt.Errorf("create database %s: %w", name, err)
	}
	u.Path = "/" + name
	return u.String(), nil
}
