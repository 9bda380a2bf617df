package selfserviceui

import (
	"context"
	"net/http"
)

// A notice is a one-time message carried across a redirect in a short-
// lived cookie. The cookie holds only a code from the table below, never
// text, so nobody can make a WorkID page say something it does not.
const noticeCookie = "workid_notice"

var notices = map[string]Message{
	"expired":       {Text: "That page had expired, so we started it again. Please fill it in once more.", Kind: "info"},
	"sent":          {Text: "We sent a verification link to your address. It works once; if it does not arrive within a few minutes, look in your spam folder.", Kind: "success"},
	"limited":       {Text: "We sent a verification link very recently. Please wait a minute before asking for another (at most five a day).", Kind: "error"},
	"verified":      {Text: "Your address is already verified: there is nothing to send.", Kind: "info"},
	"failed":        {Text: "We could not send a verification link right now. Please try again in a minute.", Kind: "error"},
	"admin-granted": {Text: "Done: they are now one of your company's admins.", Kind: "success"},
	"admin-revoked": {Text: "Done: they are no longer one of your company's admins.", Kind: "success"},
}

type noticeKey struct{}

func noticeFrom(ctx context.Context) *Message {
	m, _ := ctx.Value(noticeKey{}).(*Message)
	return m
}

// setNotice makes the next page the browser loads show notice code.
func setNotice(w http.ResponseWriter, r *http.Request, code string) {
	http.SetCookie(w, &http.Cookie{Name: noticeCookie, Value: code, Path: "/", MaxAge: 60, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https"})
}

// withNotice reads a pending notice into the request's context. The
// cookie is cleared by the page that shows it (render), not by a redirect
// on the way there.
func withNotice(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c, err := r.Cookie(noticeCookie); err == nil {
			if m, ok := notices[c.Value]; ok {
				r = r.WithContext(context.WithValue(r.Context(), noticeKey{}, &m))
			}
		}
		next.ServeHTTP(w, r)
	})
}

// clearNotice deletes the notice cookie once a page has shown it.
func clearNotice(w http.ResponseWriter, r *http.Request) {
	if _, err := r.Cookie(noticeCookie); err == nil {
		http.SetCookie(w, &http.Cookie{Name: noticeCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	}
}
