package selfserviceui

import (
	"context"
	"net/http"
	"net/url"

	"github.com/workid/workid/internal/kratosapi"
	"github.com/workid/workid/internal/locale"
)

// Every page is in the language the browser chose with the switch (a
// cookie), else the best match of its Accept-Language, else English. The
// switch also keeps the choice on the signed-in account
// (metadata_public.locale), so mails can follow it.
const langCookie = "workid_lang"

type textsKey struct{}

// withLanguage puts the request's texts in its context; a page says in
// its answer which language it is in and what that depends on (render).
func (s *Server) withLanguage(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tx := s.texts.Negotiate(chosenLanguage(r), r.Header.Get("Accept-Language"))
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), textsKey{}, tx)))
	})
}

// chosenLanguage is the switch's cookie. With two of them (one planted by
// a sibling site of the same domain, say) the last counts, as Kratos
// reads it for the registration hook: the page and the account's
// language never disagree.
func chosenLanguage(r *http.Request) string {
	cookies := r.CookiesNamed(langCookie)
	if len(cookies) == 0 {
		return ""
	}
	return cookies[len(cookies)-1].Value
}

// tr is the request's texts (English outside withLanguage, as in tests of
// one handler).
func (s *Server) tr(r *http.Request) *locale.Texts {
	if tx, ok := r.Context().Value(textsKey{}).(*locale.Texts); ok {
		return tx
	}
	return s.texts.Texts("en")
}

// setLanguage is POST /language, the switch in every page's footer: the
// cookie for this browser, the account's metadata for a signed-in user,
// then back to the page it was pressed on. That page is the request's
// Referer (the pages send it to their own site only), so no page writes
// its own address, with a mailed link's token or a sign-in challenge,
// into a form. A page that answered a post names where to go instead
// (page.Back): its address would answer a GET with "cannot be opened
// that way". Without either, the dashboard.
func (s *Server) setLanguage(w http.ResponseWriter, r *http.Request) {
	code := r.PostFormValue("lang")
	back := "/"
	if b := r.PostFormValue("back"); b != "" {
		if u := localURL(b); u != nil {
			back = u.RequestURI()
		}
	} else if ref, err := url.Parse(r.Referer()); err == nil && ref.Host == r.Host {
		if u := localURL(ref.RequestURI()); u != nil && u.Path != "/language" {
			back = u.RequestURI()
		}
	}
	if !locale.Known(code) {
		s.fail(w, r, http.StatusBadRequest, "error.unchanged_heading", "error.unchanged_buttons", back, nil)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: langCookie, Value: code, Path: "/", MaxAge: 365 * 24 * 3600, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: secureRequest(r)})
	if sess, err := s.whoami(r.Context(), r.Header.Get("Cookie")); err == nil {
		s.saveLocale(r, sess.Identity, code)
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// keepLanguage makes the account's language, which its mails follow, the
// one its pages are in, when the two differ: the switch pressed while
// signed out, an account made before it had a language. The browser's
// switch counts; else its Accept-Language, for an account with none.
func (s *Server) keepLanguage(r *http.Request, ident *identity) {
	code := chosenLanguage(r)
	if !locale.Known(code) {
		if _, set := ident.Public()[locale.MetadataKey]; set {
			return
		}
		code = locale.Match("", r.Header.Get("Accept-Language"))
	}
	if code != "" {
		s.saveLocale(r, *ident, code)
	}
}

// saveLocale keeps code as the account's language. Failing leaves the
// pages switched and the mails in the language before; the log says so.
func (s *Server) saveLocale(r *http.Request, ident identity, code string) {
	if cur, _ := ident.Public()[locale.MetadataKey].(string); cur == code {
		return
	}
	ops, err := kratosapi.MetadataOps("metadata_public", ident.MetadataPublic, locale.MetadataKey, code)
	if err == nil {
		_, _, err = s.kratosAdmin.IdentityAPI.PatchIdentity(r.Context(), ident.ID).JsonPatch(ops).Execute()
	}
	if err != nil {
		s.log.WarnContext(r.Context(), "save the account's language", "identity_id", ident.ID, "locale", code, "err", err)
	}
}
