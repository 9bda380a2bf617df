package selfserviceui

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/workid/workid/internal/locale"
)

// A page is in the language the browser asks for, says so, and tells
// caches that it depends on Accept-Language; the switch's cookie wins.
func TestPageLanguage(t *testing.T) {
	h := testServer(t).Handler()
	tests := []struct{ accept, cookie, want, says string }{
		{"", "", "en", "Page not found"},
		{"de-DE,de;q=0.9", "", "de", "Seite nicht gefunden"},
		{"fr", "", "fr", "Page introuvable"},
		{"es-MX", "", "es", "Página no encontrada"},
		{"ja", "", "ja", "ページが見つかりません"},
		{"de", "ja", "ja", "ページが見つかりません"},
		{"de", "klingon", "de", "Seite nicht gefunden"},
		// Two cookies: the last counts, as Kratos reads it for the
		// registration hook.
		{"", "fr; workid_lang=es", "es", "Página no encontrada"},
	}
	for _, tt := range tests {
		r := httptest.NewRequest(http.MethodGet, "/no-such-page", nil)
		r.Header.Set("Accept-Language", tt.accept)
		if tt.cookie != "" {
			r.Header.Set("Cookie", langCookie+"="+tt.cookie)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		body := rec.Body.String()
		if got := rec.Header().Get("Content-Language"); got != tt.want || !strings.Contains(body, `<html lang="`+tt.want+`">`) {
			t.Errorf("Accept-Language %q, cookie %q: Content-Language %q, want %s", tt.accept, tt.cookie, got, tt.want)
		}
		if !strings.Contains(body, tt.says) {
			t.Errorf("Accept-Language %q, cookie %q: the page lacks %q", tt.accept, tt.cookie, tt.says)
		}
		if !strings.Contains(strings.Join(rec.Header().Values("Vary"), ","), "Accept-Language") {
			t.Errorf("Vary = %q, want Accept-Language", rec.Header().Values("Vary"))
		}
	}
	r := httptest.NewRequest(http.MethodGet, "/static/style.css", nil)
	r.Header.Set("Accept-Language", "de")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	if rec.Code != http.StatusOK || rec.Header().Get("Vary") != "" || rec.Header().Get("Content-Language") != "" {
		t.Errorf("the stylesheet = %d with Vary %q, Content-Language %q, want one copy for every language",
			rec.Code, rec.Header().Get("Vary"), rec.Header().Get("Content-Language"))
	}
}

// The switch sets a year's cookie and returns to the page it was on, only
// ever on this site; an unknown language changes nothing; another site
// cannot press it.
func TestLanguageSwitch(t *testing.T) {
	h := testServer(t).Handler()
	post := func(form url.Values, headers map[string]string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodPost, "http://127.0.0.1:4455/language", strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("Sec-Fetch-Site", "same-origin")
		for k, v := range headers {
			r.Header.Set(k, v)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		return rec
	}
	for referer, want := range map[string]string{
		"http://127.0.0.1:4455/settings?flow=abc":    "/settings?flow=abc",
		"http://127.0.0.1:4455/login?return_to=%2Fx": "/login?return_to=%2Fx",
		"http://127.0.0.1:4455/company?view=pending": "/company?view=pending",
		"http://127.0.0.1:4455/language":             "/",
		"https://evil.example/settings":              "/",
		"http://127.0.0.1:4455.evil.example/":        "/",
		"javascript:alert(1)":                        "/",
		"":                                           "/",
	} {
		rec := post(url.Values{"lang": {"de"}}, map[string]string{"Referer": referer})
		if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != want {
			t.Errorf("switch from %q = %d to %q, want 303 to %q", referer, rec.Code, rec.Header().Get("Location"), want)
		}
		c := rec.Result().Cookies()
		if len(c) != 1 || c[0].Name != langCookie || c[0].Value != "de" || c[0].MaxAge < 300*24*3600 || !c[0].HttpOnly {
			t.Errorf("switch cookies = %v, want %s=de for a year", c, langCookie)
		}
	}
	// From a page that answered a post (its address is the post's).
	rec := post(url.Values{"lang": {"fr"}, "back": {"/"}}, map[string]string{"Referer": "http://127.0.0.1:4455/company/admins"})
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/" {
		t.Errorf("switch from the answer to a post = %d to %q, want 303 to /", rec.Code, rec.Header().Get("Location"))
	}
	if rec := post(url.Values{"lang": {"fr"}, "back": {"https://evil.example/"}}, nil); rec.Header().Get("Location") != "/" {
		t.Errorf("switch back to another site = %q, want /", rec.Header().Get("Location"))
	}
	// A page answering a post says so in its switch; one answering a GET does not.
	pr := httptest.NewRequest(http.MethodPost, "http://127.0.0.1:4455/", nil)
	pr.Header.Set("Sec-Fetch-Site", "same-origin")
	answer := httptest.NewRecorder()
	h.ServeHTTP(answer, pr)
	if !strings.Contains(answer.Body.String(), `<input type="hidden" name="back" value="/">`) {
		t.Errorf("the answer to a post (%d) has no way back for the switch", answer.Code)
	}
	got := httptest.NewRecorder()
	h.ServeHTTP(got, httptest.NewRequest(http.MethodGet, "/no-such-page", nil))
	if strings.Contains(got.Body.String(), `name="back"`) {
		t.Error("a page answering a GET names a way back: the switch would not return to it")
	}
	rec = post(url.Values{"lang": {"xx"}}, nil)
	if rec.Code != http.StatusBadRequest || len(rec.Result().Cookies()) != 0 {
		t.Errorf("an unknown language = %d with cookies %v, want 400 and none", rec.Code, rec.Result().Cookies())
	}
	rec = post(url.Values{"lang": {"de"}}, map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"})
	if rec.Code != http.StatusForbidden || len(rec.Result().Cookies()) != 0 {
		t.Errorf("a cross-site switch = %d with cookies %v, want 403 and none", rec.Code, rec.Result().Cookies())
	}
}

// Every text id the templates and the Go code name is in the catalog (the
// catalog's own test checks each language has every English text).
func TestTextIDsExist(t *testing.T) {
	en := english(t)
	has := en.Has
	inNamed := regexp.MustCompile(`named\("([a-z0-9_.]+)"`)
	inTemplates := regexp.MustCompile(`\.(?:T|N|HTML) "([a-z0-9_.]+)"`)
	inCode := regexp.MustCompile(`"((?:layout|flow|error|oauth|logout|consent|scope|notice|confirm|dashboard|email|reason|settings|company|field|subject|kratos|list|date|month)\.[a-z0-9_.]+)"`)
	files, _ := filepath.Glob("templates/*.html")
	code, _ := filepath.Glob("*.go")
	seen := 0
	for _, f := range append(files, code...) {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		re := inCode
		if strings.HasSuffix(f, ".html") {
			re = inTemplates
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			seen++
			if id := m[1]; !strings.HasSuffix(id, ".") && !has(id) {
				t.Errorf("%s names %q, which the catalog lacks", f, id)
			}
		}
		// named(id, address) also shows id's "_unnamed" twin.
		for _, m := range inNamed.FindAllStringSubmatch(string(b), -1) {
			if !has(m[1] + "_unnamed") {
				t.Errorf("%s names %q, whose _unnamed twin the catalog lacks", f, m[1])
			}
		}
	}
	if seen < 100 {
		t.Errorf("found %d text ids, want the pages' hundreds: is the pattern stale?", seen)
	}
}

// Every Kratos message and label in the recorded flows has a text of the
// catalog (Kratos's own English is only the fallback of a message no flow
// WorkID enables sends).
func TestRecordedKratosMessagesHaveTexts(t *testing.T) {
	en := english(t)
	files, _ := filepath.Glob("testdata/flows/*.json")
	if len(files) == 0 {
		t.Fatal("no recorded flows")
	}
	enabled := map[string]bool{"default": true, "password": true, "profile": true, "link": true}
	for _, f := range files {
		if filepath.Base(f) == "all-nodes.json" {
			continue // written by hand, with every node type and a message of no Kratos flow
		}
		fl := loadFlow(t, strings.TrimSuffix(filepath.Base(f), ".json"))
		check := func(where string, m uiText) {
			if m.ID == 0 || (m.ID >= 5000000 && m.ID < 6000000) {
				return
			}
			if !en.Has("kratos." + strconv.FormatInt(m.ID, 10)) {
				t.Errorf("%s: %s %d (%q) has no text in the catalog", f, where, m.ID, m.Text)
			}
		}
		for _, m := range fl.UI.Messages {
			check("message", m)
		}
		for _, n := range fl.UI.Nodes {
			if !enabled[n.Group] {
				continue
			}
			for _, m := range n.Messages {
				check("message", m)
			}
			if n.Meta.Label != nil && !en.Has("field."+n.Attributes.Name) {
				check("label of "+n.Attributes.Name, *n.Meta.Label)
			}
		}
	}
}

func TestLoadServicesTranslations(t *testing.T) {
	dir := t.TempDir()
	write := func(body string) string {
		p := filepath.Join(dir, "services.json")
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	list, err := LoadServices(write(`[{"id":"docs","name":"Docs","description":"Guides","url":"https://docs.example/",
		"translations":{"de":{"name":"Doku"},"ja":{"name":"ドキュメント","description":"ガイド"}}}]`))
	if err != nil {
		t.Fatal(err)
	}
	if got := list[0].In("de"); got.Name != "Doku" || got.Description != "Guides" {
		t.Errorf("In(de) = %q, %q, want the German name and the own description", got.Name, got.Description)
	}
	if got := list[0].In("fr"); got.Name != "Docs" {
		t.Errorf("In(fr) = %q, want the service's own name", got.Name)
	}
	_, err = LoadServices(write(`[{"id":"docs","name":"Docs","url":"https://docs.example/",
		"translations":{"xx":{"name":"?"},"de":{"description":"ohne Namen"}}}]`))
	for _, want := range []string{`translation "xx" is not a shipped language (en, de, fr, es, ja)`, `translation "de" has no name`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("LoadServices = %v, want %q", err, want)
		}
	}
}

// An identity whose metadata_public an operator set to something other
// than an object still decodes: no page fails on it.
func TestIdentityWithOddMetadata(t *testing.T) {
	for _, meta := range []string{`"a string"`, `["de"]`, `null`, `{"locale":"de"}`} {
		var ident identity
		if err := json.Unmarshal([]byte(`{"id":"x","metadata_public":`+meta+`}`), &ident); err != nil {
			t.Errorf("metadata_public %s: %v", meta, err)
		}
		if got, _ := ident.Public()[locale.MetadataKey].(string); (meta == `{"locale":"de"}`) != (got == "de") {
			t.Errorf("metadata_public %s: locale %q", meta, got)
		}
	}
}

// A verified address from the session needs no second read of the
// identity: with Kratos's admin API down, the state still comes out; an
// unverified one needs its record, so the admin API is asked (and down,
// fails).
func TestAccountStateReadsTheAdminAPIOnlyWhenUnverified(t *testing.T) {
	s := testServer(t) // Kratos at a dead address
	verifiedAt := s.Now().AddDate(0, -2, 0)
	known := &identity{ID: "00000000-0000-0000-0000-000000000001"}
	known.Traits.Email = "ann@acme-widgets.com"
	known.VerifiableAddresses = []verifiableAddress{{Value: "ann@acme-widgets.com", Via: "email", Verified: true, VerifiedAt: &verifiedAt}}
	if _, st, err := s.accountState(t.Context(), known); err != nil || !st.Current() {
		t.Errorf("a verified session's state = %+v, %v; want current, without Kratos's admin API", st, err)
	}
	known.VerifiableAddresses[0].Verified = false
	if _, _, err := s.accountState(t.Context(), known); err == nil {
		t.Error("an unverified session's state came without its record from Kratos's admin API")
	}
}
