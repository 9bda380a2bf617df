package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	kratos "github.com/ory/kratos-client-go"

	"github.com/workid/workid/internal/businessemail"
	"github.com/workid/workid/internal/stacktest"
)

// `admin identities create` against the real Kratos and Mailpit: the
// business-email rule as at registration, the override and its log line,
// the text rule, the verification mail.
func TestAdminIdentitiesCreate(t *testing.T) {
	st := shared.Get(t)
	ctx := t.Context()
	environ := append([]string{
		"WORKID_KRATOS_PUBLIC_URL=" + st.KratosPublicURL, "WORKID_KRATOS_ADMIN_URL=" + st.KratosAdminURL, "USER=ops-ann",
	}, listsEnv...)
	create := func(u stacktest.User, extra ...string) (string, string, error) {
		var out, errOut bytes.Buffer
		args := append([]string{"workid", "admin", "identities", "create",
			"--email", u.Email, "--username", u.Username, "--first-name", u.First, "--last-name", u.Last}, extra...)
		err := run(ctx, args, environ, &out, &errOut)
		return out.String(), errOut.String(), err
	}
	identityOf := func(email string) *kratos.Identity {
		t.Helper()
		ids, err := st.IdentitiesByEmail(ctx, strings.ToLower(email))
		if err != nil || len(ids) != 1 {
			t.Fatalf("identities for %s = %d (%v), want 1", email, len(ids), err)
		}
		ident, err := st.Identity(ctx, ids[0].Id)
		if err != nil {
			t.Fatal(err)
		}
		return ident
	}
	assertNone := func(email string) {
		t.Helper()
		if ids, err := st.IdentitiesByEmail(ctx, strings.ToLower(email)); err != nil || len(ids) != 0 {
			t.Errorf("identities for %s = %d (%v), want none", email, len(ids), err)
		}
	}

	t.Run("business address", func(t *testing.T) {
		u := stacktest.NewUser("eu.acme-widgets.co.uk")
		u.First = "Jose\u0301" // stored in NFC, as the hooks store it
		pwFile := filepath.Join(t.TempDir(), "pw")
		if err := os.WriteFile(pwFile, []byte(u.Password+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		out, logged, err := create(u, "--password-file", pwFile)
		if err != nil {
			t.Fatalf("create = %v\n%s", err, logged)
		}
		ident := identityOf(u.Email)
		if !strings.Contains(out, "created identity "+ident.Id+" and mailed a verification link to "+u.Email) {
			t.Errorf("output lacks what was done:\n%s", out)
		}
		if strings.Contains(out, "warning") || strings.Contains(logged, "override") {
			t.Errorf("a business address got a warning:\n%s\n%s", out, logged)
		}
		traits := ident.Traits.(map[string]any)
		name := traits["name"].(map[string]any)
		if traits["email"] != u.Email || traits["username"] != u.Username || name["first"] != "Jos\u00e9" || name["last"] != u.Last {
			t.Errorf("traits = %+q, want %+v with the first name in NFC", traits, u)
		}
		if meta, _ := ident.MetadataPublic.(map[string]any); meta[businessemail.CompanyDomainKey] != "acme-widgets.co.uk" {
			t.Errorf("metadata_public = %v, want company_domain acme-widgets.co.uk", ident.MetadataPublic)
		}
		if a := ident.VerifiableAddresses; len(a) != 1 || a[0].Verified {
			t.Errorf("verifiable addresses = %+v, want one, unverified", a)
		}
		if !hasPassword(t, st, ident.Id) {
			t.Error("no password set from --password-file")
		}
		if _, err := st.Login(ctx, u.Username, u.Password); err != nil {
			t.Errorf("sign in with the password from the file: %v", err)
		}
		assertVerificationMail(t, st, u.Email)
	})

	t.Run("personal address refused", func(t *testing.T) {
		u := stacktest.NewUser("gmail.com")
		out, _, err := create(u)
		if !errors.Is(err, errRefused) || !strings.Contains(err.Error(),
			"refused (free_mail, message 9100012): gmail.com is a personal email provider. Please use your work address") ||
			!strings.Contains(err.Error(), "--allow-any-email") {
			t.Errorf("create %s = %v, want refused with the user's words and the override named", u.Email, err)
		}
		if out != "" {
			t.Errorf("a refusal printed %q", out)
		}
		assertNone(u.Email)
		if msgs, err := st.Mail(ctx, u.Email); err != nil || len(msgs) != 0 {
			t.Errorf("mail to a refused address: %d (%v)", len(msgs), err)
		}
	})

	t.Run("override", func(t *testing.T) {
		u := stacktest.NewUser("gmail.com")
		out, logged, err := create(u, "--allow-any-email", "--json")
		if err != nil {
			t.Fatalf("create --allow-any-email = %v", err)
		}
		ident := identityOf(u.Email)
		var v createdView
		if err := json.Unmarshal([]byte(out), &v); err != nil {
			t.Fatalf("%v in %s", err, out)
		}
		if v.ID != ident.Id || v.Override != "--allow-any-email" || v.Refused == nil || v.Refused.Reason != "free_mail" ||
			v.VerificationSentTo != u.Email || v.CompanyDomain != "" {
			t.Errorf("--json = %+v, want the override, the refusal and the mail recorded", v)
		}
		line := regexp.MustCompile(`(?m)^time=\S+ level=WARN msg="operator override: [^"]*" override=--allow-any-email operator=ops-ann identity_id=` +
			ident.Id + ` reason=free_mail domain=gmail.com$`)
		if !line.MatchString(logged) {
			t.Errorf("the log lacks the override line:\n%s", logged)
		}
		if strings.Contains(logged, u.Email) {
			t.Errorf("the log holds the whole address:\n%s", logged)
		}
		if meta, _ := ident.MetadataPublic.(map[string]any); meta[businessemail.CompanyDomainKey] != nil {
			t.Errorf("metadata_public = %v, want no company domain for a personal address", ident.MetadataPublic)
		}
		if hasPassword(t, st, ident.Id) {
			t.Error("an identity created without a password has one")
		}
		assertVerificationMail(t, st, u.Email)
	})

	t.Run("override, as text", func(t *testing.T) {
		u := stacktest.NewUser("x.mailinator.com")
		out, logged, err := create(u, "--allow-any-email")
		if err != nil {
			t.Fatalf("create --allow-any-email = %v", err)
		}
		flat := strings.Join(strings.Fields(out), " ")
		for _, w := range []string{
			" with the operator override --allow-any-email and mailed a verification link to " + u.Email,
			"warning the business-email rule refuses this address today (disposable, message 9100013)",
		} {
			if !strings.Contains(flat, w) {
				t.Errorf("output lacks %q:\n%s", w, out)
			}
		}
		if !strings.Contains(logged, "level=WARN") || !strings.Contains(logged, "reason=disposable") {
			t.Errorf("the log lacks the override line:\n%s", logged)
		}
	})

	t.Run("bad input", func(t *testing.T) {
		u := stacktest.NewUser("acme-widgets.com")
		for _, tt := range []struct {
			name  string
			user  stacktest.User
			extra []string
			usage bool
			want  string
		}{
			{"malformed email", with(u, func(u *stacktest.User) { u.Email = "ann@@acme-widgets.com" }), nil, false,
				`"ann@@acme-widgets.com" refused (not_one_at, message 9100004): An email address has exactly one @`},
			{"malformed email with the override", with(u, func(u *stacktest.User) { u.Email = "ann@acme-widgets" }), []string{"--allow-any-email"}, false,
				"refused (unknown_suffix, message 9100008): “acme-widgets” does not end in a real domain ending such as .com or .de. Please check the address for typos. (--allow-any-email does not apply: this is not an email address)"},
			{"missing username and last name", with(u, func(u *stacktest.User) { u.Username, u.Last = "", " " }), nil, true,
				"admin identities create: --username, --last-name required"},
			{"bidi override in a name", with(u, func(u *stacktest.User) { u.Last = "Lee\u202e" }), nil, false,
				"--last-name refused (bidi_control, message 9100101): The last name contains a character that reverses or reorders the text around it (U+202E)"},
			{"line break in the username", with(u, func(u *stacktest.User) { u.Username = "ann\nroot" }), nil, false,
				"--username refused (control_character, message 9100100): The username contains a line break"},
			{"username the schema refuses", with(u, func(u *stacktest.User) { u.Username = "ann lee" }), nil, false,
				"create identity: Kratos answered: 400 Bad Request: {"},
			{"unknown flag", u, []string{"--admin"}, true, "flag provided but not defined: -admin"},
			{"empty password file", u, []string{"--password-file", os.DevNull}, true, "is empty"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				_, _, err := create(tt.user, tt.extra...)
				var usage usageError
				if err == nil || !strings.Contains(err.Error(), tt.want) || errors.As(err, &usage) != tt.usage {
					t.Errorf("create = %v, want an error containing %q (usage mistake: %v)", err, tt.want, tt.usage)
				}
				assertNone(tt.user.Email)
			})
		}
		// The same username again is refused by Kratos, clearly.
		if _, _, err := create(u); err != nil {
			t.Fatal(err)
		}
		again := stacktest.NewUser("acme-widgets.com")
		again.Username = u.Username
		if _, _, err := create(again); err == nil || !strings.Contains(err.Error(), "exists already") {
			t.Errorf("create with a taken username = %v, want it named taken", err)
		}
		assertNone(again.Email)
	})

	// createWithPublicAPI creates a new user's identity with Kratos's
	// public API, which mails the link, at publicURL.
	createWithPublicAPI := func(publicURL string) (id string, err error) {
		u := stacktest.NewUser("acme-widgets.com")
		env := append([]string{
			"WORKID_KRATOS_PUBLIC_URL=" + publicURL, "WORKID_KRATOS_ADMIN_URL=" + st.KratosAdminURL, "USER=ops-ann",
		}, listsEnv...)
		var out, errOut bytes.Buffer
		err = run(ctx, []string{"workid", "admin", "identities", "create",
			"--email", u.Email, "--username", u.Username, "--first-name", u.First, "--last-name", u.Last}, env, &out, &errOut)
		return identityOf(u.Email).Id, err
	}

	// Kratos's public API is down: the identity is made all the same, and
	// the error says so once, with what is wrong.
	t.Run("verification link not mailed", func(t *testing.T) {
		id, err := createWithPublicAPI("http://127.0.0.1:1")
		want := "identity " + id + " created, but Kratos did not mail the verification link (the user can ask for one on the Profile page): " +
			"Kratos's public API at http://127.0.0.1:1 cannot be reached (is Kratos running, is WORKID_KRATOS_PUBLIC_URL right?): start a verification flow: "
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("create with the public API down = %v, want an error starting %q", err, want)
		}
	})

	// Kratos took the link's submission but its answer was lost: the
	// error says the link may be on its way, not that it was not sent or
	// that Kratos cannot be reached.
	t.Run("verification link answer lost", func(t *testing.T) {
		proxyURL, lost := stacktest.LosingProxy(t, st.KratosPublicURL, stacktest.VerificationSubmit)
		id, err := createWithPublicAPI(proxyURL)
		want := "identity " + id + " created, but Kratos did not confirm mailing the verification link: it may be on its way " +
			"(if not, the user can ask for one on the Profile page): submit the verification flow: the mail may have been sent: "
		if err == nil || !strings.HasPrefix(err.Error(), want) || lost.Load() != 1 {
			t.Errorf("create with the link's answer lost (%d lost) = %v, want an error starting %q", lost.Load(), err, want)
		}
	})
}

// hasPassword tells whether the identity has a password hash (Kratos keeps
// an empty password credential for the identifiers without one).
func hasPassword(t *testing.T, st *stacktest.Stack, id string) bool {
	t.Helper()
	ident, _, err := st.Admin.IdentityAPI.GetIdentity(t.Context(), id).IncludeCredential([]string{"password"}).Execute()
	if err != nil {
		t.Fatal(err)
	}
	cfg, _ := ident.GetCredentials()["password"].Config["hashed_password"].(string)
	return cfg != ""
}

// with returns u changed by f.
func with(u stacktest.User, f func(*stacktest.User)) stacktest.User {
	f(&u)
	return u
}

// assertVerificationMail waits for the ordinary verification mail to
// address: one message, with a link, not the expiry or reminder text (no
// transient payload was sent).
func assertVerificationMail(t *testing.T, st *stacktest.Stack, address string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	msgs, err := st.WaitForMail(ctx, strings.ToLower(address), 1)
	if err != nil {
		t.Fatalf("no verification mail to %s: %v", address, err)
	}
	if len(msgs) != 1 {
		t.Errorf("%d messages to %s, want 1", len(msgs), address)
	}
	m := msgs[0]
	if strings.Contains(m.Subject, "expire") {
		t.Errorf("subject %q: the expiry text without an expiry", m.Subject)
	}
	if _, err := m.Link(stacktest.VerifyPage); err != nil {
		t.Errorf("the mail to %s: %v", address, err)
	}
}
