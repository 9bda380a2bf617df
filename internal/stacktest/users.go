package stacktest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	kratos "github.com/ory/kratos-client-go"

	"github.com/workid/workid/internal/kratosapi"
)

// User is what a person types into the registration form.
type User struct {
	Email, Username, First, Last, Password string
}

// NewUser returns a user with a unique username and an address at domain.
func NewUser(domain string) User {
	b := make([]byte, 5)
	_, _ = rand.Read(b)
	id := hex.EncodeToString(b)
	return User{
		Email:    "user-" + id + "@" + domain,
		Username: "user_" + id,
		First:    "Test",
		Last:     "User " + id,
		Password: "a long passphrase " + id,
	}
}

// Traits returns u's identity traits as the identity schema names them.
func (u User) Traits() map[string]any {
	return map[string]any{
		"email":    u.Email,
		"username": u.Username,
		"name":     map[string]any{"first": u.First, "last": u.Last},
	}
}

// Registered is the result of a successful registration.
type Registered struct {
	Identity     kratos.Identity
	SessionToken string
}

// FlowError is a self-service submission Kratos refused, with the form as
// it came back: its messages say why.
type FlowError struct {
	Status int
	// UI is the returned form; nil when Kratos sent no flow.
	UI   *kratos.UiContainer
	Body string
}

// Error says the flow was refused, with Kratos's answer.
func (e *FlowError) Error() string {
	return fmt.Sprintf("refused with status %d: %s", e.Status, e.Body)
}

// Messages returns the texts of the form's messages on the input named
// field ("traits.email"), or of the form itself when field is "".
func (e *FlowError) Messages(field string) []string {
	if e.UI == nil {
		return nil
	}
	var out []string
	if field == "" {
		for _, m := range e.UI.Messages {
			out = append(out, m.Text)
		}
		return out
	}
	for _, n := range e.UI.Nodes {
		if n.Attributes.UiNodeInputAttributes != nil && n.Attributes.UiNodeInputAttributes.Name == field {
			for _, m := range n.Messages {
				out = append(out, m.Text)
			}
		}
	}
	return out
}

// MessageIDs returns the IDs of the messages on field, as Messages does.
func (e *FlowError) MessageIDs(field string) []int64 {
	if e.UI == nil {
		return nil
	}
	var out []int64
	for _, n := range e.UI.Nodes {
		if n.Attributes.UiNodeInputAttributes != nil && n.Attributes.UiNodeInputAttributes.Name == field {
			for _, m := range n.Messages {
				out = append(out, m.Id)
			}
		}
	}
	return out
}

// flowError turns an SDK error into a *FlowError when Kratos answered.
func flowError(err error, resp *http.Response) error {
	if resp == nil {
		return fmt.Errorf("kratos did not answer: %w", err)
	}
	fe := &FlowError{Status: resp.StatusCode, Body: kratosapi.ErrorBody(err)}
	var oe *kratos.GenericOpenAPIError
	if errors.As(err, &oe) {
		switch f := oe.Model().(type) {
		case kratos.RegistrationFlow:
			fe.UI = &f.Ui
		case kratos.SettingsFlow:
			fe.UI = &f.Ui
		case kratos.LoginFlow:
			fe.UI = &f.Ui
		}
	}
	return fe
}

// Register signs u up through Kratos's API flow (password method) and
// returns the new identity and its session token. A refusal is a
// *FlowError.
func (s *Stack) Register(ctx context.Context, u User) (*Registered, error) {
	flow, _, err := s.Public.FrontendAPI.CreateNativeRegistrationFlow(ctx).Execute()
	if err != nil {
		return nil, fmt.Errorf("create registration flow: %s", apiError(err))
	}
	body := kratos.UpdateRegistrationFlowWithPasswordMethodAsUpdateRegistrationFlowBody(
		kratos.NewUpdateRegistrationFlowWithPasswordMethod("password", u.Password, u.Traits()))
	res, resp, err := s.Public.FrontendAPI.UpdateRegistrationFlow(ctx).Flow(flow.Id).UpdateRegistrationFlowBody(body).Execute()
	if err != nil {
		return nil, flowError(err, resp)
	}
	r := &Registered{Identity: res.Identity}
	if res.SessionToken != nil {
		r.SessionToken = *res.SessionToken
	}
	return r, nil
}

// Median returns the middle of d (d is not changed), for benchmarks that
// compare two medians measured in the same run.
func Median(d []time.Duration) time.Duration { return Percentile(d, 50) }

// Percentile returns the p-th percentile of d (d is not changed): the
// value below which p percent of them lie.
func Percentile(d []time.Duration, p int) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[min(len(s)-1, len(s)*p/100)]
}

// Whoami returns the session of a session token, or an error when it is
// not valid.
func (s *Stack) Whoami(ctx context.Context, token string) (*kratos.Session, error) {
	sess, _, err := s.Public.FrontendAPI.ToSession(ctx).XSessionToken(token).Execute()
	if err != nil {
		return nil, fmt.Errorf("whoami: %s", apiError(err))
	}
	return sess, nil
}

// Identity returns an identity from the admin API.
func (s *Stack) Identity(ctx context.Context, id string) (*kratos.Identity, error) {
	ident, _, err := s.Admin.IdentityAPI.GetIdentity(ctx, id).Execute()
	if err != nil {
		return nil, fmt.Errorf("get identity %s: %s", id, apiError(err))
	}
	return ident, nil
}

// AgeVerification rewrites when the identity's first address was
// verified, through the admin API, as if it had happened at verifiedAt.
// The address must be verified already.
func (s *Stack) AgeVerification(ctx context.Context, identityID string, verifiedAt time.Time) error {
	patch := []kratos.JsonPatch{{Op: "replace", Path: "/verifiable_addresses/0/verified_at", Value: verifiedAt.UTC().Format(time.RFC3339Nano)}}
	_, resp, err := s.Admin.IdentityAPI.PatchIdentity(ctx, identityID).JsonPatch(patch).Execute()
	if err != nil {
		return fmt.Errorf("age verification of %s: %s", identityID, apiError(err))
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("age verification of %s: status %d", identityID, resp.StatusCode)
	}
	return nil
}

// Login signs in with a password through the API flow and returns the
// session token.
func (s *Stack) Login(ctx context.Context, identifier, password string) (string, error) {
	flow, _, err := s.Public.FrontendAPI.CreateNativeLoginFlow(ctx).Execute()
	if err != nil {
		return "", fmt.Errorf("create login flow: %s", apiError(err))
	}
	body := kratos.UpdateLoginFlowWithPasswordMethodAsUpdateLoginFlowBody(
		kratos.NewUpdateLoginFlowWithPasswordMethod(identifier, "password", password))
	res, resp, err := s.Public.FrontendAPI.UpdateLoginFlow(ctx).Flow(flow.Id).UpdateLoginFlowBody(body).Execute()
	if err != nil {
		return "", flowError(err, resp)
	}
	if res.SessionToken == nil {
		return "", errors.New("login returned no session token")
	}
	return *res.SessionToken, nil
}

// UpdateProfile changes the traits of the session's identity through the
// API settings flow (profile method). A refusal is a *FlowError.
func (s *Stack) UpdateProfile(ctx context.Context, token string, traits map[string]any) (*kratos.SettingsFlow, error) {
	flow, _, err := s.Public.FrontendAPI.CreateNativeSettingsFlow(ctx).XSessionToken(token).Execute()
	if err != nil {
		return nil, fmt.Errorf("create settings flow: %s", apiError(err))
	}
	body := kratos.UpdateSettingsFlowWithProfileMethodAsUpdateSettingsFlowBody(
		kratos.NewUpdateSettingsFlowWithProfileMethod("profile", traits))
	res, resp, err := s.Public.FrontendAPI.UpdateSettingsFlow(ctx).Flow(flow.Id).XSessionToken(token).UpdateSettingsFlowBody(body).Execute()
	if err != nil {
		return nil, flowError(err, resp)
	}
	return res, nil
}

// CreateIdentity makes an identity through the admin API, which runs no
// hooks: how accounts made before WorkID's rule (or by an admin) exist.
func (s *Stack) CreateIdentity(ctx context.Context, u User) (*kratos.Identity, error) {
	pw := u.Password
	body := kratos.CreateIdentityBody{
		SchemaId: "default",
		Traits:   u.Traits(),
		Credentials: &kratos.IdentityWithCredentials{Password: &kratos.IdentityWithCredentialsPassword{
			Config: &kratos.IdentityWithCredentialsPasswordConfig{Password: &pw},
		}},
	}
	ident, _, err := s.Admin.IdentityAPI.CreateIdentity(ctx).CreateIdentityBody(body).Execute()
	if err != nil {
		return nil, fmt.Errorf("create identity %s: %s", u.Email, apiError(err))
	}
	return ident, nil
}

// NewVerifiedUser creates a user of domain through the admin API, its
// address verified at verifiedAt, and fails t if Kratos refuses.
func (s *Stack) NewVerifiedUser(t testing.TB, domain string, verifiedAt time.Time) User {
	t.Helper()
	u := NewUser(domain)
	if _, err := s.CreateVerifiedIdentity(t.Context(), u, verifiedAt); err != nil {
		t.Fatalf("create a verified identity for %s: %v", u.Email, err)
	}
	return u
}

// CreateVerifiedIdentity makes an identity through the admin API whose
// address was verified at verifiedAt.
func (s *Stack) CreateVerifiedIdentity(ctx context.Context, u User, verifiedAt time.Time) (*kratos.Identity, error) {
	pw := u.Password
	at := verifiedAt.UTC()
	body := kratos.CreateIdentityBody{
		SchemaId: "default",
		Traits:   u.Traits(),
		Credentials: &kratos.IdentityWithCredentials{Password: &kratos.IdentityWithCredentialsPassword{
			Config: &kratos.IdentityWithCredentialsPasswordConfig{Password: &pw},
		}},
		VerifiableAddresses: []kratos.VerifiableIdentityAddress{{
			Value: strings.ToLower(u.Email), Verified: true, Via: "email", Status: "completed", VerifiedAt: &at,
		}},
	}
	ident, _, err := s.Admin.IdentityAPI.CreateIdentity(ctx).CreateIdentityBody(body).Execute()
	if err != nil {
		return nil, fmt.Errorf("create identity %s: %s", u.Email, apiError(err))
	}
	return ident, nil
}

// IdentitiesByEmail lists the identities whose credentials use email.
func (s *Stack) IdentitiesByEmail(ctx context.Context, email string) ([]kratos.Identity, error) {
	ids, _, err := s.Admin.IdentityAPI.ListIdentities(ctx).CredentialsIdentifier(email).Execute()
	if err != nil {
		return nil, fmt.Errorf("list identities for %s: %s", email, apiError(err))
	}
	return ids, nil
}

// AssertRefusedOnEmail fails t unless err is a flow Kratos refused with
// 400 and, on the email field, the message wantText with ID wantID: the
// business-email hook's answer as users see it.
func AssertRefusedOnEmail(t testing.TB, err error, wantText string, wantID int64) {
	t.Helper()
	var fe *FlowError
	if !errors.As(err, &fe) {
		t.Fatalf("got %v, want a refused flow", err)
	}
	if fe.Status != 400 {
		t.Errorf("status = %d, want 400", fe.Status)
	}
	if got := fe.Messages("traits.email"); !slices.Contains(got, wantText) {
		t.Errorf("messages on the email field = %q, want %q", got, wantText)
	}
	if got := fe.MessageIDs("traits.email"); !slices.Contains(got, wantID) {
		t.Errorf("message IDs on the email field = %v, want %d", got, wantID)
	}
}
