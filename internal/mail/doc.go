// Package mail is how WorkID writes and sends its mail: the messages'
// texts as Go templates (a plain-text part and an HTML part for each kind),
// and delivery through one SMTP server.
//
// Kratos's courier hands every message it would send to WorkID's hooks
// server (courier.delivery_strategy: http), which picks the kind and the
// words with this package; WorkID's own notices (an email change told to
// the old address) go the same way. The limits per recipient count what
// Kratos's courier handed over (CourierLog, CourierSent), read through
// internal/kratosapi.
package mail
