package main

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/workid/workid/internal/mxcheck/mxchecktest"
)

// With WORKID_MX_CHECK on, a domain whose mail servers are a listed
// provider's is refused as that provider, and the command says which mail
// server decided; a Google Workspace domain is not Gmail.
func TestAdminEmailCheckMailServersAtAProvider(t *testing.T) {
	server := mxchecktest.Serve(t, &mxchecktest.Zone{MX: map[string][]string{
		"fresh-throwaway.com.": {"10 mx.mailinator.com."},
		"gmail-alias.com.":     {"5 gmail-smtp-in.l.google.com."},
		"workspace-co.com.":    {"1 smtp.google.com."},
	}})
	environ := append([]string{"WORKID_MX_CHECK=true", "WORKID_DNS_SERVER=" + server, "WORKID_MX_TIMEOUT=2s"}, listsEnv...)

	var stdout, stderr bytes.Buffer
	err := run(t.Context(), []string{"workid", "admin", "email", "check", "ann@fresh-throwaway.com"}, environ, &stdout, &stderr)
	if !errors.Is(err, errRefused) {
		t.Fatalf("err = %v, want refused", err)
	}
	for _, w := range []string{
		"refused (disposable, message 9100013)",
		"matched    mailinator.com",
		"user sees  mailinator.com provides disposable addresses",
		"mx check   done: mail servers at mailinator.com (mx.mailinator.com)",
	} {
		if !strings.Contains(stdout.String(), w) {
			t.Errorf("output lacks %q:\n%s", w, stdout.String())
		}
	}

	tests := []struct {
		addr string
		want emailVerdict
	}{
		{"ann@gmail-alias.com", emailVerdict{Input: "ann@gmail-alias.com", Address: "ann@gmail-alias.com", Reason: "free_mail", MessageID: 9100012,
			Matched: "gmail.com", MXCheck: "done", MailServer: "gmail-smtp-in.l.google.com"}},
		{"ann@workspace-co.com", emailVerdict{Input: "ann@workspace-co.com", Address: "ann@workspace-co.com", Allowed: true, Reason: "ok",
			Company: "workspace-co.com", MXCheck: "done"}},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			got := emailCheckJSON(t, environ, tt.addr, tt.want.Allowed)
			got.Message, got.ListedBy = "", nil // the lists that carry a domain change with their releases
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}
