package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"writ"
	"writ/rules"
)

// Reassessing stored demands: when the rulebook in use changes version
// (rulebook v1 to v2, say), and when a fact outside the demand that the
// assessment weighs changes (a customer's key custody). Closed demands keep
// the assessment, and the rulebook version, that decided them; every open
// one is assessed again, and each is an event in the log naming both
// versions and what changed.

// reassessStale assesses again, under the rulebook in use, every open
// demand whose stored assessment another rulebook version made, in batches
// of their own transactions. It is idempotent: servers starting together
// each take the demands the other has not reached, and a crash resumes at
// the next start.
func (s *Store) reassessStale(ctx context.Context) error {
	for after := int64(0); ; {
		var ids []int64
		rows, err := s.write.QueryContext(ctx, `SELECT d.id FROM demands d JOIN assessments a ON a.demand_id = d.id
			WHERE d.state <> 'closed' AND a.rulebook <> $1 AND d.id > $2 ORDER BY d.id LIMIT 200`, s.rules.Version(), after)
		if err != nil {
			return fmt.Errorf("store: reassess: %w", err)
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return fmt.Errorf("store: reassess: %w", err)
			}
			ids = append(ids, id)
		}
		if err := rows.Close(); err != nil {
			return fmt.Errorf("store: reassess: %w", err)
		}
		if len(ids) == 0 {
			return nil
		}
		err = s.tx(ctx, func(tx *sql.Tx) error {
			for _, id := range ids {
				if err := s.reassessOne(ctx, tx, writ.System(), id, true, "the rulebook in use changed version"); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		after = ids[len(ids)-1]
	}
}

// reassessOpen assesses again, in tx, every open demand matching cond (a
// condition on demands d with its arguments).
func (s *Store) reassessOpen(ctx context.Context, tx *sql.Tx, actor writ.Actor, reason, cond string, args ...any) error {
	rows, err := tx.QueryContext(ctx, `SELECT d.id FROM demands d WHERE d.state <> 'closed' AND `+cond+` ORDER BY d.id`, args...)
	if err != nil {
		return fmt.Errorf("store: reassess: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return fmt.Errorf("store: reassess: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Close(); err != nil {
		return fmt.Errorf("store: reassess: %w", err)
	}
	for _, id := range ids {
		if err := s.reassessOne(ctx, tx, actor, id, false, reason); err != nil {
			return err
		}
	}
	return nil
}

// reassessOne assesses one open demand again and records the event. With
// onlyStale it leaves alone a demand another server already brought to the
// rulebook in use.
func (s *Store) reassessOne(ctx context.Context, tx *sql.Tx, actor writ.Actor, id int64, onlyStale bool, reason string) error {
	d, err := s.demand(ctx, tx, writ.System(), id, s.forUpdate())
	if err != nil {
		return err
	}
	var version, body string
	if err := tx.QueryRowContext(ctx, `SELECT rulebook, body FROM assessments WHERE demand_id = $1`, id).Scan(&version, &body); err != nil {
		return fmt.Errorf("store: reassess demand %d: %w", id, err)
	}
	if d.State == writ.StateClosed || onlyStale && version == s.rules.Version() {
		return nil
	}
	var before rules.Assessment
	if err := json.Unmarshal([]byte(body), &before); err != nil {
		return fmt.Errorf("store: reassess demand %d: stored assessment: %w", id, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE demands SET version = version + 1, updated_at = $1 WHERE id = $2`, s.nowUTC(), id); err != nil {
		return fmt.Errorf("store: reassess demand %d: %w", id, err)
	}
	after, err := s.reassess(ctx, tx, &d)
	if err != nil {
		return fmt.Errorf("store: reassess demand %d: %w", id, err)
	}
	return s.appendEvent(ctx, tx, actor, &id, "demand.reassessed", map[string]any{
		"reason":        reason,
		"rulebook_from": version,
		"rulebook_to":   s.rules.Version(),
		"changes":       assessmentChanges(before, after),
	})
}

// assessmentChanges lists the conclusions that differ between two
// assessments, each with its value before and after; messages are left out.
func assessmentChanges(before, after rules.Assessment) map[string]any {
	b, a := before.WithoutMessages(), after.WithoutMessages()
	changes := map[string]any{}
	diff := func(name string, x, y any) {
		xj, _ := json.Marshal(x)
		yj, _ := json.Marshal(y)
		if string(xj) != string(yj) {
			changes[name] = map[string]any{"from": json.RawMessage(xj), "to": json.RawMessage(yj)}
		}
	}
	diff("legally_sufficient", b.LegallySufficient, a.LegallySufficient)
	diff("deficiencies", b.Deficiencies, a.Deficiencies)
	diff("permitted_categories", b.PermittedCategories, a.PermittedCategories)
	diff("disclosable_categories", b.DisclosableCategories, a.DisclosableCategories)
	diff("content_accessible", b.ContentAccessible, a.ContentAccessible)
	diff("route", b.Route, a.Route)
	diff("customer_first", b.CustomerFirst, a.CustomerFirst)
	diff("notice", b.Notice, a.Notice)
	diff("conflicts", b.Conflicts, a.Conflicts)
	diff("comity", b.Comity, a.Comity)
	diff("deadlines", b.Deadlines, a.Deadlines)
	diff("notify_authorities", b.NotifyAuthorities, a.NotifyAuthorities)
	diff("flags", b.Flags, a.Flags)
	return changes
}
