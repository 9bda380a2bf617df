package hooks

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// payload is what config/hooks/body.jsonnet makes Kratos send.
type payload struct {
	FlowID     string `json:"flow_id"`
	FlowType   string `json:"flow_type"`
	IdentityID string `json:"identity_id"`
	Traits     traits `json:"traits"`
}

type traits struct {
	Email    string `json:"email"`
	Username string `json:"username"`
}

// errTooLarge marks a body over maxBody.
var errTooLarge = errors.New("body too large")

// decode reads one payload of at most maxBody bytes.
func decode(w http.ResponseWriter, r *http.Request) (payload, error) {
	var p payload
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return p, errTooLarge
		}
		return p, fmt.Errorf("read hook body: %w", err)
	}
	if err := json.Unmarshal(body, &p); err != nil {
		return p, fmt.Errorf("decode hook body: %w", err)
	}
	return p, nil
}
