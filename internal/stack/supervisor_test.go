package stack

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the supervisor's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newTestSupervisor() (*Supervisor, *syncBuffer) {
	var out syncBuffer
	return NewSupervisor(NewOutput(&out, "a", "b"), nil), &out
}

func sh(name, script string) Process {
	return Process{Name: name, Path: "/bin/sh", Args: []string{"-c", script}}
}

func TestSupervisorReportsAProcessThatDies(t *testing.T) {
	s, out := newTestSupervisor()
	defer s.Stop(time.Second)
	if err := s.Start(sh("a", "sleep 30")); err != nil {
		t.Fatal(err)
	}
	if err := s.Start(sh("b", "echo starting; exit 3")); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	err := s.Wait(ctx)
	if err == nil || !strings.Contains(err.Error(), "b (/bin/sh) exited unexpectedly: exit status 3") {
		t.Errorf("Wait = %v, want b's exit named", err)
	}
	if !strings.Contains(out.String(), "b | starting\n") {
		t.Errorf("output %q lacks b's prefixed line", out.String())
	}
}

func TestSupervisorWaitReady(t *testing.T) {
	s, _ := newTestSupervisor()
	defer s.Stop(time.Second)
	ready := make(chan struct{})
	p := sh("a", "sleep 30")
	p.Ready = func(context.Context) error {
		select {
		case <-ready:
			return nil
		default:
			return errors.New("not yet")
		}
	}
	if err := s.Start(p); err != nil {
		t.Fatal(err)
	}
	time.AfterFunc(100*time.Millisecond, func() { close(ready) })
	if err := s.WaitReady(t.Context()); err != nil {
		t.Errorf("WaitReady = %v, want nil once ready", err)
	}

	// A process that dies before it is ready fails WaitReady at once.
	dying := sh("b", "exit 1")
	dying.Ready = func(context.Context) error { return errors.New("never") }
	if err := s.Start(dying); err != nil {
		t.Fatal(err)
	}
	if err := s.WaitReady(t.Context()); err == nil || !strings.Contains(err.Error(), "b (/bin/sh) exited unexpectedly") {
		t.Errorf("WaitReady with a dying process = %v, want its exit", err)
	}
}

func TestSupervisorReadyTimeout(t *testing.T) {
	s, _ := newTestSupervisor()
	defer s.Stop(time.Second)
	s.ReadyTimeout = 300 * time.Millisecond
	p := sh("a", "sleep 30")
	p.Ready = func(context.Context) error { return errors.New("connection refused") }
	if err := s.Start(p); err != nil {
		t.Fatal(err)
	}
	err := s.WaitReady(t.Context())
	if err == nil || !strings.Contains(err.Error(), "a was not ready after") || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("WaitReady = %v, want a timeout naming a and the last probe error", err)
	}
}

// Stop ends processes that ignore SIGTERM and their children, and a stop
// is not reported as a failure.
func TestSupervisorStop(t *testing.T) {
	s, _ := newTestSupervisor()
	if err := s.Start(sh("a", `trap "" TERM; sleep 30 & wait`)); err != nil {
		t.Fatal(err)
	}
	if err := s.Start(sh("b", "sleep 30")); err != nil {
		t.Fatal(err)
	}
	pids := []int{s.running[0].cmd.Process.Pid, s.running[1].cmd.Process.Pid}
	time.Sleep(100 * time.Millisecond) // let the trap be set
	start := time.Now()
	s.Stop(500 * time.Millisecond)
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("Stop took %s", took)
	}
	for _, pid := range pids {
		if alive := groupAlive(pid); len(alive) > 0 {
			t.Errorf("process group %d still has live processes %v after Stop", pid, alive)
		}
	}
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	if err := s.Wait(ctx); err != nil {
		t.Errorf("Wait after Stop = %v, want nil: a stop is not a failure", err)
	}
	if err := s.Start(sh("a", "true")); err == nil {
		t.Error("Start after Stop succeeded, want an error")
	}
}

func TestSupervisorRun(t *testing.T) {
	s, out := newTestSupervisor()
	if err := s.Run(t.Context(), "a", "/bin/sh", []string{"-c", "echo quiet"}, nil, ""); err != nil {
		t.Fatal(err)
	}
	if out.String() != "" {
		t.Errorf("a successful Run printed %q, want nothing", out.String())
	}
	err := s.Run(t.Context(), "a", "/bin/sh", []string{"-c", "echo one; echo two >&2; exit 4"}, nil, "")
	if err == nil || !strings.Contains(err.Error(), "exit status 4") {
		t.Errorf("Run = %v, want exit status 4", err)
	}
	if got := out.String(); !strings.Contains(got, "a | one\n") || !strings.Contains(got, "a | two\n") {
		t.Errorf("a failed Run printed %q, want its output prefixed", got)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := s.Run(ctx, "a", "/bin/sh", []string{"-c", "sleep 30 & wait"}, nil, ""); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Run past its context = %v, want DeadlineExceeded", err)
	}
	if took := time.Since(start); took > 6*time.Second {
		t.Errorf("Run took %s after its context ended", took)
	}
}
