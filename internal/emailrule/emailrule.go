// Package emailrule builds the business-email rule a config.EmailRule
// describes: the policy over its lists and operator files, and the MX
// checker it asks for. The hooks server and the admin commands build the
// rule here from the same settings, so support staff see the decision the
// server makes.
//
// It is a package of its own so that internal/businessemail, the rule
// itself, knows nothing of configuration and does no DNS: it takes a
// folder, file names and a MailChecker, and stays pure and table-tested.
package emailrule

import (
	"context"
	"log/slog"

	"github.com/workid/workid/config"
	"github.com/workid/workid/internal/businessemail"
	"github.com/workid/workid/internal/mxcheck"
)

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
