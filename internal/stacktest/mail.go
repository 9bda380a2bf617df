package stacktest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// Message is one email as Mailpit caught it.
type Message struct {
	ID      string
	To      []string
	Subject string
	Text    string
	HTML    string
	Created time.Time
}

type mailpitSummary struct {
	ID      string    `json:"ID"`
	Created time.Time `json:"Created"`
}

// Mail returns every message sent to address, oldest first.
func (s *Stack) Mail(ctx context.Context, address string) ([]Message, error) {
	q := url.Values{"query": {`to:"` + address + `"`}, "limit": {"200"}}
	var list struct {
		Messages []mailpitSummary `json:"messages"`
	}
	if err := s.getJSON(ctx, s.MailpitURL+"/api/v1/search?"+q.Encode(), &list); err != nil {
		return nil, fmt.Errorf("search mail to %s: %w", address, err)
	}
	out := make([]Message, 0, len(list.Messages))
	// Mailpit lists newest first.
	for i := len(list.Messages) - 1; i >= 0; i-- {
		var m struct {
			ID      string
			To      []struct{ Address string }
			Subject string
			Text    string
			HTML    string
		}
		if err := s.getJSON(ctx, s.MailpitURL+"/api/v1/message/"+list.Messages[i].ID, &m); err != nil {
			return nil, fmt.Errorf("read message %s: %w", list.Messages[i].ID, err)
		}
		msg := Message{ID: m.ID, Subject: m.Subject, Text: m.Text, HTML: m.HTML, Created: list.Messages[i].Created}
		for _, t := range m.To {
			msg.To = append(msg.To, t.Address)
		}
		out = append(out, msg)
	}
	return out, nil
}

// WaitForMail waits until address has received at least n messages, or
// ctx ends, and returns them all.
func (s *Stack) WaitForMail(ctx context.Context, address string, n int) ([]Message, error) {
	for {
		msgs, err := s.Mail(ctx, address)
		if err == nil && len(msgs) >= n {
			return msgs, nil
		}
		select {
		case <-ctx.Done():
			if err != nil {
				return nil, err
			}
			return msgs, fmt.Errorf("wait for %d messages to %s: got %d: %w", n, address, len(msgs), ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

var linkRE = regexp.MustCompile(`https?://[^\s"'<>]+`)

// Link returns the first link in m's plain text whose URL contains part.
func (m Message) Link(part string) (string, error) {
	for _, l := range linkRE.FindAllString(m.Text, -1) {
		if strings.Contains(l, part) {
			return l, nil
		}
	}
	return "", fmt.Errorf("message %q has no link containing %q", m.Subject, part)
}

// Followed is where following a link ended.
type Followed struct {
	// Hops are the URLs visited, the link first.
	Hops []string
	// Final is the last URL and Status its answer.
	Final  *url.URL
	Status int
	// Jar holds the cookies set on the way, as a browser would keep them.
	Jar http.CookieJar
}

// Follow opens link as a browser would, following redirects with a fresh
// cookie jar, and reports where it ended. The answer's body is discarded.
func (s *Stack) Follow(ctx context.Context, link string) (*Followed, error) {
	jar, _ := cookiejar.New(nil)
	f := &Followed{Jar: jar}
	c := &http.Client{
		Timeout: s.HTTP.Timeout,
		Jar:     jar,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			f.Hops = append(f.Hops, req.URL.String())
			if len(via) >= 10 {
				return fmt.Errorf("more than 10 redirects")
			}
			return nil
		},
	}
	f.Hops = append(f.Hops, link)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, link, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("follow %s: %w", link, err)
	}
	resp.Body.Close()
	f.Final, f.Status = resp.Request.URL, resp.StatusCode
	return f, nil
}

func (s *Stack) getJSON(ctx context.Context, u string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := s.HTTP.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: status %d", u, resp.StatusCode)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

// FlowMessageIDs returns the IDs of the messages of the verification flow
// a followed link ended on (4070001: the link was invalid or already
// used). Reading the flow takes the CSRF cookie Kratos set on the way.
func (s *Stack) FlowMessageIDs(ctx context.Context, f *Followed) ([]int64, error) {
	flowID := f.Final.Query().Get("flow")
	if flowID == "" {
		return nil, fmt.Errorf("%s is not a flow's page", f.Final)
	}
	kratosURL, err := url.Parse(s.KratosPublicURL)
	if err != nil {
		return nil, err
	}
	var cookies []string
	for _, c := range f.Jar.Cookies(kratosURL) {
		cookies = append(cookies, c.Name+"="+c.Value)
	}
	flow, _, err := s.Public.FrontendAPI.GetVerificationFlow(ctx).Id(flowID).Cookie(strings.Join(cookies, "; ")).Execute()
	if err != nil {
		return nil, fmt.Errorf("read verification flow %s: %s", flowID, apiError(err))
	}
	var ids []int64
	for _, m := range flow.Ui.Messages {
		ids = append(ids, m.Id)
	}
	return ids, nil
}
