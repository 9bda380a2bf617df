package config

import (
	"strings"
	"testing"
)

// Hydra's token hook is served on the UI's private address only: a key
// without that address would leave Hydra calling a hook nobody serves.
func TestUITokenHookNeedsThePrivateAddress(t *testing.T) {
	const key = "a-token-hook-key-of-32-characters"
	const problem = "WORKID_HYDRA_TOKEN_HOOK_KEY is set but WORKID_UI_METRICS_ADDR is empty"
	base, err := Load[UI]([]string{"WORKID_LINK_KEY=a-link-key-of-32-characters-long"})
	if err != nil {
		t.Fatalf("the defaults do not load: %v", err)
	}
	for _, tt := range []struct {
		name        string
		key, addr   string
		wantProblem bool
	}{
		{"key and private address", key, "127.0.0.1:4458", false},
		{"key without a private address", key, "", true},
		{"neither", "", "", false},
		{"private address without a key", "", "127.0.0.1:4458", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := base
			c.TokenHookKey, c.MetricsAddr = tt.key, tt.addr
			err := c.Validate()
			if got := err != nil && strings.Contains(err.Error(), problem); got != tt.wantProblem {
				t.Errorf("UI{TokenHookKey: %q, MetricsAddr: %q}.Validate() = %v, want the problem %q: %v", tt.key, tt.addr, err, problem, tt.wantProblem)
			}
		})
	}
}

// A setting WorkID no longer reads stops start, saying where it lives now,
// beside every other problem; left empty it is no problem.
func TestRemovedSettingsAreRefused(t *testing.T) {
	base := []string{"WORKID_HOOKS_KEY=0123456789abcdef0123", "WORKID_LINK_KEY=a-link-key-of-32-characters-long"}
	if _, err := Load[Hooks](append(base, "WORKID_SUPPORT_CONTACT=")); err != nil {
		t.Fatalf("the defaults with an empty removed setting: %v", err)
	}
	_, err := Load[Hooks](append(base, "WORKID_SUPPORT_CONTACT=help@acme.example", "WORKID_MAIL_FROM_NAME=Acme", "WORKID_HOOKS_ADDR=nonsense"))
	for _, want := range []string{
		"WORKID_SUPPORT_CONTACT is no longer read: set support in the brand file (WORKID_BRAND_FILE)",
		"WORKID_MAIL_FROM_NAME is no longer read: set mail_from_name in the brand file",
		`WORKID_HOOKS_ADDR="nonsense"`,
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Load = %v, want %q", err, want)
		}
	}
}
