package selfserviceui

import (
	"slices"
	"strings"
	"time"

	"github.com/workid/workid/internal/businessemail"
	"github.com/workid/workid/internal/companies"
	"github.com/workid/workid/internal/emailstate"
)

// idTokenClaims are the claims of the ID token (and userinfo) a connected
// service gets for the granted scopes. email_verified is emailstate's one
// rule: verified, and less than the maximum age ago. The company domain
// is recorded when an address is set, before it is verified, so it is
// only given with a current verification. So is the company (m, nil for
// none), which companyOf gives only to a current member.
func idTokenClaims(ident *identity, st emailstate.State, m *companies.Membership, now time.Time, scopes []string) map[string]any {
	c := map[string]any{}
	if slices.Contains(scopes, "email") {
		c["email"] = strings.ToLower(ident.Traits.Email)
		c["email_verified"] = st.Current()
	}
	if slices.Contains(scopes, "profile") {
		first, last := ident.Traits.Name.First, ident.Traits.Name.Last
		c["preferred_username"] = ident.Traits.Username
		c["given_name"] = first
		c["family_name"] = last
		c["name"] = strings.TrimSpace(first + " " + last)
		if company, _ := ident.Public()[businessemail.CompanyDomainKey].(string); company != "" && st.Current() {
			// The claim's name is a contract with the services, kept
			// apart from the metadata field's even where they agree.
			c["company_domain"] = company
		}
		if m != nil && st.Current() {
			c["company"] = map[string]any{"id": m.Company.ID, "name": m.Company.Name}
			subs := []map[string]string{}
			for _, sub := range m.Active(now) {
				subs = append(subs, map[string]string{"name": sub.Name, "ends_on": sub.EndsOn})
			}
			c["subscriptions"] = subs
		}
	}
	return c
}
