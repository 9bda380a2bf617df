package hooks

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/workid/workid/internal/emailstate"
	"github.com/workid/workid/internal/mail"
)

// courierMessage is what config/hooks/courier.jsonnet makes Kratos's
// courier send for each mail it would have sent itself.
type courierMessage struct {
	Recipient    string `json:"recipient"`
	TemplateType string `json:"template_type"`
	TemplateData struct {
		To              string `json:"to"`
		VerificationURL string `json:"verification_url"`
		RecoveryURL     string `json:"recovery_url"`
		Identity        struct {
			ID string `json:"id"`
		} `json:"identity"`
	} `json:"template_data"`
}

// linkParts reads the flow and token of a link Kratos made. WorkID never
// mails Kratos's link itself: opening it would spend the token, and mail
// scanners open every link.
func linkParts(raw string) (flowID, token string, err error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", "", fmt.Errorf("link: %w", err)
	}
	q := u.Query()
	flowID, token = q.Get("flow"), q.Get("token")
	if !mail.IsID(flowID) || !mail.IsToken(token) {
		return "", "", errors.New("link has no valid flow and token")
	}
	return flowID, token, nil
}

// personLink is the link a mail carries: a page of the UI that shows what
// the link does and spends nothing until the person presses its button.
// identity lets the page name the address and tell a link already used;
// at is when the mail was written; both are signed with key, and the
// signature bound to the address to (asig), which the page names only
// while it is still the account's.
func personLink(uiURL string, key []byte, page, flowID, token, identityID, to string, at time.Time) string {
	sent := strconv.FormatInt(at.Unix(), 10)
	sig := mail.LinkSignature(key, page, flowID, token, identityID, sent)
	q := url.Values{"flow": {flowID}, "token": {token}, "identity": {identityID}, "sent": {sent},
		"sig": {sig}, "asig": {mail.AddressSignature(key, sig, to)}}
	return uiURL + page + "?" + q.Encode()
}

// courier receives a mail from Kratos's courier, picks its words from
// what WorkID recorded on the identity, applies the recipient's limits
// and sends it. 204 means done (sent, held back on purpose, or never
// sendable, which is logged and counted); 400 a body that is not a
// courier message; 503 a delivery to try again, which Kratos does (the
// message stays queued).
func (s *Server) courier(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	var m courierMessage
	if err := readJSON(w, r, &m, false); err != nil || m.Recipient == "" {
		s.log.WarnContext(ctx, "courier message not understood", "err", err)
		http.Error(w, "the body is not a courier message", http.StatusBadRequest)
		return
	}
	w.WriteHeader(s.mail.handle(ctx, m))
}

// kindOf picks the words of a verification mail. The expiry and reminder
// texts go out only when the re-verification job recorded that expiry
// or reminder for this address: the transient payload can be sent by
// anyone who starts a verification flow.
func kindOf(metadataAdmin any, to string, verifiedNow bool, now time.Time) mail.Kind {
	if rec := emailstate.RecordFrom(metadataAdmin); rec != nil && !verifiedNow && sameAddress(rec.Address, to) {
		return mail.Expiry
	}
	m, _ := metadataAdmin.(map[string]any)
	if rec, ok := m[emailstate.ReminderKey].(map[string]any); ok && verifiedNow {
		addr, _ := rec["address"].(string)
		sent, err := time.Parse(time.RFC3339Nano, fmt.Sprint(rec["sent_at"]))
		// The job records a reminder just before it sends it.
		if err == nil && sameAddress(addr, to) && now.Sub(sent) < reminderWindow && now.Sub(sent) > -mail.ClockSkew {
			return mail.Reminder
		}
	}
	return mail.Verification
}

// reminderWindow is how long after the job recorded a reminder its mail
// may arrive (Kratos's courier can lag when its queue is long).
const reminderWindow = time.Hour
