package selfserviceui

import (
	"context"
	"net/http"
	"net/url"
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
	verifyLink  = confirmKind{name: "verify", kratosPath: "/self-service/verification", title: "confirm.verify_title"}
	recoverLink = confirmKind{name: "recover", kratosPath: "/self-service/recovery", title: "confirm.recover_title"}
)

// mailedLink is what a mailed link carries: Kratos's flow and token, and
// (so the page can name the address) the identity and when it was sent,
// signed. The token is the only secret: whoever holds it could use
// Kratos's link.
type mailedLink struct {
	Flow, Token    string
	Identity, Sent string
	// Sig is the hooks server's signature of the other four; ASig binds
	// it to the address the link was mailed to (mail.AddressSignature).
	Sig, ASig string
}

// readLink takes a mailed link's parts from the query (GET) or the form
// (POST); ok is false when the flow or token is missing or malformed.
// A malformed identity or time is dropped: the page only names less.
func (s *Server) readLink(r *http.Request, k confirmKind) (l mailedLink, ok bool) {
	get := r.URL.Query().Get
	if r.Method == http.MethodPost {
		get = r.PostFormValue
	}
	l = mailedLink{Flow: get("flow"), Token: get("token"), Identity: get("identity"), Sent: get("sent"), Sig: get("sig"), ASig: get("asig")}
	// Only what the hooks server signed is believed: a link made up with
	// someone else's identity names nobody, and costs no read of it.
	if !mail.LinkSigned([]byte(s.cfg.LinkKey), l.Sig, "/"+k.name, l.Flow, l.Token, l.Identity, l.Sent) ||
		!mail.IsID(l.Identity) {
		l.Identity, l.Sent, l.Sig, l.ASig = "", "", "", ""
	}
	if _, err := strconv.ParseInt(l.Sent, 10, 64); err != nil {
		l.Sent = ""
	}
	return l, mail.IsID(l.Flow) && mail.IsToken(l.Token)
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
		tx := s.tr(r)
		p := confirmPage{Page: s.page(r, tx.T(k.title), "narrow"), Link: l, Action: "/" + k.name}
		acct := s.linkAccount(r.Context(), l)
		address := acct.address
		switch k {
		case verifyLink:
			if acct.used {
				p.Heading = tx.T("confirm.already_heading")
				p.Intro = tx.T(named("confirm.already_intro", address), "Address", address, "Date", tx.Date(acct.verifiedAt))
				p.Action, p.Next, p.NextText = "", "/", tx.T("confirm.dashboard")
				break
			}
			p.Heading = tx.T(named("confirm.verify_heading", address), "Address", address)
			p.Intro = tx.T("confirm.verify_intro")
			p.Button = tx.T(named("confirm.verify_button", address), "Address", address)
			p.Hint = tx.T("confirm.verify_hint")
		case recoverLink:
			p.Heading = tx.T("confirm.recover_heading")
			p.Intro = tx.T(named("confirm.recover_intro", address), "Address", address)
			p.Button = tx.T("confirm.recover_button")
			p.Hint = tx.T("confirm.recover_hint")
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
		// Only a browser's press: a script or a scanner that posts forms
		// without saying where from gets the page again, and spends nothing.
		if r.Header.Get("Origin") == "" && r.Header.Get("Sec-Fetch-Site") == "" {
			http.Redirect(w, r, "/"+k.name+"?"+linkQuery(l).Encode(), http.StatusSeeOther)
			return
		}
		if k == verifyLink && s.linkAccount(r.Context(), l).used {
			// Say so rather than have Kratos call the link used.
			http.Redirect(w, r, "/verify?"+linkQuery(l).Encode(), http.StatusSeeOther)
			return
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
	if l.ASig != "" {
		q.Set("asig", l.ASig)
	}
	return q
}

func (s *Server) brokenLink(w http.ResponseWriter, r *http.Request, k confirmKind) {
	next := "/verification"
	if k == recoverLink {
		next = "/recovery"
	}
	s.fail(w, r, http.StatusBadRequest, "error.link_heading", "error.link_text", next, nil)
}

// named is the text id that names the link's address, or its "_unnamed"
// twin when the address is not known.
func named(id, address string) string {
	if address == "" {
		return id + "_unnamed"
	}
	return id
}

// linkAccount is what the page says of the link's account, from one read
// of the identity: its address ("" when the link names no identity or it
// cannot be read: the page then names none), and for a verification link
// whether the address was verified after the link was sent (this link, or
// a later one, was used already; a reminder's link, sent while the
// address was still verified, is not), and since when.
type linkAccount struct {
	address    string
	used       bool
	verifiedAt time.Time
}

func (s *Server) linkAccount(ctx context.Context, l mailedLink) linkAccount {
	if l.Identity == "" {
		return linkAccount{}
	}
	ident, st, err := s.emailState(ctx, l.Identity)
	if err != nil {
		s.log.WarnContext(ctx, "mailed link: read the identity", "identity_id", l.Identity, "err", err)
		return linkAccount{}
	}
	a := linkAccount{verifiedAt: st.VerifiedAt}
	// The address is named only while it is the one the link was mailed
	// to: an old link opened from the old mailbox after an email change
	// does not show the new address (links mailed before asig name none).
	if mail.AddressSigned([]byte(s.cfg.LinkKey), l.ASig, l.Sig, ident.Traits.Email) {
		a.address = ident.Traits.Email
	}
	// Kratos stores times to the microsecond, the link to the second.
	sent := l.sentAt()
	a.used = !sent.IsZero() && st.Current() && !st.VerifiedAt.IsZero() && !st.VerifiedAt.Before(sent.Truncate(time.Second))
	return a
}
