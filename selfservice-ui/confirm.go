package selfserviceui

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"time"

	"github.com/workid/workid/internal/mail"
)

// The links WorkID mails lead to a page of the UI, not to Kratos: opening
// the page spends nothing. Mail scanners (Safe Links, Mimecast,
// Proofpoint) open every link in a mail, and Kratos's own link would
// verify the address, or sign in for a recovery, for whoever sent the
// scanner the mail. Only the person's press on the page's button (a POST
// from this page, which scanners do not make and other sites cannot:
// cross-origin posts are refused) sends the browser on to Kratos's link.

// confirmKind is one kind of mailed link.
type confirmKind struct {
	name string
	// kratosPath is where Kratos spends the token.
	kratosPath string
	title      string
}

var (
	verifyLink  = confirmKind{name: "verify", kratosPath: "/self-service/verification", title: "Verify your email address"}
	recoverLink = confirmKind{name: "recover", kratosPath: "/self-service/recovery", title: "Reset your password"}
)

// mailedLink is what a mailed link carries: Kratos's flow and token, and
// (so the page can name the address) the identity and when it was sent,
// signed. The token is the only secret: whoever holds it could use
// Kratos's link.
type mailedLink struct {
	Flow, Token    string
	Identity, Sent string
	// Sig is the hooks server's signature of the other four.
	Sig string
}

var (
	uuidPattern  = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	tokenPattern = regexp.MustCompile(`^[A-Za-z0-9]{16,128}$`)
)

// readLink takes a mailed link's parts from the query (GET) or the form
// (POST); ok is false when the flow or token is missing or malformed.
// A malformed identity or time is dropped: the page only names less.
func (s *Server) readLink(r *http.Request, k confirmKind) (l mailedLink, ok bool) {
	get := r.URL.Query().Get
	if r.Method == http.MethodPost {
		get = r.PostFormValue
	}
	l = mailedLink{Flow: get("flow"), Token: get("token"), Identity: get("identity"), Sent: get("sent"), Sig: get("sig")}
	// Only what the hooks server signed is believed: a link made up with
	// someone else's identity names nobody.
	if !mail.LinkSigned([]byte(s.cfg.LinkKey), l.Sig, "/"+k.name, l.Flow, l.Token, l.Identity, l.Sent) ||
		!uuidPattern.MatchString(l.Identity) {
		l.Identity, l.Sent, l.Sig = "", "", ""
	}
	if _, err := strconv.ParseInt(l.Sent, 10, 64); err != nil {
		l.Sent = ""
	}
	return l, uuidPattern.MatchString(l.Flow) && tokenPattern.MatchString(l.Token)
}

// sentAt is when the link was mailed; zero when unknown.
func (l mailedLink) sentAt() time.Time {
	n, err := strconv.ParseInt(l.Sent, 10, 64)
	if err != nil {
		return time.Time{}
	}
	return time.Unix(n, 0)
}

// confirmPage is the page a mailed link opens.
type confirmPage struct {
	Page           page
	Heading, Intro string
	// Action is where the button posts; empty when there is nothing to
	// press (the address is verified already): Next then leads on.
	Action, Button, Hint string
	Link                 mailedLink
	Next, NextText       string
}

// showConfirm is the page a mailed link opens: what the link does, and one
// button that does it.
func (s *Server) showConfirm(k confirmKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		l, ok := s.readLink(r, k)
		if !ok {
			s.brokenLink(w, r, k)
			return
		}
		p := confirmPage{Page: s.page(r, k.title, "narrow"), Link: l, Action: "/" + k.name}
		address := s.linkAddress(r.Context(), l)
		switch k {
		case verifyLink:
			if since, done := s.verifiedSince(r.Context(), l); done {
				p.Heading = "Your address is already verified"
				p.Intro = "Your address is already verified (since " + since.UTC().Format("2 January 2006") + "). There is nothing more to do."
				if address != "" {
					p.Intro = "Your address " + address + " is already verified (since " + since.UTC().Format("2 January 2006") + "). There is nothing more to do."
				}
				p.Action, p.Next, p.NextText = "", "/", "Go to your dashboard"
				break
			}
			p.Heading = "Verify " + orDefault(address, "your email address")
			p.Intro = "Press the button to confirm that you read this mailbox. Services that need a verified address open as soon as you do."
			p.Button = "Verify " + orDefault(address, "my address")
			p.Hint = "The link works once. If you did not ask for it, close this page: nothing happens until the button is pressed."
		case recoverLink:
			p.Heading = "Reset your password"
			p.Intro = "Press the button to sign in to the account of " + orDefault(address, "this address") + " and choose a new password. Every other session of the account will be signed out."
			p.Button = "Continue"
			p.Hint = "The link works once, for one hour. If you did not ask for it, close this page: nothing happens until the button is pressed."
		}
		s.render(w, r, http.StatusOK, "confirm", p)
	}
}

// confirm is the press on the page's button: the browser goes on to
// Kratos's link, which spends the token.
func (s *Server) confirm(k confirmKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		l, ok := s.readLink(r, k)
		if !ok {
			s.brokenLink(w, r, k)
			return
		}
		if k == verifyLink {
			if _, done := s.verifiedSince(r.Context(), l); done {
				// Say so rather than have Kratos call the link used.
				http.Redirect(w, r, "/verify?"+linkQuery(l).Encode(), http.StatusSeeOther)
				return
			}
		}
		http.Redirect(w, r, s.kratosBrowser(k.kratosPath, url.Values{"flow": {l.Flow}, "token": {l.Token}}), http.StatusSeeOther)
	}
}

func linkQuery(l mailedLink) url.Values {
	q := url.Values{"flow": {l.Flow}, "token": {l.Token}}
	if l.Identity != "" {
		q.Set("identity", l.Identity)
	}
	if l.Sent != "" {
		q.Set("sent", l.Sent)
	}
	if l.Sig != "" {
		q.Set("sig", l.Sig)
	}
	return q
}

func (s *Server) brokenLink(w http.ResponseWriter, r *http.Request, k confirmKind) {
	next := "/verification"
	if k == recoverLink {
		next = "/recovery"
	}
	s.fail(w, r, http.StatusBadRequest, "This link is incomplete",
		"Please open the link from the email again; if your mail program split it, copy the whole address into the browser. You can also ask for a new link.", next, nil)
}

// linkAddress is the address the link was mailed to, or "" when it cannot
// be read (the page then names none).
func (s *Server) linkAddress(ctx context.Context, l mailedLink) string {
	if l.Identity == "" {
		return ""
	}
	ident, err := s.adminIdentity(ctx, l.Identity)
	if err != nil {
		s.log.WarnContext(ctx, "mailed link: read the identity", "identity_id", l.Identity, "err", err)
		return ""
	}
	return ident.Traits.Email
}

// verifiedSince reports whether the link's address was verified after the
// link was sent: this link, or a later one, was used already. A reminder's
// link, sent while the address is still verified, is not "used".
func (s *Server) verifiedSince(ctx context.Context, l mailedLink) (time.Time, bool) {
	sent := l.sentAt()
	if l.Identity == "" || sent.IsZero() {
		return time.Time{}, false
	}
	_, st, err := s.emailState(ctx, l.Identity)
	if err != nil || !st.Current() || st.VerifiedAt.IsZero() {
		return time.Time{}, false
	}
	// Kratos stores times to the microsecond, the link to the second.
	return st.VerifiedAt, !st.VerifiedAt.Before(sent.Truncate(time.Second))
}
