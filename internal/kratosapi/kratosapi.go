// Package kratosapi makes Kratos SDK clients the way WorkID needs them:
// with a timeout (the SDK's default HTTP client has none).
package kratosapi

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	kratos "github.com/ory/kratos-client-go"
)

// Timeout bounds every call WorkID makes to Kratos through the SDK.
const Timeout = 30 * time.Second

// New returns a Kratos SDK client for the API at url (public or admin).
func New(url string) *kratos.APIClient {
	c := kratos.NewConfiguration()
	c.Servers = kratos.ServerConfigurations{{URL: url}}
	c.HTTPClient = &http.Client{Timeout: Timeout}
	return kratos.NewAPIClient(c)
}

// ErrorBody returns what Kratos answered when an SDK call failed with an
// answer (its JSON error, trimmed), or "" when err carries none.
func ErrorBody(err error) string {
	var oe *kratos.GenericOpenAPIError
	if errors.As(err, &oe) {
		return strings.TrimSpace(string(oe.Body()))
	}
	return ""
}

var nextLink = regexp.MustCompile(`<([^>]+)>;\s*rel="next"`)

// NextPageToken reads the token of the next page from a list answer's
// Link header; "" on the last page.
func NextPageToken(resp *http.Response) (string, error) {
	m := nextLink.FindStringSubmatch(resp.Header.Get("Link"))
	if m == nil {
		return "", nil
	}
	u, err := url.Parse(m[1])
	if err != nil {
		return "", fmt.Errorf("read the next page's link: %w", err)
	}
	return u.Query().Get("page_token"), nil
}
