package httpserver

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func TestReadyzNamesWhatIsNotReady(t *testing.T) {
	_, readyz := Health(map[string]Check{
		"kratos": func(context.Context) error { return errors.New("dial tcp 10.0.0.1:4434: connection refused") },
		"hydra":  func(context.Context) error { return nil },
	}, quiet)
	rec := httptest.NewRecorder()
	readyz(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	if rec.Code != http.StatusServiceUnavailable {
		t.Errorf("readyz with kratos down = %d, want 503", rec.Code)
	}
	body := rec.Body.String()
	if !strings.Contains(body, "kratos: not reachable") || strings.Contains(body, "hydra") {
		t.Errorf("readyz body = %q, want only kratos named", body)
	}
	if strings.Contains(body, "10.0.0.1") {
		t.Errorf("readyz body = %q leaks the internal cause", body)
	}
}

// Many calls at once ask the dependencies once: a public /readyz cannot be
// used to flood Kratos.
func TestReadyzAsksAtMostOnceASecond(t *testing.T) {
	var calls atomic.Int32
	_, readyz := Health(map[string]Check{
		"kratos": func(context.Context) error { calls.Add(1); time.Sleep(50 * time.Millisecond); return nil },
	}, quiet)
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			rec := httptest.NewRecorder()
			readyz(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
			if rec.Code != http.StatusOK {
				t.Errorf("readyz = %d, want 200", rec.Code)
			}
		})
	}
	wg.Wait()
	if n := calls.Load(); n != 1 {
		t.Errorf("20 concurrent calls ran the check %d times, want 1", n)
	}
	time.Sleep(readyFor + 10*time.Millisecond)
	readyz(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/readyz", nil))
	if n := calls.Load(); n != 2 {
		t.Errorf("a call after %s ran the check %d times in all, want 2 (the answer is reused only that long)", readyFor, n)
	}
}

func TestServeStopsGracefully(t *testing.T) {
	ln, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		done <- Serve(ctx, ln, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "hi") }), quiet)
	}()
	resp, err := http.Get("http://" + ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Serve after cancel = %v, want nil", err)
	}
	if _, err := http.Get("http://" + ln.Addr().String()); err == nil {
		t.Error("the server still answers after it stopped")
	}
}

func TestListenNamesTheAddress(t *testing.T) {
	ln, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, err = Listen(ln.Addr().String())
	if err == nil || !strings.Contains(err.Error(), "listen on "+ln.Addr().String()) {
		t.Errorf("Listen(taken) = %v, want an error naming %s", err, ln.Addr())
	}
}
