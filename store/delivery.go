package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"writ"
)

// noticeGiven records, in tx, that the demand's notice reached the
// customer at the moment at, by via (email, webhook, portal, or a delivery
// the legal team recorded), unless it had already: the customer's
// objection window runs from the first such moment. The customer sees the
// demand from then on at the latest.
func (s *Store) noticeGiven(ctx context.Context, tx *sql.Tx, demandID int64, at time.Time, via string) error {
	res, err := tx.ExecContext(ctx, `UPDATE notices SET given_at = $1, given_via = $2 WHERE demand_id = $3 AND given_at IS NULL`, at, via, demandID)
	if err != nil {
		return fmt.Errorf("store: notice given: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `UPDATE demands SET customer_visible_from = $1 WHERE id = $2 AND (customer_visible_from IS NULL OR customer_visible_from > $3)`,
		at, demandID, at); err != nil {
		return fmt.Errorf("store: notice given: %w", err)
	}
	id := demandID
	if err := s.appendEvent(ctx, tx, writ.System(), &id, "notice.given", map[string]any{"at": at, "via": via}); err != nil {
		return err
	}
	return s.refreshDeadlines(ctx, tx, &writ.Demand{ID: demandID})
}

// dueNotice reads, locked in tx, the notice of a demand the legal team
// acts on by hand, and refuses when it is held back (no person may tell
// the customer while a gag holds) or already given.
func (s *Store) dueNotice(ctx context.Context, tx *sql.Tx, demandID int64) (state string, given *time.Time, err error) {
	var givenAt sql.NullTime
	err = tx.QueryRowContext(ctx, `SELECT state, given_at FROM notices WHERE demand_id = $1`+s.forUpdate(), demandID).Scan(&state, &givenAt)
	if err != nil {
		return "", nil, fmt.Errorf("store: notice: %w", err)
	}
	switch {
	case state == "prohibited" || state == "delayed":
		return state, nil, writ.Errorf(writ.ECONFLICT, "the notice is %s: the customer may not be told", state)
	case givenAt.Valid:
		return state, timePtr(givenAt), writ.Errorf(writ.ECONFLICT, "the notice was given on %s", givenAt.Time.UTC().Format("2006-01-02 15:04 UTC"))
	}
	return state, nil, nil
}

// RecordDelivery records a delivery of the notice the legal team made
// another way than writ's channels (a registered letter, a call), with its
// evidence: the notice is given from DeliveredAt on (now when nil), and
// what writ still had on its way is cancelled. Reviewers, approvers and
// admins only (EFORBIDDEN); ENOTFOUND for a demand the actor may not see;
// ECONFLICT when the notice is held back (a gag holds) or already given;
// EINVALID names the field at fault.
func (s *Store) RecordDelivery(ctx context.Context, actor writ.Actor, demandID int64, in writ.DeliveryInput) (writ.Notice, error) {
	in.Evidence = strings.TrimSpace(in.Evidence)
	err := s.tx(ctx, func(tx *sql.Tx) error {
		d, err := s.demand(ctx, tx, actor, demandID, s.forUpdate())
		if err != nil {
			return err
		}
		if !actor.Role.LegalTeam() {
			return writ.Errorf(writ.EFORBIDDEN, "only the provider's legal team records a delivery of the notice")
		}
		if d.CustomerID == 0 {
			return writ.Errorf(writ.ECONFLICT, "demand %d names no account of a customer: there is nobody to tell", demandID)
		}
		if _, _, err := s.dueNotice(ctx, tx, demandID); err != nil {
			return err
		}
		if !slices.Contains(writ.DeliveryMethods(), in.Method) {
			return writ.FieldErrorf("method", "unknown method %q (one of %s)", in.Method, strings.Join(writ.DeliveryMethods(), ", "))
		}
		if in.Evidence == "" || len(in.Evidence) > 2000 {
			return writ.FieldErrorf("evidence", "describe the evidence of the delivery (a registered letter's number, who took the call), in at most 2000 characters")
		}
		now := s.nowUTC()
		at := now
		if in.DeliveredAt != nil {
			at = in.DeliveredAt.UTC().Truncate(time.Microsecond)
		}
		switch {
		case at.After(now):
			return writ.FieldErrorf("delivered_at", "in the future")
		case at.Before(d.ReceivedAt):
			return writ.FieldErrorf("delivered_at", "before the demand was received")
		}
		if in.DocumentSHA256 != "" {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM demand_documents WHERE demand_id = $1 AND sha256 = $2`, demandID, in.DocumentSHA256).Scan(&n); err != nil {
				return fmt.Errorf("store: delivery: %w", err)
			}
			if n == 0 {
				return writ.FieldErrorf("document_sha256", "demand %d has no document %s: attach the evidence first", demandID, in.DocumentSHA256)
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO notice_deliveries (demand_id, channel, recipient, state, attempts, sent_at, updated_at,
				method, evidence, document_sha256, recorded_by)
			VALUES ($1, 'recorded', $2, 'delivered', 1, $3, $4, $5, $6, $7, $8)`,
			demandID, in.Method, at, now, in.Method, in.Evidence, in.DocumentSHA256, actor.Name); err != nil {
			return fmt.Errorf("store: delivery: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE notices SET state = 'delivered', sent_at = COALESCE(sent_at, $1), last_error = '', updated_at = $2 WHERE demand_id = $3`,
			at, now, demandID); err != nil {
			return fmt.Errorf("store: delivery: %w", err)
		}
		// The customer has it: what writ still had on its way is not sent.
		for _, channel := range []string{"email", "webhook"} {
			if err := s.jobs.Notice(ctx, tx, demandID, channel, nil); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE notice_deliveries SET state = 'cancelled', updated_at = $1 WHERE demand_id = $2 AND channel = $3 AND state IN ('pending', 'failed')`,
				now, demandID, channel); err != nil {
				return fmt.Errorf("store: delivery: %w", err)
			}
		}
		id := demandID
		if err := s.appendEvent(ctx, tx, actor, &id, "notice.delivery_recorded", map[string]any{"method": in.Method, "evidence": in.Evidence,
			"delivered_at": at, "document_sha256": in.DocumentSHA256}); err != nil {
			return err
		}
		return s.noticeGiven(ctx, tx, demandID, at, in.Method)
	})
	if err != nil {
		return writ.Notice{}, err
	}
	return s.Notice(ctx, actor, demandID)
}

// RetryNotice sends a due notice that has not reached the customer again,
// now, on every channel that has not delivered it: a failed job is armed
// anew with fresh tries, and a notice that failed for good is scheduled
// again. Reviewers, approvers and admins only (EFORBIDDEN); ENOTFOUND for
// a demand the actor may not see; ECONFLICT when the notice is held back,
// not due, or already given.
func (s *Store) RetryNotice(ctx context.Context, actor writ.Actor, demandID int64) (writ.Notice, error) {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		d, err := s.demand(ctx, tx, actor, demandID, s.forUpdate())
		if err != nil {
			return err
		}
		if !actor.Role.LegalTeam() {
			return writ.Errorf(writ.EFORBIDDEN, "only the provider's legal team retries a notice")
		}
		state, _, err := s.dueNotice(ctx, tx, demandID)
		if err != nil {
			return err
		}
		if state != "scheduled" && state != "failed" {
			return writ.Errorf(writ.ECONFLICT, "the notice is %s: nothing is due to be sent", state)
		}
		ch, err := s.channelsOf(ctx, tx, d.CustomerID)
		if err != nil {
			return err
		}
		now := s.nowUTC()
		var retried []string
		for _, c := range []struct {
			channel string
			on      bool
		}{{"email", true}, {"webhook", ch.webhookURL != ""}} {
			if !c.on {
				continue
			}
			// A job that completed delivered on its channel. The letter is
			// dated today.
			armed, running, err := s.jobs.RetryNotice(ctx, tx, demandID, c.channel, now)
			if err != nil {
				return err
			}
			if running {
				// The job is being tried this moment, which is what the
				// retry asks for.
				retried = append(retried, c.channel)
			}
			if !armed {
				continue
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO notice_deliveries (demand_id, channel, state, updated_at) VALUES ($1, $2, 'pending', $3)
				ON CONFLICT (demand_id, channel) DO UPDATE SET state = 'pending', attempts = 0, last_error = '', updated_at = excluded.updated_at
				WHERE notice_deliveries.state IN ('pending', 'failed', 'cancelled')`, demandID, c.channel, now); err != nil {
				return fmt.Errorf("store: retry notice: %w", err)
			}
			retried = append(retried, c.channel)
		}
		if len(retried) == 0 {
			return writ.Errorf(writ.ECONFLICT, "no channel is left to retry: record a delivery made another way")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE notices SET state = 'scheduled', send_at = COALESCE(send_at, $1), last_error = '', updated_at = $2 WHERE demand_id = $3`,
			now, now, demandID); err != nil {
			return fmt.Errorf("store: retry notice: %w", err)
		}
		id := demandID
		return s.appendEvent(ctx, tx, actor, &id, "notice.retried", map[string]any{"channels": retried})
	})
	if err != nil {
		return writ.Notice{}, err
	}
	return s.Notice(ctx, actor, demandID)
}
