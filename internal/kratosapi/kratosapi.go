// Package kratosapi makes Kratos SDK clients the way WorkID needs them:
// with a timeout (the SDK's default HTTP client has none).
package kratosapi

import (
	"net/http"
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
