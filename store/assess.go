package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"writ"
	"writ/rules"
)

// reassess assesses the demand as it stands in tx, stores the assessment
// with the rulebook version, replaces the demand's deadlines with the
// assessment's (and an emergency's response target), and brings the
// demand's route, deadlines, flags and notice up to date. Every change to a
// demand calls it in the same transaction, so a stored assessment never
// lags its demand.
func (s *Store) reassess(ctx context.Context, tx *sql.Tx, d *writ.Demand) (rules.Assessment, error) {
	ag, err := scanAgency(tx.QueryRowContext(ctx, `SELECT `+agencyColumns+` FROM agencies WHERE id = $1`, d.AgencyID))
	if err != nil {
		return rules.Assessment{}, fmt.Errorf("store: assess: agency: %w", err)
	}
	var c writ.Customer
	if d.CustomerID != 0 {
		if c, err = scanCustomer(tx.QueryRowContext(ctx, `SELECT `+customerColumns+` FROM customers WHERE id = $1`, d.CustomerID)); err != nil {
			return rules.Assessment{}, fmt.Errorf("store: assess: customer: %w", err)
		}
		if err := s.fillCustomer(ctx, tx, &c); err != nil {
			return rules.Assessment{}, err
		}
	}
	a, err := s.assessor.Assess(d, ag, c)
	if err != nil {
		return a, err
	}
	body, err := json.Marshal(a)
	if err != nil {
		return a, fmt.Errorf("store: assess: %w", err)
	}
	now := s.nowUTC()
	if _, err := tx.ExecContext(ctx, `DELETE FROM assessments WHERE demand_id = $1`, d.ID); err != nil {
		return a, fmt.Errorf("store: assess: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO assessments (demand_id, rulebook, body, computed_at) VALUES ($1, $2, $3, $4)`, d.ID, s.rules.Version(), string(body), now); err != nil {
		return a, fmt.Errorf("store: assess: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM deadlines WHERE demand_id = $1`, d.ID); err != nil {
		return a, fmt.Errorf("store: assess: %w", err)
	}
	for _, dl := range s.demandDeadlines(d, a) {
		if _, err := tx.ExecContext(ctx, `INSERT INTO deadlines (demand_id, code, due) VALUES ($1, $2, $3)`, d.ID, dl.Code, dl.Due.UTC()); err != nil {
			return a, fmt.Errorf("store: assess: %w", err)
		}
	}
	d.Route, d.Flags = a.Route, slices.Clone(a.Flags)
	if _, err := tx.ExecContext(ctx, `UPDATE demands SET route = $1, flags = $2 WHERE id = $3`, a.Route, jsonText(a.Flags), d.ID); err != nil {
		return a, fmt.Errorf("store: assess: %w", err)
	}
	if err := s.scheduleNotice(ctx, tx, d, a); err != nil {
		return a, err
	}
	if err := s.refreshDeadlines(ctx, tx, d); err != nil {
		return a, err
	}
	return a, s.followAssessment(ctx, tx, d, a)
}

// scheduleNotice keeps the demand's notice in step with its assessment
// until the notice has gone out; after that only the record of what was
// sent matters. A notice delayed by an order with an end stays delayed
// when the order ends, until the legal team confirms that no extension
// was served (NondisclosureReviewed): writ never lets it go by itself.
func (s *Store) scheduleNotice(ctx context.Context, tx *sql.Tx, d *writ.Demand, a rules.Assessment) error {
	var state, releasedUntil string
	var releasedAt, givenAt sql.NullTime
	err := tx.QueryRowContext(ctx, `SELECT state, released_until, released_at, given_at FROM notices WHERE demand_id = $1`, d.ID).
		Scan(&state, &releasedUntil, &releasedAt, &givenAt)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("store: notice: %w", err)
	}
	switch state {
	case "sent", "delivered", "acknowledged", "failed":
		return nil
	}
	if givenAt.Valid {
		return nil
	}
	n := noticeOf(d, a)
	now := s.nowUTC()
	// The emergency is over for the provider once the disclosure it
	// justified was made (or the demand was closed): the notice follows at
	// once.
	if a.Notice.Timing == rules.NoticeAfterEmergency && (d.State == writ.StateDisclosed || d.State == writ.StateClosed) {
		n.state, n.reason, n.sendAt = "scheduled", "", &now
	}
	// The legal team confirmed that this order ended unextended.
	if n.state == "delayed" && n.until != "" && n.until == releasedUntil && releasedAt.Valid {
		at := releasedAt.Time.UTC()
		n.state, n.sendAt = "scheduled", &at
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO notices (demand_id, timing, state, send_at, until, reason, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (demand_id) DO UPDATE SET timing = excluded.timing, state = excluded.state, send_at = excluded.send_at,
		until = excluded.until, reason = excluded.reason, updated_at = excluded.updated_at`,
		d.ID, a.Notice.Timing, n.state, nullTime(n.sendAt), n.until, n.reason, now)
	if err != nil {
		return fmt.Errorf("store: notice: %w", err)
	}
	// Until notice has gone out, the customer sees the demand from the
	// moment its notice is due, and never while it is held back: an order
	// or prohibition arriving later hides it again.
	if _, err := tx.ExecContext(ctx, `UPDATE demands SET customer_visible_from = $1 WHERE id = $2`, nullTime(n.visibleFrom(now)), d.ID); err != nil {
		return fmt.Errorf("store: notice: %w", err)
	}
	return s.scheduleNoticeJobs(ctx, tx, d, n.state, n.sendAt)
}

// visibleFrom is when the customer may see a demand whose notice is n: from
// the moment a scheduled notice is due, and not at all while it is held
// back or not due.
func (n noticeRecord) visibleFrom(now time.Time) *time.Time {
	if n.state != "scheduled" {
		return nil
	}
	if n.sendAt == nil {
		return &now
	}
	return n.sendAt
}

// noticeOf is the notice a demand with assessment a has until it goes
// out: scheduleNotice records it on every change, bulk imports at once.
func noticeOf(d *writ.Demand, a rules.Assessment) noticeRecord {
	var n noticeRecord
	switch a.Notice.Timing {
	case "prohibited":
		n.state, n.reason = "prohibited", "national security"
	case "delayed":
		n.state = "delayed"
		if a.Notice.Until != nil {
			n.until = a.Notice.Until.String()
		}
		n.reason = "the instrument's own secrecy"
		if d.Nondisclosure != nil {
			n.reason = d.Nondisclosure.Basis
		}
	case "after_emergency":
		n.state, n.reason = "delayed", "emergency"
	case "with_redirect", "before_disclosure":
		n.state, n.sendAt = "scheduled", a.Notice.SendAt
	default:
		n.state = "none"
	}
	return n
}

// Assessment returns the stored assessment of a demand as JSON, with the
// rulebook version that produced it. The legal team and auditors only: the
// assessment is the provider's legal analysis.
func (s *Store) Assessment(ctx context.Context, actor writ.Actor, demandID int64) (json.RawMessage, error) {
	if !actor.Role.SeesAll() {
		if _, err := s.Demand(ctx, actor, demandID); err != nil {
			return nil, err
		}
		return nil, writ.Errorf(writ.EFORBIDDEN, "only the legal team and auditors may read assessments")
	}
	var body string
	err := s.read.QueryRowContext(ctx, `SELECT body FROM assessments WHERE demand_id = $1`, demandID).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("assessment of demand", demandID)
	}
	if err != nil {
		return nil, fmt.Errorf("store: assessment: %w", err)
	}
	return json.RawMessage(body), nil
}
