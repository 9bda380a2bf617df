package selfserviceui

import (
	"net/http"

	"github.com/workid/workid/internal/companies"
	"github.com/workid/workid/internal/emailstate"
	"github.com/workid/workid/internal/locale"

	"github.com/workid/workid/internal/businessemail"
)

// dashboardPage is the data of the dashboard.
type dashboardPage struct {
	Page     page
	Name     string
	Email    emailView
	Services []serviceView
	// Personal asks an account on a personal address to move to a business one.
	Personal bool
	// Company is the account's company while it is a member, else nil.
	Company *companyView
}

type serviceView struct {
	Service
	Enabled bool
	// Reason says why a closed service is closed; Note why an open one
	// is open, when a subscription opens it.
	Reason, Note string
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
	p := dashboardPage{
		Page:  s.page(r, tx.T("dashboard.title"), "wide"),
		Name:  orDefault(ident.Traits.Name.First, ident.Traits.Username),
		Email: newEmailView(st),
	}
	p.Page.Nav, p.Page.User = "dashboard", ident
	p.Personal = s.personal(ident)
	now := s.Now()
	p.Company = newCompanyView(m, now)
	for _, svc := range s.services {
		p.Services = append(p.Services, serviceState(tx, svc.In(tx.Lang().Code), st, m, lookupFailed, now))
	}
	return p
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
