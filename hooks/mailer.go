package hooks

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	kratos "github.com/ory/kratos-client-go"

	"github.com/workid/workid/internal/companies"
	"github.com/workid/workid/internal/emailstate"
	"github.com/workid/workid/internal/keylock"
	"github.com/workid/workid/internal/kratosapi"
	"github.com/workid/workid/internal/locale"
	"github.com/workid/workid/internal/mail"
)

// Sender delivers one mail (internal/mail.SMTP).
type Sender interface {
	Send(ctx context.Context, m mail.Message) error
}

// Mailer is the one place WorkID sends mail from: Kratos's courier hands
// it every message, and the hooks send their own notices through it.
type Mailer struct {
	// Admin is Kratos's admin API: the identity decides a mail's words,
	// and the courier's record of what it handed over counts the
	// recipient's limits.
	Admin *kratos.APIClient
	// Public is Kratos's public API: an email change ends the account's
	// other sessions through it.
	Public *kratos.APIClient
	Sender Sender
	// Templates are the mails' texts in every language, under the brand
	// (mail.LoadTemplates).
	Templates *mail.Templates
	// UIURL is the self-service UI as browsers reach it; mails link to it.
	UIURL string
	// LinkKey signs what a mailed link says besides its token (the UI
	// checks it with the same key).
	LinkKey []byte
	// MaxAge is how long a verification lasts.
	MaxAge time.Duration
	// Retries are the pauses between delivery attempts within one
	// hand-over; after the last, Kratos is told to hand it over again.
	Retries []time.Duration
	Now     func() time.Time
	Log     *slog.Logger
	// Notices counts the email-change notices of each account for their
	// limit, in WorkID's database (*companies.Store), so every replica
	// counts against the same one.
	Notices Notices

	// locks serialise the read, check and send of one account's mail.
	locks   keylock.Set
	sent    sentCache
	metrics *mailMetrics
}

// Notices claims an email-change notice for an account before it is sent
// (*companies.Store); the claim is given back when it could not be.
type Notices interface {
	ClaimNotice(ctx context.Context, identityID string, at time.Time, lim companies.Limits) (*companies.Claim, error)
}

// noticeLimits: ten email-change notices a day per account.
var noticeLimits = companies.Limits{PerDay: 10}

// DefaultRetries are the pauses between attempts at one delivery.
var DefaultRetries = []time.Duration{500 * time.Millisecond, 1500 * time.Millisecond}

// errHeld marks a mail WorkID chose not to send; reason says why.
type errHeld struct{ reason string }

func (e errHeld) Error() string { return "held back: " + e.reason }

// The reasons a mail is held back.
const (
	heldLimit          = "limit"
	heldAddressChanged = "address_changed"
	heldNoIdentity     = "unknown_identity"
	heldDuplicate      = "duplicate"
)

var heldReasons = []string{heldLimit, heldAddressChanged, heldNoIdentity, heldDuplicate}

// handle turns Kratos's message into WorkID's mail and delivers it,
// answering with the status Kratos's courier reads.
func (m *Mailer) handle(ctx context.Context, c courierMessage) int {
	var (
		kind mail.Kind
		page string
		link string
	)
	// Kratos's other template types (codes for login and registration, the
	// "invalid" mails to unknown recipients) are off in kratos.yml; one
	// that arrives anyway is refused.
	switch c.TemplateType {
	case mail.TemplateVerification:
		kind, page, link = mail.Verification, "/verify", c.TemplateData.VerificationURL
	case mail.TemplateRecovery:
		kind, page, link = mail.Recovery, "/recover", c.TemplateData.RecoveryURL
	default:
		return m.refuse(ctx, c, fmt.Errorf("template type %q is not one WorkID sends", c.TemplateType))
	}
	flowID, token, err := linkParts(link)
	if err != nil {
		return m.refuse(ctx, c, err)
	}
	id := c.TemplateData.Identity.ID
	if !mail.IsID(id) {
		return m.refuse(ctx, c, errors.New("the message names no identity"))
	}
	// Kratos hands a message over again when it got no answer within its
	// 30 s, or a 5xx: one that went out already is not sent twice.
	key := sentKey(flowID, token)
	if m.sent.seen(key, m.Now()) {
		m.held(ctx, kind, id, heldDuplicate)
		return http.StatusNoContent
	}
	ctx, cancel := context.WithTimeout(ctx, handOverBudget)
	defer cancel()
	status := m.send(ctx, kind, id, c.Recipient, func(ident *kratos.Identity, now time.Time) (mail.Kind, mail.Data, error) {
		addr, ok := addressOf(ident, c.Recipient)
		if !ok {
			return kind, mail.Data{}, errHeld{heldAddressChanged}
		}
		d := mail.Data{Link: personLink(m.UIURL, m.LinkKey, page, flowID, token, id, addr.Value, now)}
		if kind == mail.Verification {
			verified := addr.Verified && addr.VerifiedAt != nil
			kind = kindOf(ident.MetadataAdmin, addr.Value, verified, now)
			if verified {
				d.ValidUntil = addr.VerifiedAt.Add(m.MaxAge)
			}
		}
		return kind, d, nil
	})
	if status == http.StatusNoContent {
		m.sent.add(key, m.Now())
	}
	return status
}

// handOverBudget bounds the work on one message: Kratos's courier waits 30
// s for an answer and, without one, hands the message over again.
const handOverBudget = 20 * time.Second

// refuse drops a message that can never be sent, logged and counted. It
// is answered 204: Kratos hands over again whatever is not 2xx.
func (m *Mailer) refuse(ctx context.Context, c courierMessage, err error) int {
	m.Log.ErrorContext(ctx, "courier message refused: it can never be sent", "template_type", c.TemplateType, "err", err)
	m.metrics.refused.Inc()
	return http.StatusNoContent
}

// compose picks a mail's kind and data from the identity as it is now.
type compose func(ident *kratos.Identity, now time.Time) (mail.Kind, mail.Data, error)

// send reads the account, lets build write the mail, applies the
// recipient's limit and delivers it. It answers 204 when the
// mail went out or was held back on purpose, 503 when it should be
// handed over again.
func (m *Mailer) send(ctx context.Context, base mail.Kind, identityID, to string, build compose) int {
	defer m.locks.Lock(identityID)()
	ident, resp, err := m.Admin.IdentityAPI.GetIdentity(ctx, identityID).Execute()
	if resp != nil && resp.StatusCode == http.StatusNotFound {
		m.held(ctx, base, identityID, heldNoIdentity)
		return http.StatusNoContent
	}
	if err != nil {
		m.Log.ErrorContext(ctx, "mail: read the identity", "identity_id", identityID, "err", err, "kratos_answer", kratosapi.ErrorBody(err))
		m.metrics.failed(base, "kratos")
		return http.StatusServiceUnavailable
	}
	now := m.Now()
	kind, d, err := build(ident, now)
	var held errHeld
	if errors.As(err, &held) {
		m.held(ctx, kind, identityID, held.reason)
		return http.StatusNoContent
	}
	if err != nil {
		m.Log.ErrorContext(ctx, "mail: compose", "identity_id", identityID, "err", err)
		m.metrics.refused.Inc()
		return http.StatusNoContent // it would fail the same way again
	}
	claim, status, allowed := m.allows(ctx, ident, kind, to, now)
	if !allowed {
		return status
	}
	d.To, d.Lang = to, localeOf(ident)
	msg, err := m.Templates.Compose(kind, d)
	if err != nil {
		giveBack(ctx, m.Log, claim, identityID)
		m.Log.ErrorContext(ctx, "mail: compose", "kind", kind, "err", err)
		m.metrics.refused.Inc()
		return http.StatusNoContent // it would fail the same way again
	}
	if err := m.deliver(ctx, kind, msg); err != nil {
		giveBack(ctx, m.Log, claim, identityID)
		if errors.Is(err, mail.ErrPermanent) {
			// Sending again would fail the same way: the failure is
			// logged and counted, and Kratos is told it is done.
			m.Log.ErrorContext(ctx, "mail not delivered: the mail server refused it", "kind", kind, "identity_id", identityID, "err", err)
			return http.StatusNoContent
		}
		m.Log.ErrorContext(ctx, "mail not delivered yet: Kratos will hand it over again", "kind", kind, "identity_id", identityID, "err", err)
		return http.StatusServiceUnavailable
	}
	m.metrics.sent[kind].Inc()
	m.Log.InfoContext(ctx, "mail sent", "kind", kind, "identity_id", identityID)
	return http.StatusNoContent
}

// allows applies the recipient's limit to one more mail of kind. An
// email-change notice is claimed in WorkID's database (Notices), ten a
// day per account, and claim is its claim; the rest are counted from
// Kratos's courier (sentTo). When it is not allowed, status is the
// answer to give.
func (m *Mailer) allows(ctx context.Context, ident *kratos.Identity, kind mail.Kind, to string, now time.Time) (claim *companies.Claim, status int, allowed bool) {
	var err error
	if kind == mail.EmailChanged {
		if m.Notices == nil {
			err = errors.New("no database to count email-change notices in")
		} else {
			claim, err = m.Notices.ClaimNotice(ctx, ident.Id, now, noticeLimits)
		}
		if err != nil {
			m.Log.ErrorContext(ctx, "mail: count the email-change notices", "identity_id", ident.Id, "err", err)
			m.metrics.failed(kind, "database")
			return nil, http.StatusServiceUnavailable, false
		}
		allowed = claim != nil
	} else {
		log, err := m.sentTo(ctx, kind, to, now)
		if err != nil {
			m.Log.ErrorContext(ctx, "mail: read what was sent to the recipient", "identity_id", ident.Id, "err", err)
			m.metrics.failed(kind, "kratos")
			return nil, http.StatusServiceUnavailable, false
		}
		allowed = mail.Allows(log, kind, to, now)
	}
	if !allowed {
		m.held(ctx, kind, ident.Id, heldLimit)
		return nil, http.StatusNoContent, false
	}
	return claim, 0, true
}

// giveBack forgets the claim of a mail that was not sent (nil for a mail
// counted from Kratos's courier), so it does not count.
func giveBack(ctx context.Context, log *slog.Logger, claim *companies.Claim, identityID string) {
	if claim == nil {
		return
	}
	if err := claim.Release(ctx); err != nil {
		log.ErrorContext(ctx, "mail: give back an email-change notice's claim", "identity_id", identityID, "err", err)
	}
}

// sentTo returns the mails of kind's count handed over for to in the last
// day, counted from Kratos's courier, which keeps every message it handed
// over: the count is the recipient's, whatever account asked (an account
// made and dropped again to mail an address anew gets no fresh
// allowance), and every replica sees it. A message WorkID held back
// counts too: it was asked for.
func (m *Mailer) sentTo(ctx context.Context, kind mail.Kind, to string, now time.Time) ([]mail.Entry, error) {
	return mail.CourierLog(ctx, mail.CourierSent(m.Admin, to), kind, to, now)
}

// deliver sends msg, trying again after each of m.Retries on a failure
// that may pass.
func (m *Mailer) deliver(ctx context.Context, kind mail.Kind, msg mail.Message) error {
	var err error
	for attempt := 0; ; attempt++ {
		if err = m.Sender.Send(ctx, msg); err == nil {
			return nil
		}
		if errors.Is(err, mail.ErrPermanent) {
			m.metrics.failed(kind, "permanent")
			return err
		}
		m.metrics.failed(kind, "temporary")
		if attempt >= len(m.Retries) {
			return err
		}
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < m.Retries[attempt]+mail.Timeout {
			return err // no time for another attempt: Kratos will hand it over again
		}
		m.metrics.retries.Inc()
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(m.Retries[attempt]):
		}
	}
}

func (m *Mailer) held(ctx context.Context, kind mail.Kind, identityID, reason string) {
	m.Log.WarnContext(ctx, "mail held back", "kind", kind, "identity_id", identityID, "reason", reason)
	m.metrics.held[kind][reason].Inc()
}

// addressOf finds to among the identity's email addresses: a verifiable
// one, or else a recovery one.
func addressOf(ident *kratos.Identity, to string) (emailstate.Address, bool) {
	to = strings.TrimSpace(to)
	if i := kratosapi.AccountAddress(ident.VerifiableAddresses, to); i >= 0 {
		a := ident.VerifiableAddresses[i]
		return emailstate.Address{Value: a.Value, Verified: a.Verified, VerifiedAt: a.VerifiedAt}, true
	}
	if i := kratosapi.AccountAddress(ident.RecoveryAddresses, to); i >= 0 {
		return emailstate.Address{Value: ident.RecoveryAddresses[i].Value}, true
	}
	return emailstate.Address{}, false
}

func sameAddress(a, b string) bool {
	return strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(b))
}

// sentCache remembers, for an hour, the messages this process sent, so
// that one Kratos hands over again is not sent twice. It holds at most
// sentCacheMax keys; past that, the oldest are forgotten first. Keys are
// added in time order, so order is oldest first and each add forgets
// from its front: no add walks the whole cache.
type sentCache struct {
	mu    sync.Mutex
	keys  map[[32]byte]time.Time
	order [][32]byte
}

const (
	sentCacheAge = time.Hour
	sentCacheMax = 100_000
)

func sentKey(flowID, token string) [32]byte { return sha256.Sum256([]byte(flowID + "\x00" + token)) }

func (c *sentCache) seen(key [32]byte, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	at, ok := c.keys[key]
	return ok && now.Sub(at) < sentCacheAge
}

func (c *sentCache) add(key [32]byte, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.keys == nil {
		c.keys = map[[32]byte]time.Time{}
	}
	c.keys[key] = now
	c.order = append(c.order, key)
	for len(c.order) > 0 {
		oldest := c.order[0]
		at, ok := c.keys[oldest]
		if ok && now.Sub(at) < sentCacheAge && len(c.keys) <= sentCacheMax {
			break
		}
		delete(c.keys, oldest)
		c.order = c.order[1:]
	}
}

// localeOf is the account's language, "" when none is known (English).
func localeOf(ident *kratos.Identity) string {
	meta, _ := ident.MetadataPublic.(map[string]any)
	code, _ := meta[locale.MetadataKey].(string)
	return code
}
