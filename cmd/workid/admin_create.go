package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	kratos "github.com/ory/kratos-client-go"

	"github.com/workid/workid/config"
	"github.com/workid/workid/internal/businessemail"
	"github.com/workid/workid/internal/emailrule"
	"github.com/workid/workid/internal/kratosapi"
	"github.com/workid/workid/internal/logging"
	"github.com/workid/workid/internal/traittext"
)

// identitySchema is the identity schema new identities get
// (kratos.yml, identity.default_schema_id).
const identitySchema = "default"

// overrideFlag is the flag that creates an identity the business-email
// rule refuses; its use is logged.
const overrideFlag = "allow-any-email"

// newIdentity is what `identities create` was asked to create.
type newIdentity struct {
	Email, Username, First, Last string
	// Password is "" when the user is to set one by recovery.
	Password string
	// AllowAnyEmail overrides a refusal of the business-email rule.
	AllowAnyEmail bool
}

// createdView is the new identity as `identities create` prints it: what
// `identities show` prints, and what the command did.
type createdView struct {
	identityView
	// Override names the flag that created an address the rule refuses.
	Override string `json:"override,omitempty"`
	// VerificationSentTo is the address Kratos mailed a verification link.
	VerificationSentTo string `json:"verification_sent_to"`
}

// runIdentitiesCreate creates an identity through Kratos's admin API with
// the rules a registration gets: the business-email rule (lists, operator
// files, MX check, as the hooks server has them) and the text rule for the
// username and names. Then Kratos mails the address a verification link.
func runIdentitiesCreate(ctx context.Context, args, environ []string, stdout, stderr io.Writer) error {
	req, asJSON, err := parseCreate(args, stderr)
	if err != nil {
		return err
	}
	cfg, err := config.Load[config.Admin](environ)
	if err != nil {
		return err
	}
	log := logging.New(stderr, cfg.Log)
	if err := req.normaliseNames(); err != nil {
		return err
	}
	d, err := judgeEmail(ctx, cfg.EmailRule, req, log)
	if err != nil {
		return err
	}
	admin := kratosapi.New(cfg.Kratos.AdminURL)
	ident, err := createIdentity(ctx, admin, cfg.Kratos.AdminURL, req, d)
	if err != nil {
		return err
	}
	v := createdView{identityView: viewIdentity(ident, time.Now(), cfg.MaxAge)}
	if !d.Allowed() {
		v.Override = "--" + overrideFlag
		v.Refused = refusalOf(d)
		log.WarnContext(ctx, "operator override: identity created with an address the business-email rule refuses",
			"override", v.Override, "operator", operator(environ), "identity_id", ident.Id,
			"reason", d.Reason.Code(), "domain", d.Address.Domain)
	}
	if err := sendVerification(ctx, kratosapi.New(cfg.Kratos.PublicURL), cfg.Kratos.PublicURL, ident.Id, v.Email); err != nil {
		return err
	}
	v.VerificationSentTo = v.Email
	if asJSON {
		return json.NewEncoder(stdout).Encode(v)
	}
	how := ""
	if v.Override != "" {
		how = " with the operator override " + v.Override
	}
	fmt.Fprintf(stdout, "created identity %s%s and mailed a verification link to %s\n", ident.Id, how, v.Email)
	return writeIdentity(stdout, v.identityView, time.Now())
}

// parseCreate reads the command line; every missing flag is named at once.
func parseCreate(args []string, stderr io.Writer) (newIdentity, bool, error) {
	fs := flag.NewFlagSet("admin identities create", flag.ContinueOnError)
	var req newIdentity
	fs.StringVar(&req.Email, "email", "", "the work email address (required)")
	fs.StringVar(&req.Username, "username", "", "the username, for signing in (required)")
	fs.StringVar(&req.First, "first-name", "", "the first name (required)")
	fs.StringVar(&req.Last, "last-name", "", "the last name (required)")
	passwordFile := fs.String("password-file", "", "read the password from this file's first line; without it the user sets one by recovery (\"Forgot password?\")")
	fs.BoolVar(&req.AllowAnyEmail, overrideFlag, false, "create it even when the business-email rule refuses the address (logged as an operator override)")
	asJSON := fs.Bool("json", false, "print the new identity as JSON")
	if err := parseFlags(fs, args, stderr); err != nil {
		return req, false, err
	}
	var missing []string
	for _, f := range []struct{ name, value string }{
		{"--email", req.Email}, {"--username", req.Username}, {"--first-name", req.First}, {"--last-name", req.Last},
	} {
		if strings.TrimSpace(f.value) == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		fmt.Fprintln(stderr, "usage: workid admin identities create --email E --username U --first-name F --last-name L [--password-file P] [--allow-any-email] [--json]")
		return req, false, usageError{"admin identities create: " + strings.Join(missing, ", ") + " required"}
	}
	if *passwordFile != "" {
		pw, err := readPassword(*passwordFile)
		if err != nil {
			return req, false, err
		}
		req.Password = pw
	}
	return req, *asJSON, nil
}

// readPassword returns the first line of path: a password never goes on
// the command line, where ps and shell histories would show it.
func readPassword(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("admin identities create: read the password: %w", err)
	}
	defer f.Close()
	line, err := bufio.NewReader(f).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("admin identities create: read the password: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", usageError{"admin identities create: the password file " + path + " is empty"}
	}
	return line, nil
}

// normaliseNames applies the text rule the hooks apply to the username
// and the names: refused characters are an error with the words the user
// would see, accepted text is stored in NFC.
func (req *newIdentity) normaliseNames() error {
	for _, f := range []struct {
		flag, field string
		value       *string
	}{
		{"--username", "username", &req.Username}, {"--first-name", "name.first", &req.First}, {"--last-name", "name.last", &req.Last},
	} {
		s, refused := traittext.Text(f.field, *f.value)
		if refused != nil {
			return fmt.Errorf("admin identities create: %s %w (%s, message %d): %s",
				f.flag, errRefused, refused.Problem.Code(), refused.Problem.MessageID(), refused.Message())
		}
		*f.value = s
	}
	return nil
}

// judgeEmail applies the business-email rule as the registration hook
// does. A refusal is an error unless the override is asked for and the
// address is an address at all.
func judgeEmail(ctx context.Context, cfg config.EmailRule, req newIdentity, log *slog.Logger) (businessemail.Decision, error) {
	policy, err := emailrule.LoadPolicy(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		return businessemail.Decision{}, err
	}
	d, mxErr := policy.DecideWithMX(ctx, emailrule.NewMailChecker(cfg), req.Email)
	if mxErr != nil {
		log.WarnContext(ctx, "mx check failed; allowing, as at registration", "domain", d.Address.Domain, "err", mxErr)
	}
	if d.Allowed() {
		return d, nil
	}
	refused := fmt.Errorf("admin identities create: %q %w (%s, message %d): %s",
		strings.TrimSpace(req.Email), errRefused, d.Reason.Code(), d.Reason.MessageID(), d.Message())
	switch {
	case notAnAddress(d.Reason):
		if req.AllowAnyEmail {
			return d, fmt.Errorf("%w (--%s does not apply: this is not an email address)", refused, overrideFlag)
		}
		return d, refused
	case !req.AllowAnyEmail:
		return d, fmt.Errorf("%w (--%s creates it anyway, logged as an override)", refused, overrideFlag)
	}
	return d, nil
}

// notAnAddress tells the refusals no override can lift: the text is not an
// email address, or its domain cannot exist on the internet ("acme",
// "localhost"), so no link could reach it. The others (a personal,
// disposable, denied, look-alike or reserved domain, one without mail
// servers) are the operator's call.
func notAnAddress(r businessemail.Reason) bool {
	switch r {
	case businessemail.Empty, businessemail.TooLong, businessemail.BadCharacters,
		businessemail.NotOneAt, businessemail.BadLocal, businessemail.BadDomain, businessemail.UnknownSuffix:
		return true
	}
	return false
}

// createIdentity creates the identity; an allowed address gets its
// company domain recorded, as the registration hook records it.
func createIdentity(ctx context.Context, admin *kratos.APIClient, adminURL string, req newIdentity, d businessemail.Decision) (*kratos.Identity, error) {
	body := kratos.CreateIdentityBody{
		SchemaId: identitySchema,
		Traits: map[string]any{
			"email":    strings.TrimSpace(req.Email),
			"username": req.Username,
			"name":     map[string]any{"first": req.First, "last": req.Last},
		},
	}
	if d.Allowed() {
		body.MetadataPublic = map[string]any{businessemail.CompanyDomainKey: d.Address.Registrable}
	}
	if req.Password != "" {
		body.Credentials = &kratos.IdentityWithCredentials{Password: &kratos.IdentityWithCredentialsPassword{
			Config: &kratos.IdentityWithCredentialsPasswordConfig{Password: &req.Password},
		}}
	}
	ident, resp, err := admin.IdentityAPI.CreateIdentity(ctx).CreateIdentityBody(body).Execute()
	if resp != nil && resp.StatusCode == 409 {
		return nil, fmt.Errorf("admin identities create: an identity with the email address %s or the username %s exists already", body.Traits["email"], req.Username)
	}
	if err != nil {
		return nil, adminAPIError(adminURL, "create identity", err, resp != nil)
	}
	return ident, nil
}

// sendVerification has Kratos mail address, that of the identity just
// created, a verification link with no transient payload: the ordinary
// text. Its error says the identity exists all the same.
func sendVerification(ctx context.Context, public *kratos.APIClient, publicURL, identityID, address string) error {
	resp, err := kratosapi.SendVerification(ctx, public, address, nil)
	if err != nil {
		if errors.Is(err, kratosapi.ErrMaybeSent) {
			return fmt.Errorf("identity %s created, but Kratos did not confirm mailing the verification link: it may be on its way (if not, the user can ask for one on the Profile page): %w", identityID, kratosapi.WithBody(err))
		}
		what := fmt.Sprintf("identity %s created, but Kratos did not mail the verification link (the user can ask for one on the Profile page)", identityID)
		return publicAPIError(publicURL, what, err, resp != nil)
	}
	return nil
}

// operator names who ran the command, for the override's log line.
func operator(environ []string) string {
	for _, key := range []string{"SUDO_USER", "USER", "LOGNAME"} {
		for _, kv := range environ {
			if v, ok := strings.CutPrefix(kv, key+"="); ok && v != "" {
				return v
			}
		}
	}
	return "unknown"
}
