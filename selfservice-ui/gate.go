package selfserviceui

import (
	"time"

	hydra "github.com/ory/hydra-client-go/v2"

	"github.com/workid/workid/internal/companies"
	"github.com/workid/workid/internal/emailstate"
	"github.com/workid/workid/internal/locale"
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

// gated reports whether a client's metadata sets either condition, so its
// tokens are decided again on every refresh.
func gated(c *hydra.OAuth2Client) bool {
	return clientFlag(c, "requires_verified_email") || requiredSubscription(c) != ""
}

// requiredSubscription is the subscription a client's metadata requires,
// "" for none. A value that is not a subscription name (a list, true, a
// typo'd "Support") requires one nobody has: a mistake in a client's
// metadata closes the service instead of opening it.
func requiredSubscription(c *hydra.OAuth2Client) string {
	if c == nil {
		return ""
	}
	m, _ := c.Metadata.(map[string]any)
	v, set := m["requires_subscription"]
	if !set || v == nil {
		return ""
	}
	if name, ok := v.(string); ok && companies.ValidSubscriptionName(name) {
		return name
	}
	return invalidSubscription
}

// invalidSubscription stands for a requires_subscription that names no
// possible subscription: no company holds it.
const invalidSubscription = "(invalid requires_subscription in the client's metadata)"

// gateFor is the first condition of the client's the account does not
// meet: the address, then the subscription.
func gateFor(c *hydra.OAuth2Client, st emailstate.State, m *companies.Membership, now time.Time) gate {
	sub := requiredSubscription(c)
	if (clientFlag(c, "requires_verified_email") || sub != "") && !st.Current() {
		return gateEmail
	}
	if sub == "" {
		return gateNone
	}
	if subscriptionOpen(sub, m, now) {
		return gateNone
	}
	return gateSubscription
}

// subscriptionGateText says why the subscription gate is closed.
func subscriptionGateText(tx *locale.Texts, client, sub string, m *companies.Membership, now time.Time) string {
	if sub == invalidSubscription {
		return tx.T("consent.misconfigured", "Service", client)
	}
	_, text := subscriptionReason(tx, client, sub, m, now)
	return text
}
