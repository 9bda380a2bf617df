package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"text/tabwriter"
	"time"

	kratos "github.com/ory/kratos-client-go"

	"github.com/workid/workid/config"
	"github.com/workid/workid/internal/businessemail"
	"github.com/workid/workid/internal/companies"
	"github.com/workid/workid/internal/emailrule"
	"github.com/workid/workid/internal/emailstate"
	"github.com/workid/workid/internal/kratosapi"
	"github.com/workid/workid/internal/reverify"
)

// identityView is an identity as `admin identities show` prints it.
type identityView struct {
	ID            string        `json:"id"`
	State         string        `json:"state"`
	CreatedAt     time.Time     `json:"created_at,omitzero"`
	Username      string        `json:"username,omitempty"`
	Name          string        `json:"name,omitempty"`
	Email         string        `json:"email,omitempty"`
	CompanyDomain string        `json:"company_domain,omitempty"`
	Addresses     []addressView `json:"addresses"`
	// Reminder is the last "your verification expires soon" mail, as the
	// re-verification job recorded it.
	Reminder any `json:"reminder,omitempty"`
	// Refused is why the business-email rule refuses Email today; nil when
	// it allows it (or the rule could not be loaded).
	Refused *refusalView `json:"refused,omitempty"`
}

// refusalView is the business-email rule's refusal of an address: its
// reason and the words a user would read.
type refusalView struct {
	Reason    string `json:"reason"`
	MessageID int64  `json:"message_id"`
	Message   string `json:"message"`
}

func refusalOf(d businessemail.Decision) *refusalView {
	return &refusalView{Reason: d.Reason.Code(), MessageID: d.Reason.MessageID(), Message: d.Message()}
}

// addressView is one verifiable address and its verification state.
type addressView struct {
	Address       string    `json:"address"`
	Status        string    `json:"status"`
	VerifiedAt    time.Time `json:"verified_at,omitzero"`
	ValidUntil    time.Time `json:"valid_until,omitzero"`
	ExpiredAt     time.Time `json:"expired_at,omitzero"`
	NewLinkSentAt time.Time `json:"new_link_sent_at,omitzero"`
}

// runIdentities dispatches `workid admin identities ...`.
func runIdentities(ctx context.Context, args, environ []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "show" {
		return runIdentitiesShow(ctx, args[1:], environ, stdout, stderr)
	}
	if len(args) > 0 && args[0] == "list" {
		return runIdentitiesList(ctx, args[1:], environ, stdout, stderr)
	}
	if len(args) > 0 && args[0] == "create" {
		return runIdentitiesCreate(ctx, args[1:], environ, stdout, stderr)
	}
	fmt.Fprint(stderr, adminUsage)
	return usageError{fmt.Sprintf("admin: unknown command %q", strings.Join(append([]string{"identities"}, args...), " "))}
}

// runIdentitiesShow prints one identity: its account, its addresses with
// their verification dates, and the re-verification state.
func runIdentitiesShow(ctx context.Context, args, environ []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("admin identities show", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print the identity as JSON")
	const usage = "usage: workid admin identities show [--json] ID|EMAIL|USERNAME"
	if err := parseFlagsAndArgs(fs, args, usage, stderr); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, usage)
		return usageError{"admin identities show: give exactly one identity ID, email address or username"}
	}
	cfg, err := config.Load[config.Admin](environ)
	if err != nil {
		return err
	}
	ident, err := findIdentity(ctx, kratosapi.New(cfg.Kratos.AdminURL), cfg.Kratos.AdminURL, fs.Arg(0))
	if err != nil {
		return err
	}
	v := viewIdentity(ident, time.Now(), cfg.MaxAge)
	if v.Email != "" {
		d, err := judgeToday(ctx, cfg.EmailRule, v.Email)
		switch {
		case err != nil:
			// Support still sees the identity; only the check is missing.
			fmt.Fprintf(stderr, "workid: the business-email rule was not checked: %v\n", err)
		case !d.Allowed():
			v.Refused = refusalOf(d)
		}
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(v)
	}
	return writeIdentity(stdout, v, time.Now())
}

// judgeToday is the decision a registration with address would get now:
// the same lists, operator files and MX check. A failed MX lookup allows
// the address, as it does at registration.
func judgeToday(ctx context.Context, cfg config.EmailRule, address string) (businessemail.Decision, error) {
	policy, err := emailrule.LoadPolicy(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		return businessemail.Decision{}, err
	}
	d, _ := policy.DecideWithMX(ctx, emailrule.NewMailChecker(cfg), address)
	return d, nil
}

// uuidPattern is the form of Kratos's identity IDs.
var uuidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// errNoIdentity is the answer for an identity Kratos does not have.
var errNoIdentity = errors.New("no such identity")

// findIdentity looks up who by identity ID, or else by its sign-in
// identifier (email address or username).
func findIdentity(ctx context.Context, admin *kratos.APIClient, adminURL, who string) (*kratos.Identity, error) {
	who = strings.TrimSpace(who)
	if who == "" {
		return nil, usageError{"admin: the identity to look up is empty"}
	}
	if uuidPattern.MatchString(who) {
		ident, resp, err := admin.IdentityAPI.GetIdentity(ctx, who).Execute()
		if resp != nil && resp.StatusCode == 404 {
			return nil, fmt.Errorf("%w: Kratos has no identity with ID %s", errNoIdentity, who)
		}
		if err != nil {
			return nil, adminAPIError(adminURL, "get identity "+who, err, resp != nil)
		}
		return ident, nil
	}
	// Kratos keeps sign-in identifiers in lower case.
	ids, resp, err := admin.IdentityAPI.ListIdentities(ctx).CredentialsIdentifier(strings.ToLower(who)).Execute()
	if err != nil {
		return nil, adminAPIError(adminURL, "find identity "+who, err, resp != nil)
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("%w: no identity signs in as %q (give an identity ID, an email address or a username)", errNoIdentity, who)
	}
	return &ids[0], nil
}

// adminAPIError explains a failed admin API call; answered tells whether
// Kratos answered at all.
func adminAPIError(adminURL, what string, err error, answered bool) error {
	return kratosAPIError("admin API", "WORKID_KRATOS_ADMIN_URL", adminURL, what, err, answered)
}

// publicAPIError is adminAPIError for Kratos's public API.
func publicAPIError(publicURL, what string, err error, answered bool) error {
	return kratosAPIError("public API", "WORKID_KRATOS_PUBLIC_URL", publicURL, what, err, answered)
}

func kratosAPIError(api, setting, apiURL, what string, err error, answered bool) error {
	if !answered {
		return fmt.Errorf("%s: Kratos's %s at %s cannot be reached (is Kratos running, is %s right?): %w", what, api, apiURL, setting, err)
	}
	return fmt.Errorf("%s: Kratos answered: %w", what, kratosapi.WithBody(err))
}

// viewIdentity extracts what support staff need from an identity.
func viewIdentity(ident *kratos.Identity, now time.Time, maxAge time.Duration) identityView {
	v := identityView{ID: ident.Id, State: ident.GetState(), CreatedAt: ident.GetCreatedAt(), Addresses: []addressView{}}
	traits, _ := ident.Traits.(map[string]any)
	v.Username, _ = traits["username"].(string)
	v.Email, _ = traits["email"].(string)
	if name, ok := traits["name"].(map[string]any); ok {
		first, _ := name["first"].(string)
		last, _ := name["last"].(string)
		v.Name = strings.TrimSpace(first + " " + last)
	}
	if pub, ok := ident.MetadataPublic.(map[string]any); ok {
		v.CompanyDomain, _ = pub[businessemail.CompanyDomainKey].(string)
	}
	record := emailstate.RecordFrom(ident.MetadataAdmin)
	for _, a := range ident.VerifiableAddresses {
		st := emailstate.Of(emailstate.Address{Value: a.Value, Verified: a.Verified, VerifiedAt: a.VerifiedAt}, record, now, maxAge)
		v.Addresses = append(v.Addresses, addressView{
			Address: a.Value, Status: st.Status.String(), VerifiedAt: st.VerifiedAt, ValidUntil: st.ValidUntil,
			ExpiredAt: st.ExpiredAt, NewLinkSentAt: st.NewLinkSentAt,
		})
	}
	if m, ok := ident.MetadataAdmin.(map[string]any); ok {
		v.Reminder = m[reverify.ReminderKey]
	}
	return v
}

// writeIdentity prints v as aligned "name  value" lines.
func writeIdentity(w io.Writer, v identityView, now time.Time) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	line := func(name, value string) { field(tw, name, value) }
	line("identity", v.ID+" ("+v.State+")")
	if !v.CreatedAt.IsZero() {
		line("created", day(v.CreatedAt))
	}
	line("username", v.Username)
	line("name", v.Name)
	line("email", v.Email)
	if r := v.Refused; r != nil {
		line("warning", fmt.Sprintf("the business-email rule refuses this address today (%s, message %d): %s", r.Reason, r.MessageID, r.Message))
	}
	line("company domain", v.CompanyDomain)
	if len(v.Addresses) == 0 {
		line("address", "none: the identity has no verifiable address")
	}
	for _, a := range v.Addresses {
		line("address", a.Address+": "+describeAddress(a, now))
	}
	if m, ok := v.Reminder.(map[string]any); ok {
		line("last reminder", fmt.Sprintf("sent %v for the verification of %v on %v", m["sent_at"], m["address"], m["verified_at"]))
	}
	return tw.Flush()
}

// describeAddress says where an address stands, in words.
func describeAddress(a addressView, now time.Time) string {
	switch a.Status {
	case emailstate.Verified.String():
		if a.ValidUntil.IsZero() {
			return "verified"
		}
		return fmt.Sprintf("verified %s, valid until %s (%s left)", day(a.VerifiedAt), day(a.ValidUntil), days(a.ValidUntil.Sub(now)))
	case emailstate.Expired.String():
		s := fmt.Sprintf("expired %s (verified %s)", day(a.ExpiredAt), day(a.VerifiedAt))
		if !a.NewLinkSentAt.IsZero() {
			return s + ", new link sent " + day(a.NewLinkSentAt)
		}
		return s + ", new link not sent yet"
	}
	return "not verified"
}

func day(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }

func days(d time.Duration) string {
	n := int(d.Hours() / 24)
	if n == 1 {
		return "1 day"
	}
	return fmt.Sprintf("%d days", n)
}

// runAdminReverify expires one identity's address now and mails the new
// link, through the re-verification job's own steps.
func runAdminReverify(ctx context.Context, args, environ []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("admin reverify", flag.ContinueOnError)
	const usage = "usage: workid admin reverify ID|EMAIL|USERNAME"
	if err := parseFlagsAndArgs(fs, args, usage, stderr); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, usage)
		return usageError{"admin reverify: give exactly one identity ID, email address or username"}
	}
	cfg, err := config.Load[config.Admin](environ)
	if err != nil {
		return err
	}
	admin := kratosapi.New(cfg.Kratos.AdminURL)
	ident, err := findIdentity(ctx, admin, cfg.Kratos.AdminURL, fs.Arg(0))
	if err != nil {
		return err
	}
	job := reverify.New(admin, kratosapi.New(cfg.Kratos.PublicURL), reverify.Options{MaxAge: cfg.MaxAge}, nil, slog.New(slog.DiscardHandler))
	// The member index learns of the expiry at once (the company page
	// shows it); without the database the next pass tells it.
	if index, err := openIndexForExpiry(ctx, cfg, stderr); err == nil {
		defer index.Close()
		job.Index = index
	}
	r, err := job.ExpireNow(ctx, ident.Id)
	if err != nil {
		return err
	}
	v := viewIdentity(ident, time.Now(), cfg.MaxAge)
	what := "expired the verification of " + v.Email
	if r.Resumed > 0 {
		what = "finished the expiry of " + v.Email + " that an earlier pass started"
	}
	fmt.Fprintf(stdout, "%s (identity %s) and mailed a new verification link\n", what, ident.Id)
	return nil
}

// openIndexForExpiry opens the member index with the business-email rule
// for `admin reverify`, or says on stderr why the expiry goes without it.
func openIndexForExpiry(ctx context.Context, cfg config.Admin, stderr io.Writer) (*companies.Store, error) {
	policy, err := emailrule.LoadPolicy(ctx, cfg.EmailRule, slog.New(slog.DiscardHandler))
	if err == nil {
		var s *companies.Store
		if s, err = openCompanies(ctx, cfg, policy); err == nil {
			return s, nil
		}
	}
	fmt.Fprintf(stderr, "workid: the member index is not updated (the next re-verification pass does it): %v\n", err)
	return nil, err
}
