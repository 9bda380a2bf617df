package hooks

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/workid/workid/config"
	"github.com/workid/workid/internal/businessemail"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

const testKey = "0123456789abcdef0123456789"

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func testPolicy(t testing.TB) *businessemail.Policy {
	t.Helper()
	p, err := businessemail.LoadPolicy(context.Background(), "../config/lists/node_modules", businessemail.OperatorFiles{}, quiet)
	if err != nil {
		t.Fatalf("LoadPolicy: %v (run `make lists`)", err)
	}
	return p
}

// fakeMX answers the MX check for a unit test of the handler.
type fakeMX struct {
	accepts bool
	err     error
}

func (f fakeMX) AcceptsMail(context.Context, string) (bool, error) { return f.accepts, f.err }

func call(h http.Handler, path, auth, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestHookTransport(t *testing.T) {
	valid := `{"flow_id":"f","flow_type":"api","identity_id":"00000000-0000-0000-0000-000000000000","traits":{"email":"ann@acme-widgets.com"}}`
	tests := []struct {
		name   string
		method string
		path   string
		auth   string
		body   string
		want   int
	}{
		{"registration", http.MethodPost, "/hooks/registration", config.HooksAuthScheme + testKey, valid, http.StatusOK},
		{"settings", http.MethodPost, "/hooks/settings", config.HooksAuthScheme + testKey, valid, http.StatusOK},
		{"no key", http.MethodPost, "/hooks/registration", "", valid, http.StatusUnauthorized},
		{"wrong key", http.MethodPost, "/hooks/registration", config.HooksAuthScheme + testKey + "x", valid, http.StatusUnauthorized},
		{"key without scheme", http.MethodPost, "/hooks/registration", testKey, valid, http.StatusUnauthorized},
		{"wrong method", http.MethodGet, "/hooks/registration", config.HooksAuthScheme + testKey, "", http.StatusMethodNotAllowed},
		{"too large", http.MethodPost, "/hooks/registration", config.HooksAuthScheme + testKey, `{"x":"` + strings.Repeat("a", maxBody) + `"}`, http.StatusRequestEntityTooLarge},
		{"malformed json", http.MethodPost, "/hooks/registration", config.HooksAuthScheme + testKey, `{"traits":`, http.StatusBadRequest},
		{"unknown hook", http.MethodPost, "/hooks/login", config.HooksAuthScheme + testKey, valid, http.StatusNotFound},
		{"healthz", http.MethodGet, "/healthz", "", "", http.StatusOK},
		{"readyz", http.MethodGet, "/readyz", "", "", http.StatusOK},
	}
	h := NewServer(testKey, testPolicy(t), nil, nil, nil, quiet)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, tt.path, strings.NewReader(tt.body))
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.want {
				t.Errorf("%s %s = %d, want %d (body %q)", tt.method, tt.path, rec.Code, tt.want, rec.Body.String())
			}
			if tt.want == http.StatusUnauthorized && strings.TrimSpace(rec.Body.String()) != "Unauthorized" {
				t.Errorf("401 body = %q, want only %q", rec.Body.String(), "Unauthorized")
			}
			if rec.Header().Get("X-Request-Id") == "" {
				t.Error("response has no X-Request-Id")
			}
		})
	}
}

// The answers Kratos reads, checked against golden files (-update rewrites them).
func TestHookAnswers(t *testing.T) {
	tests := []struct {
		name string
		path string
		body string
		mx   businessemail.MailChecker
		want int
	}{
		{"registration-business", "/hooks/registration", `{"flow_id":"f1","traits":{"email":"Ann@Mail.Acme-Widgets.co.uk"}}`, nil, http.StatusOK},
		{"registration-keeps-metadata", "/hooks/registration", `{"flow_id":"f1","traits":{"email":"ann@acme-widgets.com"},"metadata_public":{"plan":"team"}}`, nil, http.StatusOK},
		// The language the account is made in: the switch's cookie, else
		// the browser's; one already recorded, or none asked for, is kept.
		{"registration-language-chosen", "/hooks/registration", `{"traits":{"email":"ann@acme-widgets.com"},"language":{"chosen":"ja","accept_language":"de-DE,de;q=0.9"}}`, nil, http.StatusOK},
		{"registration-language-browser", "/hooks/registration", `{"traits":{"email":"ann@acme-widgets.com"},"language":{"chosen":"<x>","accept_language":"fr-CA,fr;q=0.9"}}`, nil, http.StatusOK},
		{"registration-language-kept", "/hooks/registration", `{"traits":{"email":"ann@acme-widgets.com"},"metadata_public":{"locale":"es"},"language":{"accept_language":"de"}}`, nil, http.StatusOK},
		{"registration-language-none", "/hooks/registration", `{"traits":{"email":"ann@acme-widgets.com"},"language":{"chosen":null,"accept_language":"zh-CN"}}`, nil, http.StatusOK},
		{"registration-free-mail", "/hooks/registration", `{"flow_id":"f1","traits":{"email":"ann@gmail.com"}}`, nil, http.StatusBadRequest},
		{"registration-disposable", "/hooks/registration", `{"flow_id":"f1","traits":{"email":"ann@x.mailinator.com"}}`, nil, http.StatusBadRequest},
		{"registration-invalid", "/hooks/registration", `{"flow_id":"f1","traits":{"email":"ann@acme"}}`, nil, http.StatusBadRequest},
		{"registration-look-alike", "/hooks/registration", `{"flow_id":"f1","traits":{"email":"ann@gmаil.com"}}`, nil, http.StatusBadRequest},
		{"registration-provider-typo", "/hooks/registration", `{"flow_id":"f1","traits":{"email":"ann@gamil.com"}}`, nil, http.StatusBadRequest},
		{"registration-suffix-typo", "/hooks/registration", `{"flow_id":"f1","traits":{"email":"ann@acme-widgets.con"}}`, nil, http.StatusBadRequest},
		{"registration-no-email", "/hooks/registration", `{"flow_id":"f1","traits":{"username":"ann"}}`, nil, http.StatusBadRequest},
		{"registration-not-json", "/hooks/registration", `<xml/>`, nil, http.StatusBadRequest},
		{"registration-email-not-string", "/hooks/registration", `{"traits":{"email":42}}`, nil, http.StatusBadRequest},
		{"registration-no-mail-server", "/hooks/registration", `{"traits":{"email":"ann@acme-widgets.com"}}`, fakeMX{accepts: false}, http.StatusBadRequest},
		{"registration-dns-down-fails-open", "/hooks/registration", `{"traits":{"email":"ann@acme-widgets.com"}}`, fakeMX{err: errors.New("timeout")}, http.StatusOK},
		{"settings-unchanged-personal", "/hooks/settings", `{"traits":{"email":"ann@gmail.com"},"previous_email":"Ann@Gmail.com "}`, nil, http.StatusNoContent},
		{"settings-to-free-mail", "/hooks/settings", `{"traits":{"email":"ann@yahoo.co.uk"},"previous_email":"ann@acme-widgets.com"}`, nil, http.StatusBadRequest},
		{"settings-to-business", "/hooks/settings", `{"traits":{"email":"ann@northwind-traders.com"},"previous_email":"ann@gmail.com","metadata_public":{"company_domain":"gmail.com"}}`, nil, http.StatusOK},
		// The text rule: a message on each field it refuses, beside the
		// email's; traits sent back only when NFC changed them.
		{"registration-name-bidi", "/hooks/registration", `{"traits":{"email":"ann@acme-widgets.com","username":"ann","name":{"first":"Ann\u202e","last":"Lee"}}}`, nil, http.StatusBadRequest},
		{"registration-every-field", "/hooks/registration", `{"traits":{"email":"ann@gmail.com","username":"ann\u200b","name":{"first":"Ann\u0000","last":"Lee\r\n"}}}`, nil, http.StatusBadRequest},
		{"registration-nfc", "/hooks/registration", `{"traits":{"email":"jose@acme-widgets.com","username":"jose","name":{"first":"Jose\u0301","last":"Nun\u0303ez"}},"metadata_public":{"plan":"team"}}`, nil, http.StatusOK},
		{"registration-nfc-exact-numbers", "/hooks/registration", `{"traits":{"email":"jose@acme-widgets.com","name":{"first":"Jose\u0301"},"badge":12345678901234567890.5}}`, nil, http.StatusOK},
		{"settings-unchanged-nfc", "/hooks/settings", `{"traits":{"email":"ann@gmail.com","username":"ann","name":{"first":"Rene\u0301e","last":"Lee"}},"previous_email":"ann@gmail.com"}`, nil, http.StatusOK},
		{"settings-unchanged-bad-name", "/hooks/settings", `{"traits":{"email":"ann@gmail.com","username":"ann","name":{"first":"Ann","last":"\u202eeeL"}},"previous_email":"ann@gmail.com"}`, nil, http.StatusBadRequest},
		{"settings-to-business-bad-name", "/hooks/settings", `{"traits":{"email":"ann@northwind-traders.com","username":"ann","name":{"first":"Ann\u2066","last":"Lee"}},"previous_email":"ann@gmail.com"}`, nil, http.StatusBadRequest},
	}
	policy := testPolicy(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := NewServer(testKey, policy, tt.mx, nil, nil, quiet)
			rec := call(h, tt.path, config.HooksAuthScheme+testKey, tt.body)
			if rec.Code != tt.want {
				t.Fatalf("POST %s %s = %d, want %d (body %s)", tt.path, tt.body, rec.Code, tt.want, rec.Body)
			}
			if rec.Code == http.StatusNoContent {
				if rec.Body.Len() != 0 {
					t.Errorf("204 with a body %q", rec.Body)
				}
				return
			}
			if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type = %q, want application/json", ct)
			}
			golden(t, filepath.Join("testdata", tt.name+".json"), rec.Body.Bytes())
		})
	}
}

// golden compares got, indented, with the file, or rewrites it with -update.
func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Indent(&buf, got, "", "  "); err != nil {
		t.Fatalf("answer is not JSON: %v: %s", err, got)
	}
	buf.WriteByte('\n')
	if *update {
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("answer differs from %s:\ngot:\n%s\nwant:\n%s", path, buf.Bytes(), want)
	}
}
