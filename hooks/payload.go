package hooks

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// payload is what config/hooks/body.jsonnet makes Kratos send.
type payload struct {
	FlowID         string         `json:"flow_id"`
	FlowType       string         `json:"flow_type"`
	IdentityID     string         `json:"identity_id"`
	Traits         traits         `json:"traits"`
	MetadataPublic map[string]any `json:"metadata_public"`
	// PreviousEmail is the address before a settings change; "" at registration.
	PreviousEmail string `json:"previous_email"`
	// Language is what the browser chose with the UI's switch (its
	// cookie) and what it asks for (Accept-Language).
	Language struct {
		Chosen string `json:"chosen"`
		Accept string `json:"accept_language"`
	} `json:"language"`
}

// traits holds the identity's traits. They are read as a map, so only the
// key "email" exactly counts (a struct field would also match "EMAIL").
type traits map[string]any

// email returns traits.email when it is a string.
func (t traits) email() string {
	s, _ := t["email"].(string)
	return s
}

// errTooLarge marks a body over maxBody.
var errTooLarge = errors.New("body too large")

// readJSON decodes the request's body, at most maxBody bytes and one JSON
// value with nothing after it, into v: every hook Kratos calls sends one.
// useNumber keeps numbers as json.Number. A body over maxBody is
// errTooLarge.
func readJSON(w http.ResponseWriter, r *http.Request, v any, useNumber bool) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return errTooLarge
		}
		return fmt.Errorf("read hook body: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if useNumber {
		dec.UseNumber()
	}
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("decode hook body: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("decode hook body: data after the JSON object")
	}
	return nil
}

// decode reads one payload of at most maxBody bytes.
func decode(w http.ResponseWriter, r *http.Request) (payload, error) {
	var p payload
	// Numbers stay json.Number: traits and metadata the hook sends back
	// keep every digit Kratos sent.
	if err := readJSON(w, r, &p, true); err != nil {
		return p, err
	}
	if p.Traits.email() == "" {
		return p, errors.New("decode hook body: no traits.email")
	}
	return p, nil
}

// emailPointer is where Kratos shows the business-email rule's message:
// the email field.
const emailPointer = "#/traits/email"

// kratosMessages is Kratos's web hook refusal format
// (selfservice/hook/web_hook.go, rawHookResponse).
type kratosMessages struct {
	Messages []fieldMessages `json:"messages"`
}

type fieldMessages struct {
	InstancePtr string          `json:"instance_ptr"`
	Messages    []kratosMessage `json:"messages"`
}

type kratosMessage struct {
	ID      int64          `json:"id"`
	Text    string         `json:"text"`
	Type    string         `json:"type"`
	Context messageContext `json:"context"`
}

type messageContext struct {
	Reason string `json:"reason"`
	Domain string `json:"domain,omitempty"`
	// Suggestion is the domain with a mistyped ending corrected
	// ("acme-widgets.com" for "acme-widgets.con"), when one is clear.
	Suggestion string `json:"suggestion,omitempty"`
	// Matched is the provider a look-alike or a misspelling imitates
	// ("gmail.com" for "gmäil.com" or "gamil.com").
	Matched string `json:"matched,omitempty"`
	// Field and Character are the trait and the first character the text
	// rule refused ("name.first", "U+202E").
	Field     string `json:"field,omitempty"`
	Character string `json:"character,omitempty"`
}

// maxContextDomain bounds the domain echoed in a message's context: it
// can come from a hostile input.
const maxContextDomain = 253

// identityUpdate is the 200 answer that changes the identity before Kratos
// saves it: each field sent replaces that whole field, so Traits, when
// sent, are all the traits. A field left out (omitempty) is kept as Kratos
// has it; an explicit null would erase it.
type identityUpdate struct {
	Identity struct {
		Traits         map[string]any `json:"traits,omitempty"`
		MetadataPublic map[string]any `json:"metadata_public,omitempty"`
	} `json:"identity"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		// Only our own types are written; they always marshal.
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
