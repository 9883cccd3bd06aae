package notify

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"syscall"
	"time"

	"writ/notify/webhooksig"
	"writ/safedial"
)

// Webhooks posts signed events to customers' endpoints. A customer
// chooses the endpoint, so writ treats it as an address from outside: it
// connects only to public addresses (checked after DNS resolution, see
// package safedial), follows no redirect, and never keeps what the endpoint
// answered beyond its status code: a failure is recorded in writ's own
// words, so no internal answer can come back through a notice's
// deliveries, the demand's events or the audit log.
type Webhooks struct {
	// Client sends the requests; when nil, a client that keeps to public
	// addresses (and loopback if AllowLoopback) with a 10-second timeout.
	Client *http.Client
	// AllowLoopback lets the default client reach this machine's loopback
	// addresses: for tests and demos, never in production.
	AllowLoopback bool
	// Now dates the signature.
	Now func() time.Time

	once   sync.Once
	client *http.Client
}

func (w *Webhooks) httpClient() *http.Client {
	w.once.Do(func() {
		w.client = w.Client
		if w.client == nil {
			w.client = safedial.Policy{AllowLoopback: w.AllowLoopback}.Client(webhookTimeout)
		}
	})
	return w.client
}

// webhookTimeout bounds one webhook request, connection to answer.
const webhookTimeout = 10 * time.Second

// WebhookEvent is the body writ posts: a notice to the customer, with the
// letter as text. Its id is the same on every retry.
type WebhookEvent struct {
	ID       string        `json:"id"`
	Type     string        `json:"type"` // "notice"
	Created  time.Time     `json:"created"`
	Demand   WebhookDemand `json:"demand"`
	Action   string        `json:"action"`
	ObjectBy string        `json:"object_by"`
	Letter   WebhookLetter `json:"letter"`
}

// WebhookDemand is what the event says of the demand.
type WebhookDemand struct {
	ID             int64     `json:"id"`
	Reference      string    `json:"reference"`
	Agency         string    `json:"agency"`
	AgencyCountry  string    `json:"agency_country"`
	Instrument     string    `json:"instrument"`
	Citation       string    `json:"citation"`
	DataCategories []string  `json:"data_categories"`
	Accounts       []string  `json:"accounts"`
	ReceivedAt     time.Time `json:"received_at"`
}

// WebhookLetter is the notice letter carried by the event.
type WebhookLetter struct {
	Version string `json:"version"`
	Subject string `json:"subject"`
	Text    string `json:"text"`
}

// Post sends body to url signed with secret. Only a 2xx answer counts as
// received; anything else, or no answer, is an error saying in writ's own
// words what happened (the status code, never the answer's text).
func (w *Webhooks) Post(ctx context.Context, url string, secret []byte, eventID, eventType string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return errors.New("webhook: the endpoint's URL cannot be used")
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "writ-webhooks/1")
	req.Header.Set(webhooksig.EventIDHeader, eventID)
	req.Header.Set(webhooksig.EventTypeHeader, eventType)
	req.Header.Set(webhooksig.SignatureHeader, webhooksig.Sign(secret, w.Now(), body))
	res, err := w.httpClient().Do(req)
	if res != nil {
		// Read a little so the connection can be reused; keep none of it.
		io.Copy(io.Discard, io.LimitReader(res.Body, 4<<10))
		res.Body.Close()
	}
	switch {
	case errors.Is(err, safedial.ErrRedirect):
		return fmt.Errorf("webhook: the endpoint answered %s, a redirect; writ does not follow redirects", statusText(res.StatusCode))
	case err != nil:
		return fmt.Errorf("webhook: %s", failure(err))
	case res.StatusCode < 200 || res.StatusCode > 299:
		return fmt.Errorf("webhook: the endpoint answered %s", statusText(res.StatusCode))
	}
	return nil
}

// statusText is a status code with its standard name, never the reason
// phrase the endpoint sent.
func statusText(code int) string {
	if text := http.StatusText(code); text != "" {
		return fmt.Sprintf("%d %s", code, text)
	}
	return fmt.Sprint(code)
}

// failure says why a request got no answer, in writ's words.
func failure(err error) string {
	var refused *safedial.RefusedError
	var dnsErr *net.DNSError
	var timeout interface{ Timeout() bool }
	switch {
	case errors.As(err, &refused):
		return fmt.Sprintf("refused to connect: the endpoint's address is a %s address, not a public one", refused.Reason)
	case errors.As(err, &dnsErr):
		return "the endpoint's host name could not be resolved"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &timeout) && timeout.Timeout():
		return fmt.Sprintf("no answer within %s", webhookTimeout)
	case errors.Is(err, syscall.ECONNREFUSED):
		return "the endpoint refused the connection"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "the connection was closed before an answer"
	}
	var certErr *tls.CertificateVerificationError
	if errors.As(err, &certErr) {
		return "the endpoint's TLS certificate is not trusted for its host name"
	}
	return "the request failed before an answer"
}
