package kratosapi

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"
)

// verificationFlow is a native verification flow as Kratos's public API
// starts it, offering the link method.
const verificationFlow = `{"id":"9a7c4f1e-0a3b-4c5d-8e6f-112233445566","type":"api","state":"choose_method","active":"link",
 "ui":{"action":"http://kratos/self-service/verification?flow=9a7c4f1e","method":"POST","nodes":[]}}`

// kratosAnswering is a Kratos public API that starts flows with start
// and answers submissions with submit.
func kratosAnswering(t *testing.T, start, submit http.HandlerFunc) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /self-service/verification/api", start)
	mux.HandleFunc("POST /self-service/verification", submit)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

func startFlow(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Write([]byte(verificationFlow))
}

func answer(status int) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		if status == http.StatusOK {
			w.Write([]byte(verificationFlow))
			return
		}
		w.Write([]byte(`{"error":{"code":` + strconv.Itoa(status) + `,"message":"no"}}`))
	}
}

// kratosGoneAfterStart is a Kratos public API that starts a flow and
// then stops listening, so the submission cannot connect.
func kratosGoneAfterStart(t *testing.T) string {
	t.Helper()
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "close")
		startFlow(w, r)
		srv.Listener.Close()
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// hangUp reads the submission and closes the connection unanswered.
func hangUp(w http.ResponseWriter, _ *http.Request) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err == nil {
		conn.Close()
	}
}

// stall holds the request until the caller gives up. The server sees the
// caller go only once the body is read.
func stall(_ http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, r.Body)
	<-r.Context().Done()
}

// A failed send wraps ErrMaybeSent exactly when Kratos may have queued
// the mail: its submission got a server error, no answer or a late one.
// A refused submission, a flow that could not be started and a Kratos
// that could not be reached sent nothing.
func TestSendVerificationSaysWhetherTheMailMayHaveGone(t *testing.T) {
	dead := func() string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ln.Close()
		return "http://" + ln.Addr().String()
	}
	serve := func(start, submit http.HandlerFunc) func() string {
		return func() string { return kratosAnswering(t, start, submit) }
	}
	for _, tc := range []struct {
		name      string
		url       func() string
		fails     bool
		maybeSent bool
	}{
		{"sent", serve(startFlow, answer(http.StatusOK)), false, false},
		{"submission refused", serve(startFlow, answer(http.StatusBadRequest)), true, false},
		{"server error on submission", serve(startFlow, answer(http.StatusInternalServerError)), true, true},
		{"submission unanswered", serve(startFlow, hangUp), true, true},
		{"submission answered too late", serve(startFlow, stall), true, true},
		{"flow not started", serve(answer(http.StatusInternalServerError), answer(http.StatusOK)), true, false},
		{"flow started too late", serve(stall, answer(http.StatusOK)), true, false},
		{"Kratos unreachable", dead, true, false},
		{"Kratos gone before the submission", func() string { return kratosGoneAfterStart(t) }, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
			defer cancel()
			_, err := SendVerification(ctx, New(tc.url()), "ann@acme.com", nil)
			if (err != nil) != tc.fails {
				t.Fatalf("err = %v, want failure %v", err, tc.fails)
			}
			if got := errors.Is(err, ErrMaybeSent); got != tc.maybeSent {
				t.Errorf("err = %v: may have been sent %v, want %v", err, got, tc.maybeSent)
			}
		})
	}
}
