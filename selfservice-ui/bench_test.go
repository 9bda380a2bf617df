package selfserviceui

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
)

// Rendering a flow page from Kratos's JSON: decode, build the view model,
// execute the template. Target: <= 200 µs.
func BenchmarkRenderFlowPage(b *testing.B) {
	s := testServer(b)
	for _, name := range []string{"registration", "registration-refused", "login"} {
		raw, err := os.ReadFile("testdata/flows/" + name + ".json")
		if err != nil {
			b.Fatal(err)
		}
		k := registrationFlow
		if name == "login" {
			k = loginFlow
		}
		for _, lang := range []string{"en", "de", "ja"} {
			b.Run(name+"/"+lang, func(b *testing.B) {
				b.ReportAllocs()
				r := pageRequest("/" + k.name)
				r = r.WithContext(context.WithValue(r.Context(), textsKey{}, s.texts.Texts(lang)))
				for b.Loop() {
					var f flow
					if err := json.Unmarshal(raw, &f); err != nil {
						b.Fatal(err)
					}
					rec := httptest.NewRecorder()
					s.render(rec, r, http.StatusOK, "flow", s.newFlowPage(r, k, &f))
					if rec.Code != http.StatusOK {
						b.Fatal(rec.Code)
					}
					_, _ = io.Copy(io.Discard, rec.Body)
				}
			})
		}
	}
}
