package selfserviceui

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/workid/workid/internal/emailstate"
	"github.com/workid/workid/internal/kratosapi"
	"github.com/workid/workid/internal/mail"
)

// Kratos does not limit how many verification mails an account asks for,
// so WorkID does: at most one a minute and five a day per account. The
// times are kept on the identity (metadata_admin), so every UI replica
// sees the same count.
//
// Kratos's identity PATCH has no compare-and-swap (its JSON Patch refuses
// "test"), so two requests can both read "no recent request" and both
// write. Within a replica, requests for one account are serialised
// (sendLocks). Across replicas, each request reads the identity again a
// moment after its write (confirmAfter) and sends only if its own entry
// survived: of requests that overlap, the last writer sends and the
// others answer "limited". Two mails go out only if one replica takes
// longer than confirmAfter between its read and its write.
const (
	sendsKey    = "workid_verification_requests"
	sendsPerDay = 5
	sendGap     = time.Minute
	// clockSkew is how far in the future another replica's clock may put
	// a request before it is taken for garbage.
	clockSkew = 5 * time.Minute
	// confirmAfter is how long after its write a request reads the
	// record again to see whether another replica's write replaced it.
	confirmAfter = 150 * time.Millisecond
)

// sendLink is "Send me a verification link": a new single-use link to the
// signed-in account's current address.
func (s *Server) sendLink(w http.ResponseWriter, r *http.Request) {
	back := "/"
	if r.FormValue("from") == "settings" {
		back = "/settings#verification"
	}
	// From the consent gate: back to the same consent, so the user can
	// continue to the service once verified. Only that page is accepted.
	if b := r.FormValue("back"); strings.HasPrefix(b, "/consent?consent_challenge=") && !strings.ContainsAny(b, "\\\r\n") {
		back = b
	}
	sess, ok := s.session(w, r)
	if !ok {
		return
	}
	code, err := s.trySend(r.Context(), sess.Identity.ID)
	if err != nil {
		s.log.ErrorContext(r.Context(), "send verification link", "identity_id", sess.Identity.ID, "err", err)
	}
	s.log.InfoContext(r.Context(), "verification link requested", "identity_id", sess.Identity.ID, "outcome", code)
	s.metrics.links.WithLabelValues(code).Inc()
	setNotice(w, r, code)
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// trySend applies the limit, records the request and sends. It returns
// the notice to show: sent, limited, verified or failed.
func (s *Server) trySend(ctx context.Context, identityID string) (string, error) {
	defer s.sendLocks.Lock(identityID)()
	ident, st, err := s.emailState(ctx, identityID)
	if err != nil {
		return "failed", err
	}
	if st.Status == emailstate.Verified {
		return "verified", nil
	}
	now := s.Now()
	recent := recentSends(ident.MetadataAdmin, now)
	if len(recent) >= sendsPerDay || (len(recent) > 0 && now.Sub(slices.MaxFunc(recent, time.Time.Compare)) < sendGap) {
		return "limited", nil
	}
	// The mail server's own limit per recipient (internal/mail) would
	// hold the mail back: say so rather than "sent".
	if sent, err := s.courierSent(ctx, ident.Traits.Email, now); err != nil {
		return "failed", err
	} else if !mail.Allows(sent, mail.Verification, ident.Traits.Email, now) {
		return "limited", nil
	}
	recent = append(recent, now)
	ops, err := kratosapi.MetadataAdminOps(ident.MetadataAdmin, sendsKey, recent)
	if err != nil {
		return "failed", err
	}
	if _, _, err := s.kratosAdmin.IdentityAPI.PatchIdentity(ctx, identityID).JsonPatch(ops).Execute(); err != nil {
		return "failed", fmt.Errorf("record the request: %w", kratosapi.WithBody(err))
	}
	switch won, err := s.recordSurvived(ctx, identityID, now); {
	case err != nil:
		return "failed", err
	case !won:
		return "limited", nil
	}
	if _, err := kratosapi.SendVerification(ctx, s.kratosPublic, ident.Traits.Email, nil); err != nil {
		return "failed", kratosapi.WithBody(err)
	}
	return "sent", nil
}

// recordSurvived waits confirmAfter, reads the account's requests again
// and reports whether the one made at now is still there: a request on
// another replica that overwrote it sends instead.
func (s *Server) recordSurvived(ctx context.Context, identityID string, now time.Time) (bool, error) {
	select {
	case <-ctx.Done():
		return false, ctx.Err()
	case <-time.After(confirmAfter):
	}
	ident, err := s.adminIdentity(ctx, identityID)
	if err != nil {
		return false, err
	}
	return slices.ContainsFunc(recentSends(ident.MetadataAdmin, now), now.Equal), nil
}

// recentSends returns the request times of the last 24 hours (allowing for
// another replica's clock running a little fast).
func recentSends(metadataAdmin any, now time.Time) []time.Time {
	m, _ := metadataAdmin.(map[string]any)
	list, _ := m[sendsKey].([]any)
	var out []time.Time
	for _, v := range list {
		str, _ := v.(string)
		t, err := time.Parse(time.RFC3339Nano, str)
		if err == nil && now.Sub(t) < 24*time.Hour && t.Before(now.Add(clockSkew)) {
			out = append(out, t)
		}
	}
	return out
}

// courierSent returns what Kratos's courier handed over for address in
// the last day, as the mail server counts it for its limits.
func (s *Server) courierSent(ctx context.Context, address string, now time.Time) ([]mail.Entry, error) {
	return mail.CourierLog(ctx, mail.CourierSent(s.kratosAdmin, address), mail.Verification, address, now)
}
