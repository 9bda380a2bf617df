package kratosapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptrace"
	"sync/atomic"

	kratos "github.com/ory/kratos-client-go"
)

// ErrMaybeSent marks a send that failed after Kratos may have queued the
// mail all the same. That is every failure after the submission was
// written out in full, but for the answers Kratos gives before it acts
// on a flow (answeredBeforeSending): no answer (lost, or too late: Kratos
// may have queued the mail before), a server error, and also a 400,
// which is how Kratos answers a database error after queueing. A send
// that fails without it sent nothing: the flow could not be started, or
// the submission never reached Kratos whole (refused at connecting, a
// proxy, TLS), or Kratos refused the flow before acting on it.
var ErrMaybeSent = errors.New("the mail may have been sent")

// SendVerification has Kratos mail address a verification link through a
// native verification flow on its public API (no browser needed), with
// the method the flow offers: a link, as WorkID's kratos.yml has it, or a
// code. payload becomes the flow's transient_payload, which reaches the
// courier and picks the mail's words; nil for the ordinary text.
//
// On failure resp is Kratos's answer to the request that failed, nil when
// none came, and the error wraps ErrMaybeSent when the mail may be queued
// already (see there).
func SendVerification(ctx context.Context, public *kratos.APIClient, address string, payload map[string]any) (resp *http.Response, err error) {
	flow, resp, err := public.FrontendAPI.CreateNativeVerificationFlow(ctx).Execute()
	if err != nil {
		return resp, fmt.Errorf("start a verification flow: %w", err)
	}
	var body kratos.UpdateVerificationFlowBody
	if flow.GetActive() == "code" {
		m := kratos.NewUpdateVerificationFlowWithCodeMethod("code")
		m.SetEmail(address)
		m.TransientPayload = payload
		body = kratos.UpdateVerificationFlowWithCodeMethodAsUpdateVerificationFlowBody(m)
	} else {
		m := kratos.NewUpdateVerificationFlowWithLinkMethod(address, "link")
		m.TransientPayload = payload
		body = kratos.UpdateVerificationFlowWithLinkMethodAsUpdateVerificationFlowBody(m)
	}
	// Whether the submission was written out in full tells "never reached
	// Kratos" from "reached it, answer lost", whatever the error's type.
	var wrote atomic.Bool
	traced := httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{WroteRequest: func(i httptrace.WroteRequestInfo) {
		if i.Err == nil {
			wrote.Store(true)
		}
	}})
	_, resp, err = public.FrontendAPI.UpdateVerificationFlow(traced).Flow(flow.Id).UpdateVerificationFlowBody(body).Execute()
	if err != nil {
		if wrote.Load() && (resp == nil || !answeredBeforeSending(resp.StatusCode)) {
			return resp, fmt.Errorf("submit the verification flow: %w: %w", ErrMaybeSent, err)
		}
		return resp, fmt.Errorf("submit the verification flow: %w", err)
	}
	return resp, nil
}

// answeredBeforeSending tells the statuses Kratos answers a submission
// with before it acts on the flow: a flow not found (404) or expired
// (410), a request it refuses (401, 403) or one the edge's limiter held
// back (429). Any other answer may follow a queued mail, a 200 whose body
// could not be read included.
func answeredBeforeSending(status int) bool {
	switch status {
	case http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusGone, http.StatusTooManyRequests:
		return true
	}
	return false
}
