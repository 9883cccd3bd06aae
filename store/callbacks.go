package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"writ"
)

// RecordCallback records a call the legal team made to the agency's
// registered number about a demand's emergency. The number dialled must
// be the one in the agency registry, never one the request gave. A
// confirmed call verifies the emergency; a call in which the agency did
// not confirm it withdraws an earlier verification; no answer changes
// nothing. Each call is an event. Reviewers, approvers and admins only
// (EFORBIDDEN); ENOTFOUND for a demand the actor may not see; ECONFLICT
// when the demand claims no emergency, is closed, or its agency has no
// registered number; EINVALID names the field at fault.
func (s *Store) RecordCallback(ctx context.Context, actor writ.Actor, demandID int64, in writ.CallbackInput) (writ.Callback, error) {
	var out writ.Callback
	in.Notes = strings.TrimSpace(in.Notes)
	err := s.tx(ctx, func(tx *sql.Tx) error {
		d, err := s.demand(ctx, tx, actor, demandID, s.forUpdate())
		if err != nil {
			return err
		}
		if !actor.Role.LegalTeam() {
			return writ.Errorf(writ.EFORBIDDEN, "only the provider's legal team records a call-back")
		}
		if d.Emergency == nil {
			return writ.Errorf(writ.ECONFLICT, "demand %d claims no emergency", demandID)
		}
		if d.State == writ.StateClosed {
			return writ.Errorf(writ.ECONFLICT, "demand %d is closed", demandID)
		}
		if !slices.Contains(writ.CallbackOutcomes(), in.Outcome) {
			return writ.FieldErrorf("outcome", "unknown outcome %q (one of %s)", in.Outcome, strings.Join(writ.CallbackOutcomes(), ", "))
		}
		if len(in.Notes) > 2000 {
			return writ.FieldErrorf("notes", "at most 2000 characters")
		}
		var phone string
		if err := tx.QueryRowContext(ctx, `SELECT phone FROM agencies WHERE id = $1`, d.AgencyID).Scan(&phone); err != nil {
			return fmt.Errorf("store: call-back: %w", err)
		}
		switch {
		case phone == "":
			return writ.Errorf(writ.ECONFLICT, "the agency has no registered number to call back: register one first")
		case digits(in.Number) == "":
			return writ.FieldErrorf("number", "give the number that was called")
		case digits(in.Number) != digits(phone):
			return writ.FieldErrorf("number", "%s is not the agency's registered number: call %s, from the registry, never a number the request gives", in.Number, phone)
		}
		now := s.nowUTC()
		out = writ.Callback{Number: phone, Outcome: in.Outcome, Notes: in.Notes, By: actor.Name, At: now}
		if err := tx.QueryRowContext(ctx, `INSERT INTO callbacks (demand_id, number, outcome, notes, by_user, by_name, at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
			demandID, phone, in.Outcome, in.Notes, nullIfZero(actor.UserID), actor.Name, now).Scan(&out.ID); err != nil {
			return fmt.Errorf("store: call-back: %w", err)
		}
		id := demandID
		if err := s.appendEvent(ctx, tx, actor, &id, "emergency.callback", out); err != nil {
			return err
		}
		switch in.Outcome {
		case writ.CallbackConfirmed:
			_, err = tx.ExecContext(ctx, `UPDATE demands SET emergency_callback = TRUE, callback_number = $1, callback_by = $2, callback_at = $3,
				version = version + 1, updated_at = $4 WHERE id = $5`, phone, actor.Name, now, now, demandID)
			d.Emergency.VerifiedByCallback, d.Callback = true, &out
		case writ.CallbackNotConfirmed:
			_, err = tx.ExecContext(ctx, `UPDATE demands SET emergency_callback = FALSE, callback_number = '', callback_by = '', callback_at = NULL,
				version = version + 1, updated_at = $1 WHERE id = $2`, now, demandID)
			d.Emergency.VerifiedByCallback, d.Callback = false, nil
		default:
			return nil
		}
		if err != nil {
			return fmt.Errorf("store: call-back: %w", err)
		}
		_, err = s.reassess(ctx, tx, &d)
		return err
	})
	return out, err
}

// Callbacks lists the calls recorded about a demand's emergency, oldest
// first. The legal team and auditors only.
func (s *Store) Callbacks(ctx context.Context, actor writ.Actor, demandID int64) ([]writ.Callback, error) {
	if _, err := s.Demand(ctx, actor, demandID); err != nil {
		return nil, err
	}
	if !actor.Role.SeesAll() {
		return nil, writ.Errorf(writ.EFORBIDDEN, "only the legal team and auditors read the call-backs")
	}
	rows, err := s.read.QueryContext(ctx, `SELECT id, number, outcome, notes, by_name, at FROM callbacks WHERE demand_id = $1 ORDER BY id`, demandID)
	if err != nil {
		return nil, unavailableOr(err, "store: call-backs")
	}
	defer rows.Close()
	out := []writ.Callback{}
	for rows.Next() {
		var c writ.Callback
		if err := rows.Scan(&c.ID, &c.Number, &c.Outcome, &c.Notes, &c.By, &c.At); err != nil {
			return nil, fmt.Errorf("store: call-backs: %w", err)
		}
		c.At = c.At.UTC()
		out = append(out, c)
	}
	return out, rows.Err()
}
