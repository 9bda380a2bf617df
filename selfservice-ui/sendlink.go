package selfserviceui

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/workid/workid/internal/emailstate"
)

// Kratos does not limit how many verification mails an account asks for,
// so WorkID does: at most one a minute and five a day per account. The
// times are kept on the identity (metadata_admin), so every UI replica
// sees the same count.
const (
	sendsKey    = "workid_verification_requests"
	sendsPerDay = 5
	sendGap     = time.Minute
)

// sendLink is "Send me a verification link": a new single-use link to the
// signed-in account's current address.
func (s *Server) sendLink(w http.ResponseWriter, r *http.Request) {
	back := "/"
	if r.FormValue("from") == "settings" {
		back = "/settings#verification"
	}
	sess, err := s.whoami(r.Context(), r.Header.Get("Cookie"))
	if errors.Is(err, errNoSession) {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	if err != nil {
		s.unavailable(w, r, err)
		return
	}
	code, err := s.trySend(r.Context(), sess.Identity.ID)
	if err != nil {
		s.log.ErrorContext(r.Context(), "send verification link", "identity_id", sess.Identity.ID, "err", err)
	}
	s.log.InfoContext(r.Context(), "verification link requested", "identity_id", sess.Identity.ID, "outcome", code)
	setNotice(w, code)
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// trySend applies the limit, records the request and sends. It returns
// the notice to show: sent, limited, verified or failed.
func (s *Server) trySend(ctx context.Context, identityID string) (string, error) {
	ident, st, err := s.emailState(ctx, identityID)
	if err != nil {
		return "failed", err
	}
	if st.Status == emailstate.Verified {
		return "verified", nil
	}
	now := s.Now()
	recent := recentSends(ident.MetadataAdmin, now)
	if len(recent) >= sendsPerDay || (len(recent) > 0 && now.Sub(recent[len(recent)-1]) < sendGap) {
		return "limited", nil
	}
	recent = append(recent, now)
	if err := s.patchIdentity(ctx, identityID, metadataPatch(ident.MetadataAdmin, sendsKey, recent)); err != nil {
		return "failed", err
	}
	if err := s.sendVerificationLink(ctx, ident.Traits.Email); err != nil {
		return "failed", err
	}
	return "sent", nil
}

// recentSends returns the request times of the last 24 hours, oldest first.
func recentSends(metadataAdmin any, now time.Time) []time.Time {
	m, _ := metadataAdmin.(map[string]any)
	list, _ := m[sendsKey].([]any)
	var out []time.Time
	for _, v := range list {
		str, _ := v.(string)
		t, err := time.Parse(time.RFC3339Nano, str)
		if err == nil && now.Sub(t) < 24*time.Hour && !t.After(now) {
			out = append(out, t)
		}
	}
	return out
}

// metadataPatch sets one key of metadata_admin, creating the object when
// the identity has none (a JSON Patch "add" needs its parent).
func metadataPatch(metadataAdmin any, key string, value any) []jsonPatch {
	if _, ok := metadataAdmin.(map[string]any); !ok {
		return []jsonPatch{{Op: "add", Path: "/metadata_admin", Value: map[string]any{key: value}}}
	}
	return []jsonPatch{{Op: "add", Path: "/metadata_admin/" + key, Value: value}}
}
