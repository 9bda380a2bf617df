package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/workid/workid/config"
	"github.com/workid/workid/internal/businessemail"
	"github.com/workid/workid/internal/companies"
	"github.com/workid/workid/internal/emailrule"
	"github.com/workid/workid/internal/kratosapi"
	"github.com/workid/workid/internal/logging"
)

// companyChange is one of the commands that change a company. Each is one
// store call, so one transaction: it is done whole or not at all.
type companyChange struct {
	// args name the arguments after the company, for the usage line.
	args []string
	// until: the command takes --until (subscribe).
	until bool
	// rule: the command needs the business-email rule (add-domain).
	rule bool
	// apply makes the change and says what it did in ch.said.
	apply func(ctx context.Context, ch *changing) (companies.Company, error)
}

// changing is one run of a companyChange.
type changing struct {
	cfg    config.Admin
	store  *companies.Store
	policy *businessemail.Policy
	// before is the company as the command found it.
	before companies.Company
	// args are the arguments after the company's; until is --until.
	args  []string
	until string
	// said is the line printed above the company; attrs are what the log
	// line records besides the command, the operator and the company.
	said  string
	attrs []any
	// unchanged: the company already was as asked, so nothing is logged.
	unchanged bool
}

// companyChanges are the commands by name.
var companyChanges = map[string]companyChange{
	"set-name":     {args: []string{"NAME"}, apply: setName},
	"add-domain":   {args: []string{"DOMAIN"}, rule: true, apply: addDomain},
	"merge":        {args: []string{"FROM"}, apply: merge},
	"grant-admin":  {args: []string{"IDENTITY"}, apply: grantAdmin},
	"revoke-admin": {args: []string{"IDENTITY"}, apply: revokeAdmin},
	"subscribe":    {args: []string{"NAME"}, until: true, apply: subscribe},
	"unsubscribe":  {args: []string{"NAME"}, apply: unsubscribe},
}

// runCompanyChange runs one of companyChanges: it finds the company,
// applies the change, logs it at info with the operator's name, and
// prints the company as it now is.
func runCompanyChange(ctx context.Context, name string, cc companyChange, args, environ []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("admin companies "+name, flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print the company as it now is, as JSON")
	until := fs.String("until", "", "the subscription's last day, YYYY-MM-DD (required)")
	ref := "REF"
	if name == "merge" {
		ref = "INTO"
	}
	usage := fmt.Sprintf("usage: workid admin companies %s [--json] %s %s", name, ref, strings.Join(cc.args, " "))
	if cc.until {
		usage += " --until YYYY-MM-DD"
	}
	if err := parseFlagsAndArgs(fs, args, usage, stderr); err != nil {
		return err
	}
	if err := checkChangeArgs(fs, name, cc, *until, time.Now()); err != nil {
		fmt.Fprintln(stderr, usage)
		return err
	}
	cfg, err := config.Load[config.Admin](environ)
	if err != nil {
		return err
	}
	ch := &changing{cfg: cfg, args: fs.Args()[1:], until: *until}
	var rule companies.Rule
	if cc.rule {
		if ch.policy, err = emailrule.LoadPolicy(ctx, cfg.EmailRule, slog.New(slog.DiscardHandler)); err != nil {
			return err
		}
		rule = ch.policy
	}
	if ch.store, err = openCompanies(ctx, cfg, rule); err != nil {
		return err
	}
	defer ch.store.Close()
	if ch.before, err = ch.store.Find(ctx, fs.Arg(0)); err != nil {
		return fmt.Errorf("admin companies %s: %w", name, err)
	}
	after, err := cc.apply(ctx, ch)
	if err != nil {
		return fmt.Errorf("admin companies %s: %w", name, err)
	}
	if !ch.unchanged {
		logging.New(stderr, cfg.Log).InfoContext(ctx, "company changed",
			append([]any{"command", name, "operator", operator(environ), "company_id", after.ID, "company", after.Name}, ch.attrs...)...)
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(after)
	}
	fmt.Fprintln(stdout, ch.said)
	accounts, err := adminAccounts(ctx, ch.store, after)
	if err != nil {
		return err
	}
	return writeCompany(stdout, after, accounts, time.Now())
}

// checkChangeArgs checks the command line before anything is opened.
func checkChangeArgs(fs *flag.FlagSet, name string, cc companyChange, until string, now time.Time) error {
	if fs.NArg() != 1+len(cc.args) {
		return usageError{fmt.Sprintf("admin companies %s: give the company (ID, domain or email address) and %s", name, strings.Join(cc.args, " "))}
	}
	if !cc.until {
		if until != "" {
			return usageError{fmt.Sprintf("admin companies %s: --until is subscribe's", name)}
		}
		return nil
	}
	day, err := time.Parse(time.DateOnly, until)
	switch {
	case until == "":
		return usageError{"admin companies subscribe: --until YYYY-MM-DD, the subscription's last day, is required"}
	case err != nil:
		return usageError{fmt.Sprintf("admin companies subscribe: --until %q is not a date: want YYYY-MM-DD, such as 2027-06-30", until)}
	case day.Format(time.DateOnly) < now.UTC().Format(time.DateOnly):
		return usageError{fmt.Sprintf("admin companies subscribe: --until %s is in the past (`companies unsubscribe` ends a subscription)", until)}
	}
	return nil
}

func setName(ctx context.Context, ch *changing) (companies.Company, error) {
	after, err := ch.store.SetName(ctx, ch.before.ID, ch.args[0])
	if err != nil {
		return after, err
	}
	ch.said = fmt.Sprintf("renamed %s to %s", ch.before.Name, after.Name)
	ch.attrs = []any{"old_name", ch.before.Name}
	return after, nil
}

func addDomain(ctx context.Context, ch *changing) (companies.Company, error) {
	domain, err := ch.store.BusinessDomain(ch.args[0])
	if errors.Is(err, companies.ErrDomainRefused) {
		// The rule's own words, as a registration would get them, with
		// its reason code for support.
		d := ch.policy.Decide("postmaster@" + strings.TrimSpace(ch.args[0]))
		msg := d.Message()
		if d.Address.Domain == "" {
			msg = d.Reason.Message(ch.args[0], "")
		}
		return companies.Company{}, fmt.Errorf("add %q: %w (%s): %s", strings.TrimSpace(ch.args[0]), companies.ErrDomainRefused, d.Reason.Code(), msg)
	}
	if err != nil {
		return companies.Company{}, err
	}
	after, err := ch.store.AddDomain(ctx, ch.before.ID, domain)
	if errors.Is(err, companies.ErrDomainTaken) {
		owner, ownerErr := ch.store.Company(ctx, domain)
		if ownerErr != nil {
			return after, err
		}
		return after, fmt.Errorf("add %s: %w: %s (%s); to join them: workid admin companies merge %s %s",
			domain, companies.ErrDomainTaken, owner.Name, owner.ID, ch.before.ID, domain)
	}
	if err != nil {
		return after, err
	}
	ch.said = fmt.Sprintf("added %s to %s", domain, after.Name)
	if slices.Contains(ch.before.Domains, domain) {
		ch.said = fmt.Sprintf("%s already holds %s: nothing changed", after.Name, domain)
		ch.unchanged = true
	}
	ch.attrs = []any{"domain", domain}
	return after, nil
}

func merge(ctx context.Context, ch *changing) (companies.Company, error) {
	from, err := ch.store.Find(ctx, ch.args[0])
	if err != nil {
		return from, fmt.Errorf("merge: %w", err)
	}
	if from.ID == ch.before.ID {
		return from, fmt.Errorf("merge %s into %s: they are the same company (%s): %w", strings.TrimSpace(ch.args[0]), ch.before.Name, from.ID, companies.ErrInvalid)
	}
	after, err := ch.store.Merge(ctx, ch.before.ID, from.ID)
	if err != nil {
		return after, err
	}
	ch.said = fmt.Sprintf("merged %s (%s) into %s: its domains (%s), admins and subscriptions now belong to %s, and %s is gone",
		from.Name, from.ID, after.Name, strings.Join(from.Domains, ", "), after.Name, from.ID)
	ch.attrs = []any{"from_id", from.ID, "from_name", from.Name, "domains", strings.Join(from.Domains, " ")}
	return after, nil
}

func grantAdmin(ctx context.Context, ch *changing) (companies.Company, error) {
	id, who, err := resolveIdentity(ctx, ch.cfg, ch.args[0])
	if err != nil {
		return companies.Company{}, err
	}
	after, err := ch.store.GrantAdmin(ctx, ch.before.ID, id, companies.Operator)
	if errors.Is(err, companies.ErrNotMember) {
		return after, fmt.Errorf("make %s an admin of %s: %w: %s", who, ch.before.Name, companies.ErrNotMember, whyNotMember(ctx, ch, id))
	}
	if err != nil {
		return after, err
	}
	ch.said = fmt.Sprintf("made %s an admin of %s", who, after.Name)
	if slices.ContainsFunc(ch.before.Admins, func(a companies.Admin) bool { return a.IdentityID == id }) {
		ch.said = fmt.Sprintf("%s is already an admin of %s: nothing changed", who, after.Name)
		ch.unchanged = true
	}
	ch.attrs = []any{"identity_id", id}
	return after, nil
}

// whyNotMember explains, from the member index, why an identity is not a
// member of the company.
func whyNotMember(ctx context.Context, ch *changing, id string) string {
	accounts, err := ch.store.Accounts(ctx, []string{id})
	if err != nil {
		return err.Error()
	}
	r, ok := accounts[id]
	if !ok {
		return "the member index has no such account (it fills as accounts register and verify)"
	}
	a, _ := businessemail.Normalize(r.Address)
	if !slices.Contains(ch.before.Domains, a.Registrable) {
		return fmt.Sprintf("its address %s is not on the company's domains (%s)", r.Address, strings.Join(ch.before.Domains, ", "))
	}
	if r.State == companies.StateExpired {
		return fmt.Sprintf("the verification of %s expired on %s", r.Address, r.ValidUntil.Format(time.DateOnly))
	}
	return fmt.Sprintf("%s is not verified", r.Address)
}

func revokeAdmin(ctx context.Context, ch *changing) (companies.Company, error) {
	id, who, err := resolveIdentity(ctx, ch.cfg, ch.args[0])
	if err != nil {
		return companies.Company{}, err
	}
	after, err := ch.store.RevokeAdmin(ctx, ch.before.ID, id, companies.Operator)
	if errors.Is(err, companies.ErrNotAdmin) {
		return after, fmt.Errorf("revoke %s from %s: %w", who, ch.before.Name, companies.ErrNotAdmin)
	}
	if err != nil {
		return after, err
	}
	ch.said = fmt.Sprintf("%s is no longer an admin of %s", who, after.Name)
	ch.attrs = []any{"identity_id", id}
	return after, nil
}

// resolveIdentity turns an identity ID, email address or username into
// an identity ID, and a label for messages. An ID is taken as it is,
// without asking Kratos: the database holds ids, and an operator must be
// able to revoke an admin whatever Kratos says.
func resolveIdentity(ctx context.Context, cfg config.Admin, who string) (id, label string, err error) {
	who = strings.TrimSpace(who)
	if uuidPattern.MatchString(who) {
		return strings.ToLower(who), strings.ToLower(who), nil
	}
	ident, err := findIdentity(ctx, kratosapi.New(cfg.Kratos.AdminURL), cfg.Kratos.AdminURL, who)
	if err != nil {
		return "", "", err
	}
	return ident.Id, fmt.Sprintf("%s (%s)", who, ident.Id), nil
}

func subscribe(ctx context.Context, ch *changing) (companies.Company, error) {
	name := ch.args[0]
	after, err := ch.store.Subscribe(ctx, ch.before.ID, name, ch.until)
	if err != nil {
		return after, err
	}
	ch.said = fmt.Sprintf("%s has %s until %s", after.Name, name, ch.until)
	ch.attrs = []any{"subscription", name, "until", ch.until}
	for _, s := range ch.before.Subscriptions {
		if s.Name == name {
			ch.said += " (was until " + s.EndsOn + ")"
			ch.attrs = append(ch.attrs, "was_until", s.EndsOn)
		}
	}
	return after, nil
}

func unsubscribe(ctx context.Context, ch *changing) (companies.Company, error) {
	name := ch.args[0]
	after, err := ch.store.Unsubscribe(ctx, ch.before.ID, name)
	if errors.Is(err, companies.ErrInvalid) {
		has := subscriptionsText(ch.before.Subscriptions, time.Now())
		return after, fmt.Errorf("%s has no %q subscription (it has: %s): %w", ch.before.Name, name, orNone(has), companies.ErrInvalid)
	}
	if err != nil {
		return after, err
	}
	ch.said = fmt.Sprintf("ended the %s subscription of %s", name, after.Name)
	ch.attrs = []any{"subscription", name}
	return after, nil
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
