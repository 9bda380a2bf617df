package selfserviceui

import (
	"html/template"
	"net/http"

	"github.com/workid/workid/internal/companies"
	"github.com/workid/workid/internal/emailstate"
	"github.com/workid/workid/internal/locale"

	"github.com/workid/workid/internal/businessemail"
)

// dashboardPage is the data of the dashboard. Its words are made here,
// in the page's language, not looked up by the template: each text the
// template asked for was a call through reflection, and together they
// were a quarter of the page's render.
type dashboardPage struct {
	Page  page
	Hello string
	Email emailView
	// EmailHeading, Badge and State describe the address: the badge
	// (BadgeKind "ok" or "warn") and the sentence beside it.
	EmailHeading, Badge, BadgeKind, State string
	// Send is the verification link's button, "" while the address is
	// verified.
	Send            string
	ServicesHeading string
	Services        []serviceView
	// Personal asks an account on a personal address to move to a
	// business one; "" for a business address.
	Personal template.HTML
	// Company is the account's company while it is a member, else nil.
	Company *companyView
}

// serviceView is what the dashboard shows of a service. Its fields are
// its own, not promoted from an embedded Service: html/template looks a
// promoted field up through every embedded struct, each time.
type serviceView struct {
	ID, Name, Description, URL string
	Enabled                    bool
	// Reason says why a closed service is closed; Note why an open one
	// is open, when a subscription opens it.
	Reason, Note string
	// Open is the service's button.
	Open string
}

// dashboard is "/": the signed-in user's account and services; everyone
// else goes to sign in.
func (s *Server) dashboard(w http.ResponseWriter, r *http.Request) {
	sess, early, ok := s.sessionAndCompany(w, r, "")
	if !ok {
		return
	}
	ident, st, err := s.accountState(r.Context(), &sess.Identity)
	if err != nil {
		s.unavailable(w, r, err)
		return
	}
	s.keepLanguage(r, ident)
	m, err := s.companyOf(r.Context(), ident, st, early)
	if err != nil {
		// The company database failing closes what needs a subscription,
		// not the dashboard.
		s.log.ErrorContext(r.Context(), "read company", "err", err)
	}
	s.render(w, r, http.StatusOK, "dashboard", s.newDashboardPage(r, ident, st, m, err != nil))
}

// newDashboardPage builds the dashboard's data: m is the account's company
// (nil for none), lookupFailed tells that it could not be read.
func (s *Server) newDashboardPage(r *http.Request, ident *identity, st emailstate.State, m *companies.Membership, lookupFailed bool) dashboardPage {
	tx := s.tr(r)
	email := newEmailView(st)
	p := dashboardPage{
		Page:            s.page(r, tx.T("dashboard.title"), "wide"),
		Hello:           tx.T("dashboard.hello", "Name", orDefault(ident.Traits.Name.First, ident.Traits.Username)),
		Email:           email,
		EmailHeading:    tx.T("dashboard.email_heading"),
		ServicesHeading: tx.T("dashboard.services_heading"),
	}
	p.Page.Nav, p.Page.User = "dashboard", ident
	p.Badge, p.BadgeKind, p.State = emailStateText(tx, email)
	if email.Status != "verified" {
		p.Send = tx.T("email.send")
	}
	if s.personal(ident) {
		p.Personal = tx.HTML("dashboard.personal_html", "Address", email.Address)
	}
	now := s.Now()
	p.Company = newCompanyView(tx, m, now)
	for _, svc := range s.services {
		v := serviceState(tx, svc.In(tx.Lang().Code), st, m, lookupFailed, now)
		v.Open = tx.T("dashboard.open", "Service", v.Name)
		p.Services = append(p.Services, v)
	}
	return p
}

// emailStateText is the dashboard's badge for the address, its kind ("ok"
// or "warn") and the sentence beside it.
func emailStateText(tx *locale.Texts, e emailView) (badge, kind, state string) {
	switch e.Status {
	case "verified":
		return tx.T("email.verified"), "ok", tx.T("email.verified_on", "Since", tx.Date(e.VerifiedAt), "Until", tx.Date(e.ValidUntil))
	case "expired":
		state = tx.T("email.expired_on", "Date", tx.Date(e.ExpiredAt))
		if !e.NewLinkSentAt.IsZero() {
			state += " " + tx.T("email.new_link_sent", "Address", e.Address, "Date", tx.Date(e.NewLinkSentAt))
		}
		return tx.T("email.expired"), "warn", state
	}
	return tx.T("email.unverified"), "warn", tx.T("email.unverified_follow", "Address", e.Address)
}

// personal reports an account still on a personal address: the lists
// name its provider, and the hooks server did not record the domain as the
// account's company (as it does for addresses the operator allows).
func (s *Server) personal(ident *identity) bool {
	if s.policy == nil {
		return false
	}
	d := s.policy.Decide(ident.Traits.Email)
	if d.Reason != businessemail.FreeMail && d.Reason != businessemail.Disposable {
		return false
	}
	company, _ := ident.Public()[businessemail.CompanyDomainKey].(string)
	return company != d.Address.Registrable
}

func reasonText(tx *locale.Texts, e emailView) string {
	if e.Status == "expired" {
		return tx.T("reason.expired")
	}
	return tx.T("reason.unverified", "Address", e.Address)
}
