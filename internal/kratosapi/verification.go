package kratosapi

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"

	kratos "github.com/ory/kratos-client-go"
)

// ErrMaybeSent marks a send that failed after Kratos may have queued the
// mail all the same: its submission got no answer (Kratos may have
// received it and queued the mail before the answer was lost or came too
// late) or a server error (the mail is queued before the flow is saved).
// A send that fails without it sent nothing: the flow could not be
// started, the submission was refused, or Kratos could not be reached.
var ErrMaybeSent = errors.New("the mail may have been sent")

// SendVerification has Kratos mail address a verification link through a
// native verification flow on its public API (no browser needed), with
// the method the flow offers: a link, as WorkID's kratos.yml has it, or a
// code. payload becomes the flow's transient_payload, which reaches the
// courier and picks the mail's words; nil for the ordinary text.
//
// On failure resp is Kratos's answer to the request that failed, nil when
// none came, and the error wraps ErrMaybeSent when the mail may be queued
// already.
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
	_, resp, err = public.FrontendAPI.UpdateVerificationFlow(ctx).Flow(flow.Id).UpdateVerificationFlowBody(body).Execute()
	if err != nil {
		if maybeSent(resp, err) {
			return resp, fmt.Errorf("submit the verification flow: %w: %w", ErrMaybeSent, err)
		}
		return resp, fmt.Errorf("submit the verification flow: %w", err)
	}
	return resp, nil
}

// maybeSent tells whether a submission that failed with resp and err may
// have reached Kratos's courier: a server error, or no answer to a
// request that was not refused at connecting.
func maybeSent(resp *http.Response, err error) bool {
	if resp != nil {
		return resp.StatusCode >= http.StatusInternalServerError
	}
	var op *net.OpError
	return !errors.As(err, &op) || op.Op != "dial"
}
