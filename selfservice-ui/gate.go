package selfserviceui

import (
	"time"

	hydra "github.com/ory/hydra-client-go/v2"

	"github.com/workid/workid/internal/companies"
	"github.com/workid/workid/internal/emailstate"
)

// gate is why a connected service may not have tokens for an account yet.
type gate int

const (
	gateNone gate = iota
	// gateEmail: the service needs a verified, current address
	// (requires_verified_email, or requires_subscription, which needs one
	// too: a company is its verified members).
	gateEmail
	// gateSubscription: the service needs its subscription
	// (requires_subscription) open at the account's company.
	gateSubscription
)

// clientString is a string in a client's metadata.
func clientString(c *hydra.OAuth2Client, key string) string {
	if c == nil {
		return ""
	}
	m, _ := c.Metadata.(map[string]any)
	v, _ := m[key].(string)
	return v
}

// gated reports whether a client's metadata sets either condition, so its
// tokens are decided again on every refresh.
func gated(c *hydra.OAuth2Client) bool {
	return clientFlag(c, "requires_verified_email") || clientString(c, "requires_subscription") != ""
}

// gateFor is the first condition of the client's the account does not
// meet: the address, then the subscription.
func gateFor(c *hydra.OAuth2Client, st emailstate.State, m *companies.Membership, now time.Time) gate {
	sub := clientString(c, "requires_subscription")
	if (clientFlag(c, "requires_verified_email") || sub != "") && !st.Current() {
		return gateEmail
	}
	if sub == "" {
		return gateNone
	}
	if m != nil {
		for _, s := range m.Active(now) {
			if s.Name == sub {
				return gateNone
			}
		}
	}
	return gateSubscription
}

// subscriptionGateText says why the subscription gate is closed.
func subscriptionGateText(client, sub string, m *companies.Membership, now time.Time) string {
	if m == nil {
		return client + " comes with a company's " + sub + " subscription, and your account does not belong to a company: use your work address."
	}
	return serviceState(Service{Name: client, RequiresSubscription: sub}, emailView{}, emailstate.State{Status: emailstate.Verified}, m, false, now).Reason
}
