package notifytest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"writ/notify"
	"writ/notify/webhooksig"
)

// Event is one webhook request the receiver accepted.
type Event struct {
	ID   string
	Body notify.WebhookEvent
}

// WebhookReceiver is a customer's webhook endpoint as the verification
// recipe describes it: it checks the signature over the raw body with the
// shared secret and the timestamp's age, and drops an event id it has seen.
type WebhookReceiver struct {
	URL    string
	Secret string

	mu       sync.Mutex
	now      func() time.Time
	fail     int
	failures int
	seen     map[string]bool
	events   []Event
	rejected []string // why requests were refused
}

// StartWebhook starts a receiver that verifies against now and refuses the
// first failFirst requests with 503.
func StartWebhook(t testing.TB, secret string, now func() time.Time, failFirst int) *WebhookReceiver {
	r := &WebhookReceiver{Secret: secret, now: now, fail: failFirst, seen: map[string]bool{}}
	srv := httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(srv.Close)
	r.URL = srv.URL + "/writ/notices"
	return r
}

func (r *WebhookReceiver) serve(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(io.LimitReader(req.Body, 1<<20))
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		http.Error(w, "read", http.StatusBadRequest)
		return
	}
	if err := webhooksig.Verify([]byte(r.Secret), req.Header.Get(webhooksig.SignatureHeader), body, r.now(), webhooksig.DefaultTolerance); err != nil {
		r.rejected = append(r.rejected, err.Error())
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	if r.fail > 0 {
		r.fail--
		r.failures++
		http.Error(w, "temporarily unavailable", http.StatusServiceUnavailable)
		return
	}
	id := req.Header.Get(webhooksig.EventIDHeader)
	if r.seen[id] {
		w.WriteHeader(http.StatusOK) // a replay or a retry after a lost answer: already had it
		return
	}
	var ev notify.WebhookEvent
	if err := json.Unmarshal(body, &ev); err != nil || ev.ID != id {
		r.rejected = append(r.rejected, "body does not name the event id")
		http.Error(w, "bad event", http.StatusBadRequest)
		return
	}
	r.seen[id] = true
	r.events = append(r.events, Event{ID: id, Body: ev})
	w.WriteHeader(http.StatusNoContent)
}

// Events returns the events accepted (each once), the number of requests
// refused on purpose, and the reasons of requests that failed verification.
func (r *WebhookReceiver) Events() (events []Event, failures int, rejected []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Event(nil), r.events...), r.failures, append([]string(nil), r.rejected...)
}
