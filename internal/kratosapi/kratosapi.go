package kratosapi

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	kratos "github.com/ory/kratos-client-go"
)

// Timeout bounds every call WorkID makes to Kratos through the SDK.
const Timeout = 30 * time.Second

// New returns a Kratos SDK client for the API at url (public or admin).
func New(url string) *kratos.APIClient {
	return NewWithClient(url, &http.Client{Timeout: Timeout})
}

// NewWithClient returns a Kratos SDK client for the API at url that sends
// its requests through client, which must have a timeout: a server that
// keeps its own client for Kratos (the UI's is shorter and pools more
// connections) shares it with the SDK.
func NewWithClient(url string, client *http.Client) *kratos.APIClient {
	c := kratos.NewConfiguration()
	c.Servers = kratos.ServerConfigurations{{URL: url}}
	c.HTTPClient = client
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

// WithBody returns err with what Kratos answered added to its message, for
// a log or an admin to read: the SDK's own error says only the status
// ("400 Bad Request"), Kratos's body says why. An error that carries no
// answer (nil, a transport failure, an answer without a body) comes back
// as it is. The result wraps err.
func WithBody(err error) error {
	if body := ErrorBody(err); body != "" {
		return fmt.Errorf("%w: %s", err, body)
	}
	return err
}
