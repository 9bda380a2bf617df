package mail

import (
	"context"
	"fmt"
	"regexp"
	"time"

	kratos "github.com/ory/kratos-client-go"

	"github.com/workid/workid/internal/kratosapi"
)

// The template types of Kratos's courier messages WorkID sends.
const (
	TemplateVerification = "verification_valid"
	TemplateRecovery     = "recovery_valid"
)

var (
	idPattern    = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	tokenPattern = regexp.MustCompile(`^[A-Za-z0-9]{16,128}$`)
)

// IsID reports whether s is a Kratos ID (a flow's, an identity's): a
// lower-case UUID.
func IsID(s string) bool { return idPattern.MatchString(s) }

// IsToken reports whether s has the shape of a Kratos link token.
func IsToken(s string) bool { return tokenPattern.MatchString(s) }

// CourierMessage is what the limits read of one message Kratos's courier
// handed over.
type CourierMessage struct {
	TemplateType string
	CreatedAt    time.Time
}

// CourierPageFunc returns one page of the messages handed over for a
// recipient, newest first, from the page token ("" for the first page),
// and the next page's token ("" after the last).
type CourierPageFunc func(ctx context.Context, token string) (msgs []CourierMessage, next string, err error)

// CourierSent returns the pages of what admin's courier handed over (sent)
// for to, CourierPage to a page, for CourierLog.
func CourierSent(admin *kratos.APIClient, to string) CourierPageFunc {
	return func(ctx context.Context, token string) ([]CourierMessage, string, error) {
		msgs, next, err := kratosapi.CourierMessages(ctx, admin, to, kratos.COURIERMESSAGESTATUS_SENT, CourierPage, token)
		if err != nil {
			return nil, "", kratosapi.WithBody(err)
		}
		out := make([]CourierMessage, len(msgs))
		for i, m := range msgs {
			out[i] = CourierMessage{TemplateType: m.TemplateType, CreatedAt: m.CreatedAt}
		}
		return out, next, nil
	}
}

// CourierLog reads, page by page, what Kratos's courier handed over for
// to in the last day, until a day back or until the entries already put
// one more mail of kind over its limit: a flood of another kind cannot
// push them out of sight. Mailer and UI count the same way.
func CourierLog(ctx context.Context, page CourierPageFunc, kind Kind, to string, now time.Time) ([]Entry, error) {
	var log []Entry
	token := ""
	for range CourierPages {
		msgs, next, err := page(ctx, token)
		if err != nil {
			return nil, fmt.Errorf("list courier messages: %w", err)
		}
		for _, m := range msgs {
			if now.Sub(m.CreatedAt) >= 24*time.Hour {
				return log, nil
			}
			if e, ok := CourierEntry(m.TemplateType, to, m.CreatedAt); ok {
				log = append(log, e)
				if !Allows(log, kind, to, now) {
					return log, nil
				}
			}
		}
		if next == "" {
			return log, nil
		}
		token = next
	}
	return nil, fmt.Errorf("more than %d messages to one recipient in a day: not counting further", CourierPages*CourierPage)
}
