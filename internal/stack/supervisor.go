package stack

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Process describes a long-running program of the stack.
type Process struct {
	Name string
	Path string
	Args []string
	// Env is added to the supervisor's base environment.
	Env []string
	Dir string
	// Ports are checked to be free before the process starts.
	Ports []int
	// Ready returns nil once the process serves. It is called repeatedly.
	Ready func(ctx context.Context) error
	// AccessLog says the process is an Ory server whose request log its
	// Output may summarise (Output.SummariseAccessLogs).
	AccessLog bool
}

// waitDelay bounds how long a stopped process's output may stay open: a
// grandchild that escaped the process group cannot hang a stop forever.
const waitDelay = 5 * time.Second

// Supervisor starts processes, watches them and stops them all together.
type Supervisor struct {
	out     *Output
	environ []string
	// ReadyTimeout bounds how long a process may take to become ready.
	ReadyTimeout time.Duration

	mu       sync.Mutex
	running  []*running
	stopping bool
	// failed is closed at the first process that ends on its own;
	// failure is that process.
	failed   chan struct{}
	failOnce sync.Once
	failure  *running
}

type running struct {
	Process
	cmd  *exec.Cmd
	lw   *LineWriter
	done chan struct{} // closed when the process has ended
	err  error         // the exit status, valid after done
	// copied is closed when everything written to the process's output
	// pipe has reached lw.
	copied chan struct{}
}

// NewSupervisor returns a supervisor whose processes log to out and run with
// environ plus their own Env.
func NewSupervisor(out *Output, environ []string) *Supervisor {
	return &Supervisor{out: out, environ: environ, ReadyTimeout: 60 * time.Second, failed: make(chan struct{})}
}

// command prepares a program in its own process group (so a stop reaches
// its children too), killed by the kernel if this process dies first.
func (s *Supervisor) command(path string, args, env []string, dir string) *exec.Cmd {
	cmd := exec.Command(path, args...)
	cmd.Env = append(append([]string(nil), s.environ...), env...)
	cmd.Dir = dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.WaitDelay = waitDelay
	return cmd
}

// Run runs a short command (a migration) to completion. Its output is kept
// back and shown, prefixed with name, only when it fails. Cancelling ctx
// kills the command's whole process group.
func (s *Supervisor) Run(ctx context.Context, name, path string, args, env []string, dir string) error {
	var buf bytes.Buffer
	cmd := s.command(path, args, env, dir)
	cmd.Stdout, cmd.Stderr = &buf, &buf
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("%s %s: %w", name, strings.Join(args, " "), err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-ctx.Done():
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
		return ctx.Err()
	}
	if err != nil {
		lw := s.out.Writer(name)
		_, _ = lw.Write(tail(buf.Bytes(), 40))
		lw.Flush()
		return fmt.Errorf("%s %s: %w (the end of its output is above)", name, strings.Join(args, " "), err)
	}
	return nil
}

// tail returns the last n lines of b.
func tail(b []byte, n int) []byte {
	b = bytes.TrimRight(b, "\n")
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] == '\n' {
			if n--; n == 0 {
				return b[i+1:]
			}
		}
	}
	return b
}

// Start starts p. It fails if one of p's ports is taken or the program
// cannot be executed. Use WaitReady to wait until it serves.
func (s *Supervisor) Start(p Process) error {
	for _, port := range p.Ports {
		if err := PortFree(port); err != nil {
			return fmt.Errorf("cannot start %s: %w", p.Name, err)
		}
	}
	lw := s.out.Writer(p.Name)
	if p.AccessLog {
		lw = s.out.AccessLogWriter(p.Name)
	}
	r := &running{Process: p, lw: lw, done: make(chan struct{}), copied: make(chan struct{})}
	r.cmd = s.command(p.Path, p.Args, p.Env, p.Dir)
	// The output pipe is the supervisor's own, not one exec makes: exec's
	// Wait would also wait for the pipe to close, which a child the
	// process started holds open after the process died (Kratos runs
	// jsonnet in "kratos jsonnet" workers), and the death would go
	// unnoticed for as long.
	pr, pw, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("cannot start %s: %w", p.Name, err)
	}
	r.cmd.Stdout, r.cmd.Stderr = pw, pw
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopping {
		pr.Close()
		pw.Close()
		return fmt.Errorf("cannot start %s: the stack is stopping", p.Name)
	}
	err = r.cmd.Start()
	pw.Close() // the process has its own copy
	if err != nil {
		pr.Close()
		return fmt.Errorf("cannot start %s (%s): %w", p.Name, p.Path, err)
	}
	go func() {
		_, _ = io.Copy(r.lw, pr)
		pr.Close()
		close(r.copied)
	}()
	s.running = append(s.running, r)
	go s.watch(r)
	return nil
}

// watch waits for r to end and records it as the failure unless the stack
// was stopping.
func (s *Supervisor) watch(r *running) {
	r.err = r.cmd.Wait()
	// What the process started goes with it, and the output pipe closes.
	_ = syscall.Kill(-r.cmd.Process.Pid, syscall.SIGKILL)
	select {
	case <-r.copied:
	case <-time.After(waitDelay):
	}
	r.lw.Flush()
	close(r.done)
	s.mu.Lock()
	stopping := s.stopping
	s.mu.Unlock()
	if !stopping {
		s.failOnce.Do(func() {
			s.failure = r
			close(s.failed)
		})
	}
}

// WaitReady waits until every started process is ready, in parallel. It
// fails as soon as one exits or overruns the ready timeout.
func (s *Supervisor) WaitReady(ctx context.Context) error {
	s.mu.Lock()
	procs := append([]*running(nil), s.running...)
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, s.ReadyTimeout)
	defer cancel()
	errc := make(chan error, len(procs))
	for _, r := range procs {
		go func() { errc <- r.waitReady(ctx) }()
	}
	var errs []error
	for range procs {
		if err := <-errc; err != nil {
			errs = append(errs, err)
			cancel() // one failure is enough: stop waiting for the others
		}
	}
	return firstCause(errs)
}

func (r *running) waitReady(ctx context.Context) error {
	if r.Ready == nil {
		return nil
	}
	start := time.Now()
	// Poll quickly at first (most servers are ready in well under a
	// second), then back off so a slow start does not flood its log.
	wait := 25 * time.Millisecond
	for {
		pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		last := r.Ready(pctx)
		cancel()
		if last == nil {
			return nil
		}
		select {
		case <-r.done:
			return r.exitError()
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return fmt.Errorf("%s was not ready after %s: %v", r.Name, time.Since(start).Round(time.Second), last)
			}
			return ctx.Err()
		case <-time.After(wait):
			wait = min(2*wait, 500*time.Millisecond)
		}
	}
}

func (r *running) exitError() error {
	if r.err == nil {
		return fmt.Errorf("%s (%s) exited unexpectedly with status 0 (its log is above)", r.Name, r.Path)
	}
	return fmt.Errorf("%s (%s) exited unexpectedly: %v (its log is above)", r.Name, r.Path, r.err)
}

// Wait blocks until ctx is done (nil) or a process ends on its own (an
// error naming the first that did).
func (s *Supervisor) Wait(ctx context.Context) error {
	select {
	case <-ctx.Done():
		return nil
	case <-s.failed:
		return s.failure.exitError()
	}
}

// Stop stops every process: SIGTERM to each process group, in the reverse
// order of their start, then SIGKILL to those still running after grace.
// It returns when all have ended; no Start succeeds after it.
func (s *Supervisor) Stop(grace time.Duration) {
	s.mu.Lock()
	s.stopping = true
	procs := s.running
	s.running = nil
	s.mu.Unlock()
	for i := len(procs) - 1; i >= 0; i-- {
		_ = syscall.Kill(-procs[i].cmd.Process.Pid, syscall.SIGTERM)
	}
	deadline := time.After(grace)
	for i := len(procs) - 1; i >= 0; i-- {
		r := procs[i]
		select {
		case <-r.done:
		case <-deadline:
			for _, r := range procs {
				_ = syscall.Kill(-r.cmd.Process.Pid, syscall.SIGKILL)
			}
			<-r.done
		}
	}
	// A leader's exit does not end its children: a SIGKILL is delivered
	// asynchronously, so wait (briefly) until every group is empty.
	for _, r := range procs {
		waitGroupGone(r.cmd.Process.Pid, 2*time.Second)
	}
}

// waitGroupGone kills what is left of process group pgid until none of
// its processes is alive (zombies aside), or for at most d.
func waitGroupGone(pgid int, d time.Duration) {
	for deadline := time.Now().Add(d); time.Now().Before(deadline); {
		if len(groupAlive(pgid)) == 0 {
			return
		}
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		time.Sleep(10 * time.Millisecond)
	}
}

// groupAlive lists the live (not zombie) processes of a process group,
// read from /proc.
func groupAlive(pgid int) []int {
	entries, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// Fields after the command name: state, ppid, pgrp, ...
		f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
		if len(f) > 2 && f[0] != "Z" && f[2] == strconv.Itoa(pgid) {
			out = append(out, pid)
		}
	}
	return out
}

// ErrPortInUse is wrapped by PortFree's error.
var ErrPortInUse = errors.New("already in use")

// PortFree reports an error naming port when something already listens on
// it on the loopback interface.
func PortFree(port int) error {
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return fmt.Errorf("port %d on 127.0.0.1 is %w", port, ErrPortInUse)
	}
	return ln.Close()
}

// firstCause returns the error that is not a mere cancellation, if any.
func firstCause(errs []error) error {
	for _, err := range errs {
		if !errors.Is(err, context.Canceled) {
			return err
		}
	}
	if len(errs) > 0 {
		return errs[0]
	}
	return nil
}
