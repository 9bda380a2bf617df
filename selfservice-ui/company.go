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
func serviceState(svc Service, email emailView, st emailstate.State, m *companies.Membership, lookupFailed bool, now time.Time) serviceView {
	v := serviceView{Service: svc, Enabled: true}
	needsAddress := svc.NeedsVerifiedEmail || svc.RequiresSubscription != ""
	switch {
	case needsAddress && !st.Current():
		v.Enabled = false
		if svc.NeedsVerifiedEmail {
			v.Reason = svc.Name + " sends you email, so it needs a verified address. " + reasonText(email)
		} else {
			v.Reason = svc.Name + " comes with your company's subscription, which needs your verified work address. " + reasonText(email)
		}
	case svc.RequiresSubscription == "":
	case lookupFailed:
		v.Enabled = false
		v.Reason = "We could not check your company's subscriptions just now. Please try again in a minute."
	case m == nil:
		v.Enabled = false
		v.Reason = svc.Name + " comes with a company subscription, and your account does not belong to a company: use your work address."
	default:
		sub, ok := subscription(m.Company.Subscriptions, svc.RequiresSubscription)
		switch {
		case ok && sub.Active(now):
			v.Note = svc.Name + " is included in " + possessive(m.Company.Name) + " " + sub.Name + " subscription until " + day(sub.EndsOn) + "."
		case ok:
			v.Enabled = false
			v.Reason = possessive(m.Company.Name) + " " + sub.Name + " subscription ended on " + day(sub.EndsOn) + ": ask your company admin to renew it."
		default:
			v.Enabled = false
			v.Reason = "Your company has no " + svc.RequiresSubscription + " subscription: ask your company admin."
		}
	}
	return v
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
