package stacktest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"time"

	kratos "github.com/ory/kratos-client-go"
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

// RegistrationError is a registration Kratos refused, with the flow as it
// came back: its messages say why.
type RegistrationError struct {
	Status int
	Flow   *kratos.RegistrationFlow
	Body   string
}

func (e *RegistrationError) Error() string {
	return fmt.Sprintf("registration refused with status %d: %s", e.Status, e.Body)
}

// Messages returns the texts of the flow's messages on the node named
// field ("traits.email"), or of the flow itself when field is "".
func (e *RegistrationError) Messages(field string) []string {
	if e.Flow == nil {
		return nil
	}
	var out []string
	if field == "" {
		for _, m := range e.Flow.Ui.Messages {
			out = append(out, m.Text)
		}
		return out
	}
	for _, n := range e.Flow.Ui.Nodes {
		if n.Attributes.UiNodeInputAttributes != nil && n.Attributes.UiNodeInputAttributes.Name == field {
			for _, m := range n.Messages {
				out = append(out, m.Text)
			}
		}
	}
	return out
}

// Register signs u up through Kratos's API flow (password method) and
// returns the new identity and its session token. A refusal is a
// *RegistrationError.
func (s *Stack) Register(ctx context.Context, u User) (*Registered, error) {
	flow, _, err := s.Public.FrontendAPI.CreateNativeRegistrationFlow(ctx).Execute()
	if err != nil {
		return nil, fmt.Errorf("create registration flow: %s", apiError(err))
	}
	body := kratos.UpdateRegistrationFlowWithPasswordMethodAsUpdateRegistrationFlowBody(
		kratos.NewUpdateRegistrationFlowWithPasswordMethod("password", u.Password, u.Traits()))
	res, resp, err := s.Public.FrontendAPI.UpdateRegistrationFlow(ctx).Flow(flow.Id).UpdateRegistrationFlowBody(body).Execute()
	if err != nil {
		rerr := &RegistrationError{Body: apiError(err)}
		if resp != nil {
			rerr.Status = resp.StatusCode
		}
		var oe *kratos.GenericOpenAPIError
		if errors.As(err, &oe) {
			if f, ok := oe.Model().(kratos.RegistrationFlow); ok {
				rerr.Flow = &f
			}
		}
		return nil, rerr
	}
	r := &Registered{Identity: res.Identity}
	if res.SessionToken != nil {
		r.SessionToken = *res.SessionToken
	}
	return r, nil
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
