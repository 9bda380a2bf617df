package selfserviceui

import (
	"slices"
	"strings"

	"github.com/workid/workid/internal/businessemail"
	"github.com/workid/workid/internal/emailstate"
)

// idTokenClaims are the claims of the ID token (and userinfo) a connected
// service gets for the granted scopes. email_verified is emailstate's one
// rule: verified, and less than the maximum age ago. The company domain
// is recorded when an address is set, before it is verified, so it is
// only given with a current verification.
func idTokenClaims(ident *identity, st emailstate.State, scopes []string) map[string]any {
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
		if company, _ := ident.MetadataPublic[businessemail.CompanyDomainKey].(string); company != "" && st.Current() {
			// The claim's name is a contract with the services, kept
			// apart from the metadata field's even where they agree.
			c["company_domain"] = company
		}
	}
	return c
}
