package emailrule

import (
	"context"
	"log/slog"

	"github.com/workid/workid/config"
	"github.com/workid/workid/internal/businessemail"
	"github.com/workid/workid/internal/mxcheck"
)

// The MX checker names mail servers too, which the provider check needs:
// the compiler holds it to that.
var _ businessemail.MailServerChecker = (*mxcheck.Checker)(nil)

// LoadPolicy reads the lists and operator files cfg names.
func LoadPolicy(ctx context.Context, cfg config.EmailRule, log *slog.Logger) (*businessemail.Policy, error) {
	return businessemail.LoadPolicy(ctx, cfg.ListsDir, businessemail.OperatorFiles{Allow: cfg.AllowFile, Deny: cfg.DenyFile}, log)
}

// NewMailChecker returns the MX checker cfg asks for, or nil when the MX
// check is off (Policy.DecideWithMX then skips it).
func NewMailChecker(cfg config.EmailRule) businessemail.MailChecker {
	if !cfg.MXCheck {
		return nil
	}
	return mxcheck.New(cfg.DNSServer, cfg.MXTimeout)
}
