package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"strings"

	"writ"
)

// NoticeChannels are where a customer is told of demands for its data: an
// e-mail address for notices (its legal contact when empty) and a webhook
// endpoint, whose requests writ signs with the customer's secret.
type NoticeChannels struct {
	NoticeEmail string `json:"notice_email"`
	WebhookURL  string `json:"webhook_url"`
	// WebhookSecret is shared with the customer to verify signatures; at
	// least 32 characters. writ never shows it again.
	WebhookSecret string `json:"webhook_secret"`
}

// minSecret is the shortest webhook secret writ accepts: 32 characters of
// a random token carry enough entropy for HMAC-SHA256.
const minSecret = 32

// validateChannels checks a customer's notice channels field by field.
func validateChannels(c *NoticeChannels) error {
	c.NoticeEmail, c.WebhookURL = strings.TrimSpace(c.NoticeEmail), strings.TrimSpace(c.WebhookURL)
	if c.NoticeEmail != "" && !plainAddress(c.NoticeEmail) {
		return writ.FieldErrorf("notice_email", "not an e-mail address: %q", c.NoticeEmail)
	}
	if c.WebhookURL == "" {
		if c.WebhookSecret != "" {
			return writ.FieldErrorf("webhook_secret", "a secret needs a webhook_url")
		}
		return nil
	}
	u, err := url.Parse(c.WebhookURL)
	// Plain http only to this machine (a local relay, a test): a notice
	// names an investigation and must not cross a network in clear.
	local := u != nil && u.Scheme == "http" && (u.Hostname() == "localhost" || net.ParseIP(u.Hostname()).IsLoopback())
	if err != nil || (u.Scheme != "https" && !local) || u.Host == "" || u.User != nil || u.Fragment != "" || len(c.WebhookURL) > 2000 {
		return writ.FieldErrorf("webhook_url", "an absolute https:// URL without credentials is required")
	}
	if strings.HasPrefix(c.WebhookSecret, "sealed:") {
		return writ.FieldErrorf("webhook_secret", "a secret may not begin with \"sealed:\"")
	}
	if len(c.WebhookSecret) < minSecret || len(c.WebhookSecret) > 256 {
		return writ.FieldErrorf("webhook_secret", "a webhook needs a secret of %d to 256 characters", minSecret)
	}
	return nil
}

// plainAddress reports whether s is one bare e-mail address: no display
// name, no list, no line break.
func plainAddress(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && !strings.ContainsAny(s, "\r\n,;<>")
}

// redactSecret is what the audit log records of a secret.
func redactSecret(secret string) string {
	if secret == "" {
		return ""
	}
	return "(set)"
}

// UpdateNoticeChannels replaces a customer's notice channels. Admins only;
// EINVALID names the field at fault, ENOTFOUND for no such customer.
// Notices already scheduled go out on the channels set when they are sent;
// a webhook added later serves the notices scheduled after it.
func (s *Store) UpdateNoticeChannels(ctx context.Context, actor writ.Actor, customerID int64, in NoticeChannels) (writ.Customer, error) {
	if actor.Role != writ.RoleAdmin {
		if _, err := s.Customer(ctx, actor, customerID); err != nil {
			return writ.Customer{}, err
		}
		return writ.Customer{}, writ.Errorf(writ.EFORBIDDEN, "only an admin may change where a customer is told")
	}
	if err := validateChannels(&in); err != nil {
		return writ.Customer{}, err
	}
	sealed, err := s.sealSecret("customers.webhook_secret", in.WebhookSecret)
	if err != nil {
		return writ.Customer{}, err
	}
	err = s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE customers SET notice_email = $1, webhook_url = $2, webhook_secret = $3 WHERE id = $4`,
			in.NoticeEmail, in.WebhookURL, sealed, customerID)
		if err != nil {
			return fmt.Errorf("store: notice channels: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("customer", customerID)
		}
		return s.appendEvent(ctx, tx, actor, nil, "customer.notice_channels", map[string]any{"customer_id": customerID,
			"notice_email": in.NoticeEmail, "webhook_url": in.WebhookURL, "webhook_secret": redactSecret(in.WebhookSecret)})
	})
	if err != nil {
		return writ.Customer{}, err
	}
	return s.Customer(ctx, actor, customerID)
}

// customerChannels is what the notice jobs need to know of a customer.
type customerChannels struct {
	kind, name, legalContact  string
	noticeEmail               string
	webhookURL, webhookSecret string
}

// channelsOf reads a customer's channels; a demand with no customer
// (accounts the provider does not hold) has none.
func (s *Store) channelsOf(ctx context.Context, db querier, customerID int64) (customerChannels, error) {
	var c customerChannels
	if customerID == 0 {
		return c, nil
	}
	err := db.QueryRowContext(ctx, `SELECT kind, name, legal_contact, notice_email, webhook_url, webhook_secret FROM customers WHERE id = $1`, customerID).
		Scan(&c.kind, &c.name, &c.legalContact, &c.noticeEmail, &c.webhookURL, &c.webhookSecret)
	if errors.Is(err, sql.ErrNoRows) {
		return c, notFound("customer", customerID)
	}
	if err != nil {
		return c, fmt.Errorf("store: customer channels: %w", err)
	}
	c.webhookSecret, err = s.openSecret("customers.webhook_secret", c.webhookSecret)
	return c, err
}
