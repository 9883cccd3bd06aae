package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"writ"
)

// ReviewNondisclosure records the legal team's check of whether a
// non-disclosure order that delays the demand's notice was extended.
//
// With ExtensionServed false it confirms that the order ended unextended:
// allowed only from the review time (noon UTC the day after the order's
// last day), it releases the delayed notice, which then goes out at once.
// With ExtensionServed true it records the extension's new end (later than
// the current one) and, when it changed, its basis: the notice stays
// delayed until the new end is reviewed in turn.
//
// Reviewers, approvers and admins only (EFORBIDDEN); ENOTFOUND for a
// demand the actor may not see; ECONFLICT when no order with an end delays
// the notice, or the order has not ended yet; EINVALID names the field at
// fault.
func (s *Store) ReviewNondisclosure(ctx context.Context, actor writ.Actor, demandID int64, in writ.NondisclosureReview) (writ.Demand, error) {
	in.Checked, in.Basis = strings.TrimSpace(in.Checked), strings.TrimSpace(in.Basis)
	err := s.tx(ctx, func(tx *sql.Tx) error {
		d, err := s.demand(ctx, tx, actor, demandID, s.forUpdate())
		if err != nil {
			return err
		}
		if !actor.Role.LegalTeam() {
			return writ.Errorf(writ.EFORBIDDEN, "only the provider's legal team reviews a non-disclosure order")
		}
		var state, until string
		if err := tx.QueryRowContext(ctx, `SELECT state, until FROM notices WHERE demand_id = $1`+s.forUpdate(), demandID).Scan(&state, &until); err != nil {
			return fmt.Errorf("store: order review: %w", err)
		}
		if state != "delayed" || until == "" || d.Nondisclosure == nil {
			return writ.Errorf(writ.ECONFLICT, "no non-disclosure order with an end date holds back the notice of demand %d (notice %s)", demandID, state)
		}
		if in.Checked == "" || len(in.Checked) > 2000 {
			return writ.FieldErrorf("checked", "say how you checked for an extension (the court's docket, a call to the clerk or the agency), in at most 2000 characters")
		}
		id := demandID
		if in.ExtensionServed {
			next, err := time.Parse(time.DateOnly, in.Until)
			switch {
			case err != nil:
				return writ.FieldErrorf("until", "the extended order's last day (YYYY-MM-DD) is required: %q", in.Until)
			case in.Until <= until:
				return writ.FieldErrorf("until", "an extension ends after the order it extends (%s)", until)
			case next.After(s.nowUTC().AddDate(100, 0, 0)):
				return writ.FieldErrorf("until", "more than a century away: leave the order without end instead")
			}
			order := &writ.Nondisclosure{Basis: d.Nondisclosure.Basis, Until: in.Until}
			if in.Basis != "" {
				order.Basis = in.Basis
			}
			d.Nondisclosure = order
			if err := s.appendEvent(ctx, tx, actor, &id, "nondisclosure.extended", map[string]any{"until": in.Until, "basis": order.Basis,
				"previous_until": until, "checked": in.Checked}); err != nil {
				return err
			}
			return s.saveDemand(ctx, tx, actor, &d, map[string]any{"nondisclosure": order})
		}
		review, err := reviewAt(until)
		if err != nil {
			return err
		}
		if now := s.nowUTC(); now.Before(review) {
			return writ.Errorf(writ.ECONFLICT, "the order runs until %s: its end can be confirmed from %s", until, review.Format("2006-01-02 15:04 UTC"))
		}
		if _, err := tx.ExecContext(ctx, `UPDATE notices SET released_until = $1, released_at = $2 WHERE demand_id = $3`, until, s.nowUTC(), demandID); err != nil {
			return fmt.Errorf("store: order review: %w", err)
		}
		if err := s.appendEvent(ctx, tx, actor, &id, "nondisclosure.ended", map[string]any{"until": until, "checked": in.Checked}); err != nil {
			return err
		}
		// The notice follows the assessment again, now released.
		_, err = s.reassess(ctx, tx, &d)
		return err
	})
	if err != nil {
		return writ.Demand{}, err
	}
	return s.Demand(ctx, actor, demandID)
}
