package selfserviceui

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/workid/workid/internal/businessemail"
	"github.com/workid/workid/internal/companies"
	"github.com/workid/workid/internal/emailstate"
)

// companyOf returns the account's company when it is a member now, nil
// when it is none's. Membership is read from the database on every call
// and checked against what Kratos says of the account now: its
// verification current, its address on one of the company's domains. A
// member index that lags behind Kratos (an address changed a moment ago)
// never gives access.
func (s *Server) companyOf(ctx context.Context, ident *identity, st emailstate.State) (*companies.Membership, error) {
	if s.Companies == nil || !st.Current() {
		return nil, nil
	}
	m, err := s.Companies.MembershipOf(ctx, ident.ID)
	if err != nil || m == nil {
		return nil, err
	}
	addr, reason := businessemail.Normalize(ident.Traits.Email)
	if !reason.Allowed() || !slices.Contains(m.Company.Domains, addr.Registrable) {
		return nil, nil
	}
	return m, nil
}

// companyView is the dashboard's "Your company" card.
type companyView struct {
	Name string
	// Subscriptions are the open ones, each with its last day.
	Subscriptions []companies.Subscription
	// Admin links the company page.
	Admin bool
}

func newCompanyView(m *companies.Membership, now time.Time) *companyView {
	if m == nil {
		return nil
	}
	return &companyView{Name: m.Company.Name, Subscriptions: m.Active(now), Admin: m.Admin}
}

// serviceState says whether a service is open to the account and why:
// the address first (a service that sends mail needs it verified, and so
// does every subscription, which comes with a company), then the
// company's subscription.
func serviceState(svc Service, st emailstate.State, m *companies.Membership, lookupFailed bool, now time.Time) serviceView {
	v := serviceView{Service: svc, Enabled: true}
	switch {
	case (svc.NeedsVerifiedEmail || svc.RequiresSubscription != "") && !st.Current():
		v.Enabled = false
		if svc.NeedsVerifiedEmail {
			v.Reason = svc.Name + " sends you email, so it needs a verified address. " + reasonText(newEmailView(st))
		} else {
			v.Reason = svc.Name + " comes with your company's subscription, which needs your verified work address. " + reasonText(newEmailView(st))
		}
	case svc.RequiresSubscription == "":
	case lookupFailed:
		v.Enabled = false
		v.Reason = "We could not check your company's subscriptions just now. Please try again in a minute."
	default:
		open, text := subscriptionReason(svc.Name, svc.RequiresSubscription, m, now)
		v.Enabled = open
		if open {
			v.Note = text
		} else {
			v.Reason = text
		}
	}
	return v
}

// subscriptionReason says whether the account's company (m, nil for none)
// has subscription name open at now, with the sentence a page shows for
// service what: until when it is open, or why it is closed. The
// dashboard's services and the sign-in gate of a connected service both
// ask it.
func subscriptionReason(what, name string, m *companies.Membership, now time.Time) (open bool, text string) {
	if m == nil {
		return false, what + " comes with a company subscription, and your account does not belong to a company: use your work address."
	}
	sub, ok := subscription(m.Company.Subscriptions, name)
	switch {
	case ok && sub.Active(now):
		return true, what + " is included in " + possessive(m.Company.Name) + " " + sub.Name + " subscription until " + day(sub.EndsOn) + "."
	case ok:
		return false, possessive(m.Company.Name) + " " + sub.Name + " subscription ended on " + day(sub.EndsOn) + ": ask your company admin to renew it."
	}
	return false, "Your company has no " + name + " subscription: ask your company admin."
}

func subscription(subs []companies.Subscription, name string) (companies.Subscription, bool) {
	for _, sub := range subs {
		if sub.Name == name {
			return sub, true
		}
	}
	return companies.Subscription{}, false
}

// possessive is "Acme Widgets'" or "Globex's".
func possessive(name string) string {
	if strings.HasSuffix(name, "s") {
		return name + "'"
	}
	return name + "'s"
}

// day writes a YYYY-MM-DD date as the pages write dates.
func day(iso string) string {
	t, err := time.Parse(time.DateOnly, iso)
	if err != nil {
		return iso
	}
	return t.Format("2 January 2006")
}
