package hooks

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/workid/workid/config"
	"github.com/workid/workid/internal/businessemail"
	"github.com/workid/workid/internal/traittext"
)

// FuzzHookHandler sends any body to both hooks and checks the answer is
// one Kratos understands: 204, a 200 with an identity update, a 400 with
// messages on trait fields, or 413. Never a panic, never an empty 200, and
// traits sent back are in NFC with nothing the text rule refuses.
func FuzzHookHandler(f *testing.F) {
	for _, s := range []string{
		`{"flow_id":"f","traits":{"email":"ann@acme-widgets.com"}}`,
		`{"traits":{"email":"ann@gmail.com"},"previous_email":"ann@gmail.com"}`,
		`{"traits":{"email":"ann@acme-widgets.com"},"metadata_public":{"a":[1,{"b":null}]}}`,
		`{"traits":{"email":["x"]}}`,
		`{"traits":{"email":"ann@acme-widgets.com","name":{"first":"Jose\u0301","last":"Lee\u202e"}}}`,
		`{"traits":{"email":"ann@gmail.com","username":"a\u200bb"},"previous_email":"ann@gmail.com"}`,
		`{"traits":{"email":"ann@gmail.com","name":{"first":"Rene\u0301e"}},"previous_email":"ann@gmail.com"}`,
		`{"traits":null}`,
		`null`, `[]`, `"x"`, ``, `{`,
	} {
		f.Add(s, true)
		f.Add(s, false)
	}
	h := NewServer(testKey, testPolicy(f), nil, nil, nil, quiet)
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
			if err := json.Unmarshal(rec.Body.Bytes(), &u); err != nil || u.Identity.MetadataPublic[businessemail.CompanyDomainKey] == nil && u.Identity.Traits == nil {
				t.Fatalf("200 for %q without an identity update: %s", body, rec.Body)
			}
			if u.Identity.Traits != nil {
				if again := traittext.Traits(u.Identity.Traits); again.Changed || len(again.Findings) > 0 {
					t.Fatalf("200 for %q sends traits the rule would change or refuse: %s", body, rec.Body)
				}
			}
		case http.StatusBadRequest:
			var m kratosMessages
			if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil || len(m.Messages) == 0 {
				t.Fatalf("400 for %q has no Kratos messages: %s", body, rec.Body)
			}
			for _, f := range m.Messages {
				if !strings.HasPrefix(f.InstancePtr, "#/traits/") || len(f.Messages) != 1 || f.Messages[0].Text == "" ||
					f.Messages[0].ID < businessemail.MessageIDBase || f.Messages[0].ID > traittext.MessageIDBase+99 {
					t.Fatalf("400 for %q is not a WorkID message on a trait's field: %s", body, rec.Body)
				}
			}
		default:
			t.Fatalf("status %d for %q", rec.Code, body)
		}
	})
}
