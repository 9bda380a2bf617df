package kratosapi

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"

	kratos "github.com/ory/kratos-client-go"
)

var nextLink = regexp.MustCompile(`<([^>]+)>;\s*rel="next"`)

// NextPageToken reads the token of the next page from a list answer's
// Link header; "" on the last page.
func NextPageToken(resp *http.Response) (string, error) {
	m := nextLink.FindStringSubmatch(resp.Header.Get("Link"))
	if m == nil {
		return "", nil
	}
	u, err := url.Parse(m[1])
	if err != nil {
		return "", fmt.Errorf("read the next page's link: %w", err)
	}
	return u.Query().Get("page_token"), nil
}

// IdentityPager lists every identity through the admin API, one page at a
// time, the way Kratos pages them: each answer's Link header carries the
// page_token of the next page, and the last page names none. Pages are
// read as they are needed, so a listing of any size holds one page.
type IdentityPager struct {
	admin *kratos.APIClient
	size  int64
	token string
	done  bool
}

// NewIdentityPager returns a pager over admin's identities, size to a page
// (Kratos's default when size is 0).
func NewIdentityPager(admin *kratos.APIClient, size int64) *IdentityPager {
	return &IdentityPager{admin: admin, size: size}
}

// Done reports whether the last page has been returned.
func (p *IdentityPager) Done() bool { return p.done }

// Next returns the next page; after the last, none. A failed request
// leaves the pager where it was, so Next can be called again to retry
// it. resp is Kratos's answer to the request (nil when none came), for the
// caller to tell a refusal from a Kratos that cannot be reached. An empty
// page ends the listing, whatever its Link header says.
func (p *IdentityPager) Next(ctx context.Context) (page []kratos.Identity, resp *http.Response, err error) {
	if p.done {
		return nil, nil, nil
	}
	req := p.admin.IdentityAPI.ListIdentities(ctx)
	if p.size > 0 {
		req = req.PageSize(p.size)
	}
	if p.token != "" {
		req = req.PageToken(p.token)
	}
	page, resp, err = req.Execute()
	if err != nil {
		return nil, resp, err
	}
	next, err := NextPageToken(resp)
	if err != nil {
		return nil, resp, err
	}
	p.token, p.done = next, next == "" || len(page) == 0
	return page, resp, nil
}
