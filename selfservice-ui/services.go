package selfserviceui

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"os"
	"regexp"
	"slices"

	"github.com/workid/workid/internal/companies"
	"github.com/workid/workid/internal/locale"
)

// Service is one connected service shown on the dashboard.
type Service struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	URL         string `json:"url"`
	// NeedsVerifiedEmail keeps the service disabled until the account's
	// address is verified (and its verification current).
	NeedsVerifiedEmail bool `json:"needs_verified_email"`
	// RequiresSubscription, when set, keeps the service closed unless the
	// account's company has this subscription open (which also needs the
	// address verified and current: a company is its verified members).
	RequiresSubscription string `json:"requires_subscription,omitempty"`
	// Translations are the name and description in other languages, by
	// language code ("de"); a language without one shows the service's own.
	Translations map[string]ServiceText `json:"translations,omitempty"`
}

// ServiceText is a service's name and description in one language.
type ServiceText struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

// In is the service as a page in language code shows it.
func (s Service) In(code string) Service {
	if t, ok := s.Translations[code]; ok {
		s.Name = t.Name
		s.Description = orDefault(t.Description, s.Description)
	}
	return s
}

var serviceID = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,39}$`)

// LoadServices reads the services file (a JSON array), reporting every
// problem in it at once.
func LoadServices(path string) ([]Service, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read services: %w", err)
	}
	var list []Service
	if err := json.Unmarshal(b, &list); err != nil {
		return nil, fmt.Errorf("read services %s: %w", path, err)
	}
	var problems []error
	seen := map[string]bool{}
	for i, s := range list {
		if !serviceID.MatchString(s.ID) || seen[s.ID] {
			problems = append(problems, fmt.Errorf("service %d: id %q must be unique, lower-case letters, digits and hyphens", i+1, s.ID))
		}
		seen[s.ID] = true
		if s.Name == "" {
			problems = append(problems, fmt.Errorf("service %q: name is required", s.ID))
		}
		for _, code := range slices.Sorted(maps.Keys(s.Translations)) {
			switch {
			case !locale.Known(code):
				problems = append(problems, fmt.Errorf("service %q: translation %q is not a shipped language (%s)", s.ID, code, locale.Codes()))
			case s.Translations[code].Name == "":
				problems = append(problems, fmt.Errorf("service %q: translation %q has no name", s.ID, code))
			}
		}
		if s.RequiresSubscription != "" && !companies.ValidSubscriptionName(s.RequiresSubscription) {
			problems = append(problems, fmt.Errorf("service %q: requires_subscription %q is not a subscription name (lower-case letters, digits, - or _)", s.ID, s.RequiresSubscription))
		}
		if u, err := url.Parse(s.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			problems = append(problems, fmt.Errorf("service %q: url %q is not an http(s) URL", s.ID, s.URL))
		}
	}
	if err := errors.Join(problems...); err != nil {
		return nil, fmt.Errorf("read services %s: %w", path, err)
	}
	return list, nil
}
