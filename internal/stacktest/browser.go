package stacktest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"

	kratos "github.com/ory/kratos-client-go"
)

// Browser is a cookie-keeping client that talks to Kratos's browser flows
// as a single-page app would: JSON in and out, CSRF token from the form.
type Browser struct {
	st     *Stack
	client *http.Client
}

// NewBrowser returns a browser with an empty cookie jar.
func (s *Stack) NewBrowser() *Browser {
	jar, _ := cookiejar.New(nil)
	return &Browser{st: s, client: &http.Client{Timeout: s.HTTP.Timeout, Jar: jar}}
}

// Register fills in and submits the browser registration form. A refusal
// is a *FlowError carrying the form Kratos sent back.
func (b *Browser) Register(ctx context.Context, u User) error {
	var flow kratos.RegistrationFlow
	if _, err := b.do(ctx, http.MethodGet, b.st.KratosPublicURL+"/self-service/registration/browser", nil, &flow); err != nil {
		return fmt.Errorf("create browser registration flow: %w", err)
	}
	body := map[string]any{
		"method":     "password",
		"csrf_token": csrfToken(flow.Ui),
		"password":   u.Password,
		"traits":     u.Traits(),
	}
	// 200 carries the session and identity, 400 the form with its messages.
	var answer json.RawMessage
	status, err := b.do(ctx, http.MethodPost, b.st.KratosPublicURL+"/self-service/registration?flow="+flow.Id, body, &answer)
	if err != nil || status == http.StatusOK {
		return err
	}
	var refused kratos.RegistrationFlow
	if err := json.Unmarshal(answer, &refused); err != nil {
		return fmt.Errorf("registration refused with an unreadable form: %w", err)
	}
	return &FlowError{Status: status, UI: &refused.Ui, Body: string(answer)}
}

func csrfToken(ui kratos.UiContainer) string {
	for _, n := range ui.Nodes {
		if a := n.Attributes.UiNodeInputAttributes; a != nil && a.Name == "csrf_token" {
			if v, ok := a.Value.(string); ok {
				return v
			}
		}
	}
	return ""
}

// do sends a JSON request and decodes a JSON answer into out (for 200 and
// 400, the statuses a flow comes back with).
func (b *Browser) do(ctx context.Context, method, url string, in, out any) (int, error) {
	var body io.Reader
	if in != nil {
		j, err := json.Marshal(in)
		if err != nil {
			return 0, err
		}
		body = bytes.NewReader(j)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := b.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return 0, err
	}
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusBadRequest {
		return resp.StatusCode, fmt.Errorf("%s %s: status %d: %s", method, url, resp.StatusCode, raw)
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return resp.StatusCode, fmt.Errorf("%s %s: %w", method, url, err)
	}
	return resp.StatusCode, nil
}
