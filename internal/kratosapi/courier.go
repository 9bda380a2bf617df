package kratosapi

import (
	"context"
	"strings"

	kratos "github.com/ory/kratos-client-go"
)

// CourierMessages returns one page of the messages Kratos's courier holds
// for recipient, newest first, through the admin API: those with status
// ("" for any), size to a page (Kratos's default when 0), from the page
// token ("" for the first page), and the token of the page after it, ""
// after the last; an empty page is the last, whatever its Link header
// says. Kratos keeps recipients in lower case, so recipient is looked up
// in lower case.
func CourierMessages(ctx context.Context, admin *kratos.APIClient, recipient string, status kratos.CourierMessageStatus, size int64, token string) ([]kratos.Message, string, error) {
	req := admin.CourierAPI.ListCourierMessages(ctx).Recipient(strings.ToLower(recipient))
	if status != "" {
		req = req.Status(status)
	}
	if size > 0 {
		req = req.PageSize(size)
	}
	if token != "" {
		req = req.PageToken(token)
	}
	msgs, resp, err := req.Execute()
	if err != nil {
		return nil, "", err
	}
	if len(msgs) == 0 {
		return msgs, "", nil
	}
	next, err := NextPageToken(resp)
	if err != nil {
		return nil, "", err
	}
	return msgs, next, nil
}
