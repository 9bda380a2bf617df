package hooks

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/workid/workid/config"
)

// FuzzHookHandler sends any body to both hooks and checks the answer is
// one Kratos understands: 204, a 200 with an identity, a 400 with messages
// on the email field, or 413. Never a panic, never an empty 200.
func FuzzHookHandler(f *testing.F) {
	for _, s := range []string{
		`{"flow_id":"f","traits":{"email":"ann@acme-widgets.com"}}`,
		`{"traits":{"email":"ann@gmail.com"},"previous_email":"ann@gmail.com"}`,
		`{"traits":{"email":"ann@acme-widgets.com"},"metadata_public":{"a":[1,{"b":null}]}}`,
		`{"traits":{"email":["x"]}}`,
		`{"traits":null}`,
		`null`, `[]`, `"x"`, ``, `{`,
	} {
		f.Add(s, true)
		f.Add(s, false)
	}
	h := NewServer(testKey, testPolicy(f), nil, nil, quiet)
	f.Fuzz(func(t *testing.T, body string, settings bool) {
		path := "/hooks/registration"
		if settings {
			path = "/hooks/settings"
		}
		rec := call(h, path, config.HooksAuthScheme+testKey, body)
		switch rec.Code {
		case http.StatusNoContent, http.StatusRequestEntityTooLarge:
		case http.StatusOK:
			var u identityUpdate
			if err := json.Unmarshal(rec.Body.Bytes(), &u); err != nil || u.Identity.MetadataPublic[CompanyDomainKey] == nil {
				t.Fatalf("200 for %q without an identity update: %s", body, rec.Body)
			}
		case http.StatusBadRequest:
			var m kratosMessages
			if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil || len(m.Messages) != 1 ||
				m.Messages[0].InstancePtr != emailPointer || len(m.Messages[0].Messages) != 1 || m.Messages[0].Messages[0].Text == "" {
				t.Fatalf("400 for %q is not a Kratos message on the email field: %s", body, rec.Body)
			}
		default:
			t.Fatalf("status %d for %q", rec.Code, body)
		}
	})
}
