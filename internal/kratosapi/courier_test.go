package kratosapi

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	kratos "github.com/ory/kratos-client-go"
)

// courierMessage is one message as Kratos's admin API lists it.
func courierMessage(id string) string {
	return fmt.Sprintf(`{"id":%q,"recipient":"ann@acme.com","status":"sent","subject":"Verify","template_type":"verification_valid",
	 "type":"email","body":"","send_count":1,"created_at":"2026-01-02T03:04:05Z","updated_at":"2026-01-02T03:04:05Z"}`, id)
}

// Each call asks for one page with what it was given (the recipient in
// lower case, no status or size when none is given) and returns the token
// from the answer's Link header.
func TestCourierMessages(t *testing.T) {
	var asked url.Values
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/admin/courier/messages" {
			http.NotFound(w, r)
			return
		}
		asked = r.URL.Query()
		w.Header().Set("Content-Type", "application/json")
		switch asked.Get("page_token") {
		case "":
			w.Header().Set("Link", `</admin/courier/messages?page_size=1&page_token=p2>; rel="next"`)
			fmt.Fprint(w, "["+courierMessage("m1")+"]")
		case "p2":
			fmt.Fprint(w, "["+courierMessage("m2")+"]")
		default:
			// An empty page with a next link: the listing still ends.
			w.Header().Set("Link", `</admin/courier/messages?page_size=1&page_token=again>; rel="next"`)
			fmt.Fprint(w, "[]")
		}
	}))
	defer srv.Close()
	admin := New(srv.URL)
	for _, tt := range []struct {
		status           kratos.CourierMessageStatus
		size             int64
		token            string
		wantQuery        string
		wantIDs          int
		wantID, wantNext string
	}{
		{kratos.COURIERMESSAGESTATUS_SENT, 1, "", "page_size=1&recipient=ann%40acme.com&status=sent", 1, "m1", "p2"},
		{kratos.COURIERMESSAGESTATUS_SENT, 1, "p2", "page_size=1&page_token=p2&recipient=ann%40acme.com&status=sent", 1, "m2", ""},
		{"", 0, "", "recipient=ann%40acme.com", 1, "m1", "p2"},
		{"", 0, "empty", "page_token=empty&recipient=ann%40acme.com", 0, "", ""},
	} {
		msgs, next, err := CourierMessages(t.Context(), admin, "Ann@ACME.com", tt.status, tt.size, tt.token)
		if err != nil || len(msgs) != tt.wantIDs || (len(msgs) > 0 && msgs[0].Id != tt.wantID) || next != tt.wantNext {
			t.Errorf("CourierMessages(%q, %d, %q) = %d messages %v, next %q, %v; want %d (%s), next %q",
				tt.status, tt.size, tt.token, len(msgs), msgs, next, err, tt.wantIDs, tt.wantID, tt.wantNext)
		}
		if got := asked.Encode(); got != tt.wantQuery {
			t.Errorf("CourierMessages(%q, %d, %q) asked for %s, want %s", tt.status, tt.size, tt.token, got, tt.wantQuery)
		}
	}
}
