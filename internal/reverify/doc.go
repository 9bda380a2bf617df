// Package reverify is WorkID's yearly re-verification (`workid reverify`):
// it pages through every identity on the Kratos admin API and, for each
// email address verified longer ago than the maximum age, marks it
// unverified and has Kratos email a new single-use link that says why.
//
// Each expiry is three steps, in this order:
//
//  1. claim: one PATCH marks the address unverified and records the
//     expiry on the identity (metadata_admin, see internal/emailstate);
//  2. send: Kratos's own verification flow mails a new link, with a
//     transient payload {"reason": "expired"} for the mail's text;
//  3. record: a PATCH stores when the link was sent.
//
// The link must be sent after the claim: the PATCH recreates the address
// and so deletes outstanding links. A pass that finds a claim without a
// sent time (a crash between 1 and 3) sends the link then, so nothing is
// lost. The one window in which a crash sends twice: after Kratos accepted
// the send (2) and before the record (3) is stored; the next pass sends
// again, and both links work. An identity that needs work is read again
// just before it is changed, and the PATCH's result is checked, since
// Kratos offers no compare-and-swap.
//
// One pass runs at a time however many instances are deployed: a pass
// takes a lock first (a file lock on one machine) and is skipped, saying
// so, when another pass holds it.
//
// With an Index (the member index, internal/companies), a pass also
// reconciles it with Kratos: see reconcile.go.
package reverify
