package kratosapi

import (
	"context"
	"fmt"
	"net/http"

	kratos "github.com/ory/kratos-client-go"
)

// SendVerification has Kratos mail address a verification link through a
// native verification flow on its public API (no browser needed), with
// the method the flow offers: a link, as WorkID's kratos.yml has it, or a
// code. payload becomes the flow's transient_payload, which reaches the
// courier and picks the mail's words; nil for the ordinary text.
//
// On failure resp is Kratos's answer to the request that failed, nil when
// none came. After an answer, even an error, the mail may be queued
// already: only a call that got none is safe to repeat.
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
		return resp, fmt.Errorf("submit the verification flow: %w", err)
	}
	return resp, nil
}
