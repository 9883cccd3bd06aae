package notify

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"time"
)

// Webhooks posts signed events to customers' endpoints.
type Webhooks struct {
	// Client sends the requests; one with a 10-second timeout when nil.
	Client *http.Client
	// Now dates the signature.
	Now func() time.Time
}

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
// received; anything else, or no answer, is an error naming what came back.
func (w *Webhooks) Post(ctx context.Context, url string, secret []byte, eventID, eventType string, body []byte) error {
	client := w.Client
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("webhook: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "writ-webhooks/1")
	req.Header.Set(EventIDHeader, eventID)
	req.Header.Set(EventTypeHeader, eventType)
	req.Header.Set(SignatureHeader, Sign(secret, w.Now(), body))
	res, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("webhook: %w", err)
	}
	defer res.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(res.Body, 200))
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return fmt.Errorf("webhook: %s answered %s: %q", url, res.Status, snippet)
	}
	return nil
}
