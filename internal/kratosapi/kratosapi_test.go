package kratosapi

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	kratos "github.com/ory/kratos-client-go"
)

// An SDK error gets Kratos's answer after its status and still unwraps to
// the SDK's error; an error without an answer is left as it is.
func TestWithBody(t *testing.T) {
	const answer = `{"error":{"code":400,"status":"Bad Request","reason":"the username is taken","message":"The request was malformed or contained invalid parameters"}}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(answer + "\n"))
	}))
	defer srv.Close()
	_, _, err := New(srv.URL).IdentityAPI.ListIdentities(t.Context()).Execute()
	got := WithBody(err)
	if want := "400 Bad Request: " + answer; got == nil || got.Error() != want {
		t.Errorf("WithBody(%v) = %v, want %s", err, got, want)
	}
	var oe *kratos.GenericOpenAPIError
	if !errors.As(got, &oe) {
		t.Errorf("WithBody(%v) = %v, which does not unwrap to the SDK's error", err, got)
	}

	plain := errors.New("dial tcp 127.0.0.1:4434: connection refused")
	if got := WithBody(plain); got != plain {
		t.Errorf("WithBody(%v) = %v, want it unchanged", plain, got)
	}
	if got := WithBody(nil); got != nil {
		t.Errorf("WithBody(nil) = %v, want nil", got)
	}
}
