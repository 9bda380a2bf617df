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

// MetadataAdminOps is the JSON Patch that sets one key of an identity's
// metadata_admin and keeps its other keys, creating the object when the
// identity has none (an "add" needs its parent). A metadata_admin that is
// neither null nor an object belongs to someone else: it is never
// replaced, and the caller gets an error.
func MetadataAdminOps(metadataAdmin any, key string, value any) ([]kratos.JsonPatch, error) {
	switch metadataAdmin.(type) {
	case nil:
		return []kratos.JsonPatch{{Op: "add", Path: "/metadata_admin", Value: map[string]any{key: value}}}, nil
	case map[string]any:
		return []kratos.JsonPatch{{Op: "add", Path: "/metadata_admin/" + key, Value: value}}, nil
	}
	return nil, fmt.Errorf("metadata_admin is a %T, not an object: not touching it", metadataAdmin)
}
