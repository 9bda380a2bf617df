package selfserviceui_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/workid/workid/internal/stacktest"
)

// A second factor, as Kratos sends it: with TOTP enabled and sessions
// required to reach the highest level an account has, a password sign-in
// of an account with an authenticator app is not enough. The dashboard
// follows Kratos's redirect_browser_to to the second step, the UI renders
// it, and the app's code completes the sign-in. This runs a stack of its
// own, since the package's stack has no second factor enabled.
func TestSecondFactor(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	s, err := stacktest.Start(ctx, stacktest.Options{KratosEnv: []string{
		"SELFSERVICE_METHODS_TOTP_ENABLED=true",
		"SELFSERVICE_METHODS_TOTP_CONFIG_ISSUER=WorkID",
		"SESSION_WHOAMI_REQUIRED_AAL=highest_available",
	}})
	if err != nil {
		t.Fatalf("start a stack with TOTP: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })

	u := stacktest.NewUser("tailspin-aviation.com")
	b := stacktest.NewPageBrowser(t)
	if final, status, _ := b.Register(s.UIURL, u); final.Path != "/" || status != http.StatusOK {
		t.Fatalf("registration ended at %s (%d), want the dashboard", final, status)
	}

	// Profile: the authenticator-app section shows the secret as text and
	// takes a code from the app to turn it on.
	_, _, profile := b.Get(s.UIURL + "/settings")
	m := regexp.MustCompile(`id="totp_secret_key"[^>]*>(?:<p class="label">[^<]*</p>)?<p><code>([A-Z2-7=]+)</code>`).FindStringSubmatch(profile)
	if m == nil {
		t.Fatalf("the Profile page shows no TOTP secret:\n%s", profile)
	}
	secret := m[1]
	action, csrf := formWith(t, profile, "totp_code")
	final, status, page := b.Post(action, url.Values{"csrf_token": {csrf}, "method": {"totp"}, "totp_code": {totp(t, secret, time.Now())}}, nil)
	if status != http.StatusOK || final.Path != "/settings" || strings.Contains(page, `id="totp_secret_key"`) {
		t.Fatalf("turning the app on ended at %s (%d), want the Profile page without the secret:\n%s", final, status, page)
	}

	// A new browser signs in with the password: the dashboard sends it on
	// to the second step.
	b2 := stacktest.NewPageBrowser(t)
	final, status, page = b2.SignIn(s.UIURL+"/login", u)
	if status != http.StatusOK || final.Path != "/login" || final.Query().Get("flow") == "" || !strings.Contains(page, `name="totp_code"`) {
		t.Fatalf("after the password the browser is at %s (%d), want the sign-in page asking for the app's code:\n%s", final, status, page)
	}
	if _, _, dash := b2.Get(s.UIURL + "/"); strings.Contains(dash, "Hello, "+u.First) {
		t.Fatal("the dashboard opened with the password alone")
	}
	_, _, page = b2.Get(final.String())
	action, csrf = formWith(t, page, "totp_code")
	final, status, page = b2.Post(action, url.Values{"csrf_token": {csrf}, "method": {"totp"}, "totp_code": {totp(t, secret, time.Now())}}, nil)
	if final.Path != "/" || status != http.StatusOK || !strings.Contains(page, "Hello, "+u.First) {
		t.Fatalf("after the app's code the browser is at %s (%d), want the dashboard:\n%s", final, status, page)
	}
}

// formWith returns the action and CSRF token of the form on page that has
// an input named field.
func formWith(t *testing.T, page, field string) (action, csrf string) {
	t.Helper()
	for _, f := range strings.Split(page, "<form ")[1:] {
		f = f[:strings.Index(f, "</form>")]
		if !strings.Contains(f, `name="`+field+`"`) {
			continue
		}
		a := regexp.MustCompile(`^action="([^"]+)"`).FindStringSubmatch(f)
		c := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`).FindStringSubmatch(f)
		if a == nil || c == nil {
			t.Fatalf("the form with %s has no action or CSRF token:\n%s", field, f)
		}
		return html.UnescapeString(a[1]), html.UnescapeString(c[1])
	}
	t.Fatalf("no form with an input %s on the page:\n%s", field, page)
	return "", ""
}

// totp is the 6-digit code of RFC 6238 (SHA-1, 30-second steps) that an
// authenticator app shows for secret at now.
func totp(t *testing.T, secret string, now time.Time) string {
	t.Helper()
	key, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.TrimRight(secret, "="))
	if err != nil {
		t.Fatalf("TOTP secret %q: %v", secret, err)
	}
	var counter [8]byte
	binary.BigEndian.PutUint64(counter[:], uint64(now.Unix()/30))
	mac := hmac.New(sha1.New, key)
	mac.Write(counter[:])
	sum := mac.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	code := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	return fmt.Sprintf("%06d", code%1_000_000)
}
