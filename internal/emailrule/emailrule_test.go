package emailrule

import (
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/workid/workid/config"
	"github.com/workid/workid/internal/businessemail"
	"github.com/workid/workid/internal/mxcheck"
)

const listsDir = "../../config/lists/node_modules"

// The operator's files named in the settings are the policy's.
func TestLoadPolicyReadsTheOperatorFiles(t *testing.T) {
	dir := t.TempDir()
	allow, deny := filepath.Join(dir, "allow.txt"), filepath.Join(dir, "deny.txt")
	if err := os.WriteFile(allow, []byte("gmail.com\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(deny, []byte("acme-widgets.com\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := config.EmailRule{Lists: config.Lists{ListsDir: listsDir}, AllowFile: allow, DenyFile: deny}
	policy, err := LoadPolicy(t.Context(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("LoadPolicy(%+v) = %v (run `make lists`)", cfg, err)
	}
	for addr, want := range map[string]businessemail.Reason{
		"ann@gmail.com":        businessemail.OperatorAllowed,
		"ann@acme-widgets.com": businessemail.OperatorDenied,
		"ann@yahoo.com":        businessemail.FreeMail,
	} {
		if got := policy.Decide(addr).Reason; got != want {
			t.Errorf("Decide(%s) = %s, want %s", addr, got.Code(), want.Code())
		}
	}
	if _, err := LoadPolicy(t.Context(), config.EmailRule{Lists: config.Lists{ListsDir: dir}}, slog.New(slog.DiscardHandler)); err == nil {
		t.Errorf("LoadPolicy(a folder without the lists) = nil error, want one")
	}
}

// The MX checker exists only when the check is on, and then asks the
// configured server.
func TestNewMailChecker(t *testing.T) {
	if mx := NewMailChecker(config.EmailRule{MXCheck: false, DNSServer: "127.0.0.1:53"}); mx != nil {
		t.Errorf("NewMailChecker(MX check off) = %v, want nil", mx)
	}
	mx := NewMailChecker(config.EmailRule{MXCheck: true, DNSServer: "127.0.0.1:53", MXTimeout: time.Second})
	if _, ok := mx.(*mxcheck.Checker); !ok {
		t.Errorf("NewMailChecker(MX check on) = %T, want *mxcheck.Checker", mx)
	}
}
