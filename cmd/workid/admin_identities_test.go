package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/workid/workid/internal/companies"
	"github.com/workid/workid/internal/reverify"
	"github.com/workid/workid/internal/stacktest"
)

// `admin identities show` and `admin reverify` against the real Kratos:
// found by ID, email (in any case) or username; the verification dates
// and, after the job or the command expired an address, the expiry and the
// new link; clear errors for an unknown identity and a dead Kratos.
func TestAdminIdentities(t *testing.T) {
	st := shared.Get(t)
	ctx := t.Context()
	current, old := stacktest.NewUser("acme-widgets.com"), stacktest.NewUser("acme-widgets.com")
	verifiedAt := time.Now().AddDate(0, 0, -30).UTC().Truncate(time.Second)
	a, err := st.CreateVerifiedIdentity(ctx, current, verifiedAt)
	if err != nil {
		t.Fatal(err)
	}
	b, err := st.CreateVerifiedIdentity(ctx, old, time.Now().AddDate(-1, 0, -5))
	if err != nil {
		t.Fatal(err)
	}
	environ := append([]string{
		"WORKID_KRATOS_PUBLIC_URL=" + st.KratosPublicURL, "WORKID_KRATOS_ADMIN_URL=" + st.KratosAdminURL,
		"WORKID_REVERIFY_LOCK_FILE=" + filepath.Join(t.TempDir(), "lock"),
		// The pass reconciles the stack's own member index.
		"WORKID_DATABASE_URL=" + st.Layout.WorkIDDatabaseURL(),
	}, listsEnv...)
	show := func(who string, extra ...string) (string, error) {
		var out bytes.Buffer
		args := append(append([]string{"workid", "admin", "identities", "show"}, extra...), who)
		err := run(ctx, args, environ, &out, &bytes.Buffer{})
		return out.String(), err
	}
	showJSON := func(who string) identityView {
		t.Helper()
		out, err := show(who, "--json")
		if err != nil {
			t.Fatalf("show %s: %v", who, err)
		}
		var v identityView
		if err := json.Unmarshal([]byte(out), &v); err != nil {
			t.Fatalf("show %s: %v in %s", who, err, out)
		}
		return v
	}

	out, err := show(a.Id)
	if err != nil {
		t.Fatal(err)
	}
	flat := strings.Join(strings.Fields(out), " ") // the columns' width varies
	if strings.Contains(out, "warning") {
		t.Errorf("show warns about a business address:\n%s", out)
	}
	for _, w := range []string{
		"identity " + a.Id + " (active)",
		"username " + current.Username,
		"name " + current.First + " " + current.Last,
		"address " + current.Email + ": verified " + day(verifiedAt) + ", valid until " + day(verifiedAt.Add(8760*time.Hour)),
	} {
		if !strings.Contains(flat, w) {
			t.Errorf("show by ID lacks %q:\n%s", w, out)
		}
	}
	for _, who := range []string{strings.ToUpper(current.Email), current.Username} {
		if v := showJSON(who); v.ID != a.Id || v.Email != current.Email || len(v.Addresses) != 1 || v.Addresses[0].Status != "verified" {
			t.Errorf("show %s = %+v, want %s verified", who, v, a.Id)
		}
	}

	// An address the rule refuses today (made through the admin API, which
	// runs no hooks) gets a warning with the reason and the user's words.
	legacy := stacktest.NewUser("gmail.com")
	if _, err := st.CreateIdentity(ctx, legacy); err != nil {
		t.Fatal(err)
	}
	out, err = show(legacy.Email)
	if err != nil {
		t.Fatal(err)
	}
	flat = strings.Join(strings.Fields(out), " ")
	if want := "email " + legacy.Email + " warning the business-email rule refuses this address today (free_mail, message 9100012): " +
		"gmail.com is a personal email provider. Please use your work address, e.g. name@yourcompany.com."; !strings.Contains(flat, want) {
		t.Errorf("show of a personal address lacks %q:\n%s", want, out)
	}
	if r := showJSON(legacy.Username).Refused; r == nil || *r != (refusalView{Reason: "free_mail", MessageID: 9100012,
		Message: "gmail.com is a personal email provider. Please use your work address, e.g. name@yourcompany.com."}) {
		t.Errorf("show --json refused = %+v, want free_mail", r)
	}
	if r := showJSON(a.Id).Refused; r != nil {
		t.Errorf("show --json of a business address refused = %+v, want none", r)
	}

	// Past its year, the address shows as expired even before the job runs;
	// after the job, with the expiry and the new link recorded.
	if v := showJSON(old.Email); v.ID != b.Id || v.Addresses[0].Status != "expired" || !v.Addresses[0].NewLinkSentAt.IsZero() {
		t.Errorf("before the job: %+v, want expired with no link sent", v.Addresses)
	}
	if err := run(ctx, []string{"workid", "reverify", "--once"}, environ, &bytes.Buffer{}, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	v := showJSON(old.Email)
	if got := v.Addresses[0]; got.Status != "expired" || got.NewLinkSentAt.IsZero() || got.ExpiredAt.IsZero() || time.Since(got.ExpiredAt) > time.Minute {
		t.Errorf("after the job: %+v, want expired now with the new link sent", got)
	}
	if out, _ := show(old.Email); !strings.Contains(out, "new link sent") {
		t.Errorf("after the job the text lacks the new link:\n%s", out)
	}

	// `admin reverify` expires a current address now and mails the link.
	reverifyNow := func(who string) (string, error) {
		var out bytes.Buffer
		err := run(ctx, []string{"workid", "admin", "reverify", who}, environ, &out, &bytes.Buffer{})
		return out.String(), err
	}
	out, err = reverifyNow(current.Username)
	if err != nil || !strings.Contains(out, "expired the verification of "+current.Email) {
		t.Fatalf("admin reverify = %q, %v", out, err)
	}
	if got := showJSON(a.Id).Addresses[0]; got.Status != "expired" || got.NewLinkSentAt.IsZero() {
		t.Errorf("after admin reverify: %+v, want expired with the link sent", got)
	}
	// The member index knows at once: the company page shows the expiry.
	index, err := companies.Open(ctx, st.Layout.WorkIDDatabaseURL(), companies.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer index.Close()
	if row, found, err := index.Member(ctx, a.Id); err != nil || !found || row.State != companies.StateExpired {
		t.Errorf("the member index after admin reverify: %+v (found %v, %v), want expired", row, found, err)
	}
	wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if msgs, err := st.WaitForMail(wctx, current.Email, 1); err != nil || !strings.Contains(msgs[0].Subject, "has expired") {
		t.Errorf("the mail after admin reverify: %v, %v", msgs, err)
	}
	if _, err := reverifyNow(current.Email); !errors.Is(err, reverify.ErrNotVerified) {
		t.Errorf("admin reverify of an unverified address = %v, want nothing to expire", err)
	}

	for _, who := range []string{"nobody@acme-widgets.com", "00000000-0000-0000-0000-000000000000"} {
		if _, err := show(who); !errors.Is(err, errNoIdentity) {
			t.Errorf("show %s = %v, want no such identity", who, err)
		}
		if _, err := reverifyNow(who); !errors.Is(err, errNoIdentity) {
			t.Errorf("reverify %s = %v, want no such identity", who, err)
		}
	}
	environ = []string{"WORKID_KRATOS_ADMIN_URL=http://127.0.0.1:1"}
	if _, err := show(current.Email); err == nil || !strings.Contains(err.Error(), "cannot be reached") {
		t.Errorf("show against a dead Kratos = %v, want it named unreachable", err)
	}
}
