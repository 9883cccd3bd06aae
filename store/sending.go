package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"writ"
)

// RecordSending keeps what one attempt at a job sent, or failed to send,
// in one transaction with finish (which settles the job itself: notify
// completes it there, after checking that its attempt still holds it), so
// that a send is on record exactly when its job is done; when finish fails
// nothing is kept.
//
// A notice that a channel accepted becomes sent (or delivered) and is
// given from now: its demand becomes visible to the customer and the
// objection window runs. A notification of an authority becomes sent. The
// letters are kept as documents of the demand, once each. Every attempt is
// an event, its failure with its cause, so the legal team sees every try;
// a notice failed for good on every channel becomes failed.
//
// A failure of the database that the same transaction may get past later
// (a lock, a deadlock, a timeout, a lost connection) is EUNAVAILABLE
// (Classify), so that the caller can try the record again rather than the
// send.
func (s *Store) RecordSending(ctx context.Context, x writ.Sending, finish func(*sql.Tx) error) error {
	return Classify(s.recordSending(ctx, x, finish))
}

func (s *Store) recordSending(ctx context.Context, x writ.Sending, finish func(*sql.Tx) error) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := finish(tx); err != nil {
			return err
		}
		sha, err := s.keepLetters(ctx, tx, x.DemandID, x.Letters)
		if err != nil {
			return err
		}
		if x.Error != "" {
			return s.recordFailure(ctx, tx, x, sha)
		}
		return s.recordSent(ctx, tx, x, sha)
	})
}

func (s *Store) recordSent(ctx context.Context, tx *sql.Tx, x writ.Sending, sha string) error {
	now := s.nowUTC()
	id := x.DemandID
	event := map[string]any{"job": x.Job, "attempt": x.Attempt, "channel": x.Channel, "recipients": x.Recipients, "message_id": x.MessageID}
	if sha != "" {
		event["letter_sha256"] = sha
	}
	for k, v := range x.Detail {
		event[k] = v
	}
	switch {
	case x.Notice:
		state := "sent"
		if x.Delivered {
			state = "delivered"
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO notice_deliveries (demand_id, channel, recipient, state, attempts, last_error, message_id, letter_sha256, sent_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, '', $6, $7, $8, $9)
			ON CONFLICT (demand_id, channel) DO UPDATE SET recipient = excluded.recipient, state = excluded.state, attempts = excluded.attempts,
				last_error = '', message_id = excluded.message_id, letter_sha256 = excluded.letter_sha256, sent_at = excluded.sent_at, updated_at = excluded.updated_at`,
			id, x.Channel, joinRecipients(x.Recipients), state, x.Attempt, x.MessageID, sha, now, now); err != nil {
			return fmt.Errorf("store: notice sent: %w", err)
		}
		current, _, _, _, err := s.noticeRow(ctx, tx, id)
		if err != nil {
			return err
		}
		next := state
		if current == "delivered" || current == "acknowledged" {
			next = current
		}
		if _, err := tx.ExecContext(ctx, `UPDATE notices SET state = $1, sent_at = COALESCE(sent_at, $2), last_error = '', updated_at = $3 WHERE demand_id = $4`,
			next, now, now, id); err != nil {
			return fmt.Errorf("store: notice sent: %w", err)
		}
		event["state"] = next
		if err := s.appendEvent(ctx, tx, writ.System(), &id, "notice.sent", event); err != nil {
			return err
		}
		// A channel accepted it: the notice is given now, and the
		// customer's objection window runs from this moment.
		return s.noticeGiven(ctx, tx, id, now, x.Channel)
	case x.Notification != 0:
		if _, err := tx.ExecContext(ctx, `UPDATE authority_notifications SET state = 'sent', sent_at = $1, last_error = '' WHERE id = $2`, now, x.Notification); err != nil {
			return fmt.Errorf("store: authority notified: %w", err)
		}
		event["notification"] = x.Notification
		return s.appendEvent(ctx, tx, writ.System(), &id, "authority.notified", event)
	case x.Event != "":
		return s.appendEvent(ctx, tx, writ.System(), &id, x.Event, event)
	}
	return fmt.Errorf("store: job %s: nothing to record", x.Job)
}

func (s *Store) recordFailure(ctx context.Context, tx *sql.Tx, x writ.Sending, sha string) error {
	now := s.nowUTC()
	id := x.DemandID
	event := map[string]any{"job": x.Job, "attempt": x.Attempt, "max_attempts": x.MaxAttempts, "channel": x.Channel,
		"recipients": x.Recipients, "error": x.Error, "final": x.Final}
	if !x.Final {
		event["retry_at"] = x.RetryAt.UTC()
	}
	switch {
	case x.Notice:
		state := "pending"
		if x.Final {
			state = "failed"
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO notice_deliveries (demand_id, channel, recipient, state, attempts, last_error, message_id, letter_sha256, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
			ON CONFLICT (demand_id, channel) DO UPDATE SET recipient = excluded.recipient, state = excluded.state, attempts = excluded.attempts,
				last_error = excluded.last_error, message_id = excluded.message_id, letter_sha256 = excluded.letter_sha256, updated_at = excluded.updated_at`,
			id, x.Channel, joinRecipients(x.Recipients), state, x.Attempt, x.Error, x.MessageID, sha, now); err != nil {
			return fmt.Errorf("store: notice failed: %w", err)
		}
		if x.Final {
			var alive int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM notice_deliveries WHERE demand_id = $1 AND state IN ('pending', 'sent', 'delivered')`, id).Scan(&alive); err != nil {
				return fmt.Errorf("store: notice failed: %w", err)
			}
			if alive == 0 {
				if _, err := tx.ExecContext(ctx, `UPDATE notices SET state = 'failed', last_error = $1, updated_at = $2 WHERE demand_id = $3 AND state IN ('scheduled', 'delayed')`,
					x.Error, now, id); err != nil {
					return fmt.Errorf("store: notice failed: %w", err)
				}
			}
		}
		return s.appendEvent(ctx, tx, writ.System(), &id, "notice.delivery_failed", event)
	case x.Notification != 0:
		if _, err := tx.ExecContext(ctx, `UPDATE authority_notifications SET last_error = $1, state = CASE WHEN $2 THEN 'failed' ELSE state END WHERE id = $3`,
			x.Error, x.Final, x.Notification); err != nil {
			return fmt.Errorf("store: authority notification failed: %w", err)
		}
	}
	return s.appendEvent(ctx, tx, writ.System(), &id, "job.failed", event)
}

// keepLetters stores letters as documents of the demand, once each.
func (s *Store) keepLetters(ctx context.Context, tx *sql.Tx, demandID int64, letters []writ.Letter) (string, error) {
	first := ""
	for _, l := range letters {
		if l.ContentType != writ.LetterText && l.ContentType != writ.LetterHTML {
			return "", fmt.Errorf("store: letter %s: content type %q is not one of writ's letters", l.Name, l.ContentType)
		}
		if len(l.Content) == 0 || len(l.Content) > writ.MaxDocumentSize {
			return "", fmt.Errorf("store: letter %s: %d bytes", l.Name, len(l.Content))
		}
		sum := sha256.Sum256(l.Content)
		sha := hex.EncodeToString(sum[:])
		if first == "" {
			first = sha
		}
		audience := l.Audience
		if !slices.Contains(writ.Audiences(), audience) {
			audience = writ.AudienceLegal
		}
		doc := writ.Document{SHA256: sha, Name: l.Name, ContentType: l.ContentType, Size: int64(len(l.Content)), Audience: audience,
			UploadedBy: "writ", UploadedAt: s.nowUTC()}
		if err := s.putDocument(ctx, tx, doc, l.Content); err != nil {
			return "", err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO demand_documents (demand_id, sha256, name, audience, uploaded_by, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
			demandID, sha, doc.Name, doc.Audience, doc.UploadedBy, doc.UploadedAt)
		if err != nil {
			return "", fmt.Errorf("store: letter: %w", err)
		}
		if n, _ := res.RowsAffected(); n > 0 {
			if err := s.appendEvent(ctx, tx, writ.System(), &demandID, "document.added", doc); err != nil {
				return "", err
			}
		}
	}
	return first, nil
}

func joinRecipients(r []string) string { return strings.Join(r, ", ") }
