package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"text/tabwriter"

	"github.com/workid/workid/config"
	"github.com/workid/workid/internal/businessemail"
	"github.com/workid/workid/internal/emailrule"
)

const adminUsage = `usage: workid admin <command> [flags]

commands:
  identities list [--status S] [--expiring-within D] [--personal] [--domain D] [--company REF]
                  [--format F]      identities that match, streamed page by page; --company keeps
                                    the accounts on that company's domains, members and pending;
                                    see --help
  identities show [--json] ID|EMAIL|USERNAME
                                    one identity: account, addresses, verification dates and
                                    re-verification state; a warning when the business-email
                                    rule would refuse its address today
  identities create --email E --username U --first-name F --last-name L
                    [--password-file P] [--allow-any-email] [--json]
                                    a new identity, with the rules a registration gets, and a
                                    verification link mailed to it; without a password the user
                                    sets one by recovery; --allow-any-email creates an address
                                    the business-email rule refuses, logged as an override
  companies list [--search S] [--format table|json|csv]
                                    every company: id, name, domains, members, admins, subscriptions
  companies show [--json] [--members N] [--search S] REF
                                    one company, its admins and subscriptions, and a page of its
                                    members and of its pending accounts (not verified, or expired)
  companies set-name REF NAME       name the company (it is named after its first domain until then)
  companies add-domain REF DOMAIN   give it another registrable business domain
  companies merge INTO FROM         move FROM's domains, admins and subscriptions into INTO, and
                                    remove FROM; INTO keeps its name
  companies grant-admin REF IDENTITY
  companies revoke-admin REF IDENTITY
                                    make a current member an admin, or end that; IDENTITY is an
                                    identity ID, or an email address or username Kratos resolves
  companies subscribe REF NAME --until YYYY-MM-DD
                                    give the subscription (support, say) through that day, or move
                                    its end
  companies unsubscribe REF NAME    end the subscription now
                                    REF is a company ID, one of its domains, or an email address
                                    on one; each change is one transaction, logged at info on
                                    stderr with the operator; --json prints the company after it
  reverify ID|EMAIL|USERNAME        expire the address's verification now and mail the new link
                                    (what the yearly job does when the year is up)
  email check [--json] ADDRESS...   the business-email decision for each address, with its reason
                                    and the lists that carry its domain
  email coverage [--json] FILE...   how much of each list of domains (one a line) the rule refuses,
                                    by reason, with a sample of what it allows

Settings come from the same WORKID_* variables as the servers: WORKID_KRATOS_ADMIN_URL (and
WORKID_KRATOS_PUBLIC_URL, which sends links) and WORKID_VERIFICATION_MAX_AGE for identities; WORKID_LISTS_DIR, WORKID_ALLOW_DOMAINS_FILE,
WORKID_DENY_DOMAINS_FILE, WORKID_MX_CHECK, ... for email check, identities create and show and
companies add-domain, so
their answer is the one a registration would get; WORKID_LOG_FORMAT and WORKID_LOG_LEVEL for the
log lines on stderr; WORKID_DATABASE_URL (sqlite:.workid/workid.db, where make run keeps it) for
companies and identities list --company.
`

// errRefused ends `admin email check` when an address is refused (exit 1,
// so scripts can tell, after every address was reported), and `admin
// identities create` when the address or a name is.
var errRefused = errors.New("refused")

// runAdmin dispatches `workid admin ...`.
func runAdmin(ctx context.Context, args, environ []string, stdout, stderr io.Writer) error {
	switch {
	case len(args) == 0:
		fmt.Fprint(stderr, adminUsage)
		return usageError{"admin: no command given"}
	case args[0] == "help" || args[0] == "-h" || args[0] == "-help" || args[0] == "--help":
		fmt.Fprint(stdout, adminUsage)
		return nil
	case args[0] == "email" && len(args) > 1 && args[1] == "check":
		return runEmailCheck(ctx, args[2:], environ, stdout, stderr)
	case args[0] == "email" && len(args) > 1 && args[1] == "coverage":
		return runEmailCoverage(ctx, args[2:], environ, stdout, stderr)
	case args[0] == "companies":
		return runCompanies(ctx, args[1:], environ, stdout, stderr)
	case args[0] == "identities":
		return runIdentities(ctx, args[1:], environ, stdout, stderr)
	case args[0] == "reverify":
		return runAdminReverify(ctx, args[1:], environ, stdout, stderr)
	default:
		fmt.Fprint(stderr, adminUsage)
		return usageError{fmt.Sprintf("admin: unknown command %q", strings.Join(args, " "))}
	}
}

// emailVerdict is one address's decision as `email check --json` prints it.
type emailVerdict struct {
	Input      string `json:"input"`
	Address    string `json:"address,omitempty"`
	Allowed    bool   `json:"allowed"`
	Reason     string `json:"reason"`
	MessageID  int64  `json:"message_id,omitempty"`
	Message    string `json:"message,omitempty"`
	Matched    string `json:"matched,omitempty"`
	Suggestion string `json:"suggestion,omitempty"`
	// ListedBy are the lists that carry Matched (config/lists/SOURCES.md).
	ListedBy   []string `json:"listed_by,omitempty"`
	Company    string   `json:"company_domain,omitempty"`
	MXCheck    string   `json:"mx_check"`
	MXCheckErr string   `json:"mx_check_error,omitempty"`
	// MailServer is the domain's mail server that decided: it is
	// Matched's (the MX check refused the domain as that provider).
	MailServer string `json:"mail_server,omitempty"`
}

// emailPolicy loads the business-email rule as the hooks server does,
// from the same settings.
func emailPolicy(ctx context.Context, environ []string) (*businessemail.Policy, config.EmailCheck, error) {
	cfg, err := config.Load[config.EmailCheck](environ)
	if err != nil {
		return nil, cfg, err
	}
	policy, err := emailrule.LoadPolicy(ctx, cfg.EmailRule, slog.New(slog.DiscardHandler))
	return policy, cfg, err
}

// runEmailCheck prints the business-email decision for each address: what
// support staff need to answer "why can't I register with this address?".
func runEmailCheck(ctx context.Context, args, environ []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("admin email check", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print one JSON object per address")
	const usage = "usage: workid admin email check [--json] ADDRESS..."
	if err := parseFlagsAndArgs(fs, args, usage, stderr); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, usage)
		return usageError{"admin email check: no address given"}
	}
	policy, cfg, err := emailPolicy(ctx, environ)
	if err != nil {
		return err
	}
	mx := emailrule.NewMailChecker(cfg.EmailRule)
	refused := 0
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	enc := json.NewEncoder(stdout)
	for i, raw := range fs.Args() {
		d, mxErr := policy.DecideWithMX(ctx, mx, raw)
		v := emailVerdict{Input: raw, Allowed: d.Allowed(), Reason: d.Reason.Code(), Matched: d.Matched, Suggestion: d.Suggestion,
			MXCheck: "off", MailServer: d.MailServer, ListedBy: policy.SourceNames(d.Listed)}
		if d.Address.Local != "" || d.Address.Domain != "" {
			v.Address = d.Address.String()
		}
		switch {
		case mx == nil:
		case mxErr != nil:
			v.MXCheck, v.MXCheckErr = "failed", mxErr.Error()
		case d.Reason == businessemail.OK || d.Reason == businessemail.NoMailServer || d.MailServer != "":
			v.MXCheck = "done"
		default:
			v.MXCheck = "not needed"
		}
		if d.Allowed() {
			v.Company = d.Address.Registrable
		} else {
			refused++
			v.MessageID, v.Message = d.Reason.MessageID(), d.Message()
		}
		if *asJSON {
			if err := enc.Encode(v); err != nil {
				return err
			}
			continue
		}
		if i > 0 {
			fmt.Fprintln(tw)
		}
		writeVerdict(tw, v)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if refused > 0 {
		return fmt.Errorf("%d of %d addresses %w", refused, fs.NArg(), errRefused)
	}
	return nil
}

// writeVerdict prints v as aligned "name  value" lines.
func writeVerdict(w io.Writer, v emailVerdict) {
	line := func(name, value string) { field(w, name, value) }
	line("input", fmt.Sprintf("%q", v.Input))
	line("address", v.Address)
	if v.Allowed {
		line("decision", "allowed ("+v.Reason+")")
		line("company domain", v.Company)
	} else {
		line("decision", fmt.Sprintf("refused (%s, message %d)", v.Reason, v.MessageID))
		line("matched", v.Matched)
		line("listed by", strings.Join(v.ListedBy, ", "))
		line("suggest", v.Suggestion)
		line("user sees", v.Message)
	}
	mxLine := v.MXCheck
	if v.MailServer != "" {
		mxLine += ": mail servers at " + v.Matched + " (" + v.MailServer + ")"
	}
	if v.MXCheckErr != "" {
		mxLine += ": " + v.MXCheckErr + " (the address is allowed, as at registration)"
	}
	line("mx check", mxLine)
}

// field writes one "name<TAB>value" line for a tabwriter; nothing when
// value is empty.
func field(w io.Writer, name, value string) {
	if value != "" {
		fmt.Fprintf(w, "%s\t%s\n", name, value)
	}
}
