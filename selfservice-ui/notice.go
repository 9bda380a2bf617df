package selfserviceui

import (
	"context"
	"net/http"
)

// A notice is a one-time message carried across a redirect in a short-
// lived cookie. The cookie holds only a code from the table below, never
// text, so nobody can make a WorkID page say something it does not. A
// notice's Text is its text's id; the page shows it in its language.
const noticeCookie = "workid_notice"

var notices = map[string]notice{
	"expired":       {"notice.expired", "info"},
	"sent":          {"notice.sent", "success"},
	"limited":       {"notice.limited", "error"},
	"limited-day":   {"notice.limited_day", "error"},
	"verified":      {"notice.verified", "info"},
	"failed":        {"notice.failed", "error"},
	"unconfirmed":   {"notice.unconfirmed", "info"},
	"admin-granted": {"notice.admin_granted", "success"},
	"admin-revoked": {"notice.admin_revoked", "success"},
}

// notice is a notice's text id and kind (a Message's).
type notice struct{ textID, kind string }

type noticeKey struct{}

func noticeFrom(ctx context.Context) *notice {
	n, _ := ctx.Value(noticeKey{}).(*notice)
	return n
}

// setNotice makes the next page the browser loads show notice code.
func setNotice(w http.ResponseWriter, r *http.Request, code string) {
	http.SetCookie(w, &http.Cookie{Name: noticeCookie, Value: code, Path: "/", MaxAge: 60, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: secureRequest(r)})
}

// secureRequest reports whether the browser reached the UI over https
// (directly or through the edge), so cookies set for it are Secure.
func secureRequest(r *http.Request) bool {
	return r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https"
}

// withNotice reads a pending notice into the request's context. The
// cookie is cleared by the page that shows it (render), not by a redirect
// on the way there.
func withNotice(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c, err := r.Cookie(noticeCookie); err == nil {
			if n, ok := notices[c.Value]; ok {
				r = r.WithContext(context.WithValue(r.Context(), noticeKey{}, &n))
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
