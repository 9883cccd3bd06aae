package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"writ"
)

// repliable reports whether an agency may reply to a demand: once the
// provider redirected or rejected it, also after it was closed that way.
func repliable(d writ.Demand) bool {
	switch d.State {
	case writ.StateRedirected, writ.StateRejected:
		return true
	case writ.StateClosed:
		return d.Outcome == writ.OutcomeRedirected || d.Outcome == writ.OutcomeRejected
	}
	return false
}

// Reply records an agency's reply to the redirect or rejection of its own
// demand, with an event. Agency users only (EFORBIDDEN for anyone else who
// can see the demand, ENOTFOUND for anyone who cannot); ECONFLICT unless the
// demand was redirected or rejected; EINVALID names "message" when it is
// empty or longer than 10000 characters.
func (s *Store) Reply(ctx context.Context, actor writ.Actor, demandID int64, message string) (writ.AgencyReply, error) {
	var out writ.AgencyReply
	message = strings.TrimSpace(message)
	err := s.tx(ctx, func(tx *sql.Tx) error {
		d, err := s.demand(ctx, tx, actor, demandID, s.forUpdate())
		if err != nil {
			return err
		}
		if actor.Role != writ.RoleAgency {
			return writ.Errorf(writ.EFORBIDDEN, "only the agency replies to its demand's answer")
		}
		if message == "" || len(message) > 10000 {
			return writ.FieldErrorf("message", "a reply of 1 to 10000 characters is required")
		}
		if !repliable(d) {
			return writ.Errorf(writ.ECONFLICT, "demand %d was neither redirected nor rejected: there is no answer to reply to yet", demandID)
		}
		now := s.nowUTC()
		if err := tx.QueryRowContext(ctx, `INSERT INTO agency_replies (demand_id, message, by_user, by_name, at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			demandID, message, nullIfZero(actor.UserID), actor.Name, now).Scan(&out.ID); err != nil {
			return fmt.Errorf("store: reply: %w", err)
		}
		out = writ.AgencyReply{ID: out.ID, DemandID: demandID, Message: message, By: actor.Name, At: now}
		return s.appendEvent(ctx, tx, actor, &demandID, "agency.replied", out)
	})
	return out, err
}

// Replies lists an agency's replies to a demand, oldest first: for the
// legal team, auditors and the agency itself. Customers get EFORBIDDEN;
// ENOTFOUND for a demand the actor may not see.
func (s *Store) Replies(ctx context.Context, actor writ.Actor, demandID int64) ([]writ.AgencyReply, error) {
	if _, err := s.Demand(ctx, actor, demandID); err != nil {
		return nil, err
	}
	if !actor.Role.SeesAll() && actor.Role != writ.RoleAgency {
		return nil, writ.Errorf(writ.EFORBIDDEN, "only the agency and the legal team read the agency's replies")
	}
	rows, err := s.read.QueryContext(ctx, `SELECT id, demand_id, message, by_name, at FROM agency_replies WHERE demand_id = $1 ORDER BY id`, demandID)
	if err != nil {
		return nil, unavailableOr(err, "store: replies")
	}
	defer rows.Close()
	out := []writ.AgencyReply{}
	for rows.Next() {
		var r writ.AgencyReply
		if err := rows.Scan(&r.ID, &r.DemandID, &r.Message, &r.By, &r.At); err != nil {
			return nil, fmt.Errorf("store: replies: %w", err)
		}
		r.At = r.At.UTC()
		out = append(out, r)
	}
	return out, rows.Err()
}
