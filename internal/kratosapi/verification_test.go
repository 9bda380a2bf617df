package kratosapi

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	kratos "github.com/ory/kratos-client-go"
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

// deadURL is an address nothing listens on (tcpmux, unused here).
const deadURL = "http://127.0.0.1:1"

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

// unreadable answers 200 with a body that is not a flow.
func unreadable(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Write([]byte(`{"id":`))
}

// hangUp reads the request and closes the connection unanswered.
func hangUp(w http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, r.Body)
	conn, _, err := http.NewResponseController(w).Hijack()
	if err == nil {
		conn.Close()
	}
}

// A failed send wraps ErrMaybeSent exactly when Kratos may have queued
// the mail: its whole submission reached Kratos, and the answer was lost,
// late, unreadable, a server error or a 400 (Kratos's answer to a
// database error after queueing). A flow that could not be started, a
// submission that never reached Kratos and one Kratos refused before
// acting (404: no such flow) sent nothing.
func TestSendVerificationSaysWhetherTheMailMayHaveGone(t *testing.T) {
	// giveUp is the caller giving up once Kratos has the request: a
	// late answer, with no timer to race.
	var giveUp context.CancelFunc
	late := func(_ http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body) // the server sees the caller go only once the body is read
		giveUp()
		<-r.Context().Done()
	}
	serve := func(start, submit http.HandlerFunc) func() *kratos.APIClient {
		return func() *kratos.APIClient { return New(kratosAnswering(t, start, submit)) }
	}
	// The submission goes through a proxy that is down; the flow starts.
	throughDeadProxy := func() *kratos.APIClient {
		start := kratosAnswering(t, startFlow, answer(http.StatusOK))
		proxy, _ := url.Parse(deadURL)
		client := &http.Client{Transport: &http.Transport{Proxy: func(r *http.Request) (*url.URL, error) {
			if r.Method == http.MethodPost {
				return proxy, nil
			}
			return nil, nil
		}}}
		return NewWithClient(start, client)
	}
	const started, submitted = "start a verification flow", "submit the verification flow"
	for _, tc := range []struct {
		name      string
		client    func() *kratos.APIClient
		stage     string // "" for a send that succeeds
		maybeSent bool
	}{
		{"sent", serve(startFlow, answer(http.StatusOK)), "", false},
		{"no such flow", serve(startFlow, answer(http.StatusNotFound)), submitted, false},
		{"a 400 after the mail may be queued", serve(startFlow, answer(http.StatusBadRequest)), submitted, true},
		{"server error on submission", serve(startFlow, answer(http.StatusInternalServerError)), submitted, true},
		{"sent, answer unreadable", serve(startFlow, unreadable), submitted, true},
		{"submission unanswered", serve(startFlow, hangUp), submitted, true},
		{"submission answered too late", serve(startFlow, late), submitted, true},
		{"flow not started", serve(answer(http.StatusInternalServerError), answer(http.StatusOK)), started, false},
		{"flow started too late", serve(late, answer(http.StatusOK)), started, false},
		{"Kratos unreachable", func() *kratos.APIClient { return New(deadURL) }, started, false},
		{"Kratos gone before the submission", func() *kratos.APIClient { return New(kratosGoneAfterStart(t)) }, submitted, false},
		{"the proxy to Kratos down", throughDeadProxy, submitted, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()
			giveUp = cancel
			_, err := SendVerification(ctx, tc.client(), "ann@acme.com", nil)
			switch {
			case tc.stage == "" && err != nil:
				t.Fatalf("err = %v, want none", err)
			case tc.stage != "" && (err == nil || !strings.HasPrefix(err.Error(), tc.stage)):
				t.Fatalf("err = %v, want a failure to %s", err, tc.stage)
			}
			if got := errors.Is(err, ErrMaybeSent); got != tc.maybeSent {
				t.Errorf("err = %v: may have been sent %v, want %v", err, got, tc.maybeSent)
			}
		})
	}
}
