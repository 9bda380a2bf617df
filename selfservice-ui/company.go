package selfserviceui

import (
	"context"
	"slices"
	"time"

	"github.com/workid/workid/internal/businessemail"
	"github.com/workid/workid/internal/companies"
	"github.com/workid/workid/internal/emailstate"
	"github.com/workid/workid/internal/locale"
)

// companyOf returns the account's company when it is a member now, nil
// when it is none's. Membership is read from the database on every call
// and checked against what Kratos says of the account now: its
// verification current, its address on one of the company's domains. A
// member index that lags behind Kratos (an address changed a moment ago)
// never gives access. early is a read begun before (readMembership), or
// nil.
func (s *Server) companyOf(ctx context.Context, ident *identity, st emailstate.State, early *membershipRead) (*companies.Membership, error) {
	if s.Companies == nil || !st.Current() {
		return nil, nil
	}
	m, err := s.membershipOf(ctx, early, ident.ID)
	if err != nil || m == nil {
		return nil, err
	}
	addr, reason := businessemail.Normalize(ident.Traits.Email)
	if !reason.Allowed() || !slices.Contains(m.Company.Domains, addr.Registrable) {
		return nil, nil
	}
	return m, nil
}

// companyView is the dashboard's "Your company" card, in the page's
// language.
type companyView struct {
	Heading string
	// Subscriptions are the open ones, each with its last day.
	Subscriptions []subscriptionLine
	// None says there are none open.
	None string
	// People is the button to the company page, for an admin; else "".
	People string
}

// subscriptionLine is one open subscription and until when.
type subscriptionLine struct{ Name, Until string }

func newCompanyView(tx *locale.Texts, m *companies.Membership, now time.Time) *companyView {
	if m == nil {
		return nil
	}
	v := &companyView{Heading: tx.T("dashboard.company_heading", "Company", m.Company.Name)}
	for _, sub := range m.Active(now) {
		v.Subscriptions = append(v.Subscriptions, subscriptionLine{Name: sub.Name, Until: tx.T("dashboard.until", "Date", tx.Day(sub.EndsOn))})
	}
	if len(v.Subscriptions) == 0 {
		v.None = tx.T("dashboard.no_subscriptions")
	}
	if m.Admin {
		v.People = tx.T("dashboard.people")
	}
	return v
}

// serviceState says whether a service is open to the account and why:
// the address first (a service that sends mail needs it verified, and so
// does every subscription, which comes with a company), then the
// company's subscription.
func serviceState(tx *locale.Texts, svc Service, st emailstate.State, m *companies.Membership, lookupFailed bool, now time.Time) serviceView {
	v := serviceView{ID: svc.ID, Name: svc.Name, Description: svc.Description, URL: svc.URL, Enabled: true}
	switch {
	case (svc.NeedsVerifiedEmail || svc.RequiresSubscription != "") && !st.Current():
		v.Enabled = false
		why := "reason.needs_verified_subscription"
		if svc.NeedsVerifiedEmail {
			why = "reason.needs_verified"
		}
		v.Reason = locale.Sentences(tx.T(why, "Service", svc.Name), reasonText(tx, newEmailView(st)))
	case svc.RequiresSubscription == "":
	case lookupFailed:
		v.Enabled = false
		v.Reason = tx.T("reason.lookup_failed")
	default:
		open, text := subscriptionReason(tx, svc.Name, svc.RequiresSubscription, m, now)
		v.Enabled = open
		if open {
			v.Note = text
		} else {
			v.Reason = text
		}
	}
	return v
}

// subscriptionOpen reports whether the account's company (m, nil for
// none) has subscription name open at now. The dashboard's services and
// the sign-in gate of a connected service both ask it.
func subscriptionOpen(name string, m *companies.Membership, now time.Time) bool {
	if m == nil {
		return false
	}
	sub, ok := subscription(m.Company.Subscriptions, name)
	return ok && sub.Active(now)
}

// subscriptionReason is subscriptionOpen with the sentence in tx's
// language a page shows for service what: until when it is open, or why
// it is closed.
func subscriptionReason(tx *locale.Texts, what, name string, m *companies.Membership, now time.Time) (open bool, text string) {
	if m == nil {
		return false, tx.T("reason.no_company", "Service", what)
	}
	sub, ok := subscription(m.Company.Subscriptions, name)
	switch {
	case ok && sub.Active(now):
		return true, tx.T("reason.included", "Service", what, "Subscription", sub.Name, "Date", tx.Day(sub.EndsOn))
	case ok:
		return false, tx.T("reason.ended", "Subscription", sub.Name, "Date", tx.Day(sub.EndsOn))
	}
	return false, tx.T("reason.no_subscription", "Subscription", name)
}

func subscription(subs []companies.Subscription, name string) (companies.Subscription, bool) {
	for _, sub := range subs {
		if sub.Name == name {
			return sub, true
		}
	}
	return companies.Subscription{}, false
}
