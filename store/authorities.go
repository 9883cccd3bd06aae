package store

import (
	"context"
	"database/sql"
	"fmt"

	"writ"
	"writ/rules"
)

// authoritySubject names the job that notifies one authority of a demand.
// draftAuthorityNotifications records the notifications the assessment
// asks for, addressed from the rulebook's directory, and withdraws those
// it no longer asks for (a non-disclosure order arrived: telling anyone
// would breach it). Once the requester is verified (the demand is past
// verification) each drafted one is queued to be sent.
func (s *Store) draftAuthorityNotifications(ctx context.Context, tx *sql.Tx, d *writ.Demand, a rules.Assessment) error {
	now := s.nowUTC()
	id := d.ID
	verified := d.State != writ.StateReceived && d.State != writ.StateVerifying && d.State != writ.StateClosed
	asked := map[string]bool{}
	for _, na := range a.NotifyAuthorities {
		dpa, ok := s.rules.DPA(na.Country)
		if !ok || na.Code != rules.NotifyDPA {
			continue
		}
		asked[na.Code+":"+na.Country] = true
		res, err := tx.ExecContext(ctx, `INSERT INTO authority_notifications (demand_id, code, country, name, email, address, state, drafted_at)
			VALUES ($1, $2, $3, $4, $5, $6, 'drafted', $7)
			ON CONFLICT (demand_id, code, country) DO UPDATE SET state = 'drafted', name = excluded.name, email = excluded.email,
				address = excluded.address, drafted_at = excluded.drafted_at
			WHERE authority_notifications.state = 'withdrawn'`,
			d.ID, na.Code, na.Country, dpa.Name, dpa.Email, dpa.Address, now)
		if err != nil {
			return fmt.Errorf("store: authority notification: %w", err)
		}
		if n, _ := res.RowsAffected(); n > 0 {
			if err := s.appendEvent(ctx, tx, writ.System(), &id, "authority.notification_drafted",
				map[string]any{"code": na.Code, "country": na.Country, "authority": dpa.Name, "email": dpa.Email}); err != nil {
				return err
			}
		}
		var nid int64
		var state string
		if err := tx.QueryRowContext(ctx, `SELECT id, state FROM authority_notifications WHERE demand_id = $1 AND code = $2 AND country = $3`,
			d.ID, na.Code, na.Country).Scan(&nid, &state); err != nil {
			return fmt.Errorf("store: authority notification: %w", err)
		}
		if verified && state == "drafted" {
			if err := s.jobs.AuthorityNotice(ctx, tx, d.ID, nid, na.Code, na.Country, &now); err != nil {
				return err
			}
		}
	}
	rows, err := tx.QueryContext(ctx, `SELECT code, country FROM authority_notifications WHERE demand_id = $1 AND state = 'drafted'`, d.ID)
	if err != nil {
		return fmt.Errorf("store: authority notification: %w", err)
	}
	var gone [][2]string
	for rows.Next() {
		var code, country string
		if err := rows.Scan(&code, &country); err != nil {
			rows.Close()
			return fmt.Errorf("store: authority notification: %w", err)
		}
		if !asked[code+":"+country] {
			gone = append(gone, [2]string{code, country})
		}
	}
	rows.Close()
	for _, g := range gone {
		if _, err := tx.ExecContext(ctx, `UPDATE authority_notifications SET state = 'withdrawn' WHERE demand_id = $1 AND code = $2 AND country = $3`,
			d.ID, g[0], g[1]); err != nil {
			return fmt.Errorf("store: authority notification: %w", err)
		}
		if err := s.jobs.AuthorityNotice(ctx, tx, d.ID, 0, g[0], g[1], nil); err != nil {
			return err
		}
		if err := s.appendEvent(ctx, tx, writ.System(), &id, "authority.notification_withdrawn",
			map[string]any{"code": g[0], "country": g[1], "route": a.Route, "notice": a.Notice.Timing}); err != nil {
			return err
		}
	}
	return nil
}

// AuthorityNotifications lists a demand's notifications of authorities.
// The legal team and auditors only.
func (s *Store) AuthorityNotifications(ctx context.Context, actor writ.Actor, demandID int64) ([]writ.AuthorityNotification, error) {
	if _, err := s.Demand(ctx, actor, demandID); err != nil {
		return nil, err
	}
	if !actor.Role.SeesAll() {
		return nil, writ.Errorf(writ.EFORBIDDEN, "only the legal team and auditors may read notifications of authorities")
	}
	return s.authorityNotifications(ctx, s.read, demandID, 0)
}

func (s *Store) authorityNotifications(ctx context.Context, db querier, demandID, id int64) ([]writ.AuthorityNotification, error) {
	rows, err := db.QueryContext(ctx, `SELECT id, demand_id, code, country, name, email, address, state, last_error, drafted_at, sent_at
		FROM authority_notifications WHERE demand_id = $1 AND ($2 = 0 OR id = $3) ORDER BY id`, demandID, id, id)
	if err != nil {
		return nil, fmt.Errorf("store: authority notifications: %w", err)
	}
	defer rows.Close()
	out := []writ.AuthorityNotification{}
	for rows.Next() {
		var x writ.AuthorityNotification
		var sent sql.NullTime
		if err := rows.Scan(&x.ID, &x.DemandID, &x.Code, &x.Country, &x.Name, &x.Email, &x.Address, &x.State, &x.LastError, &x.DraftedAt, &sent); err != nil {
			return nil, fmt.Errorf("store: authority notifications: %w", err)
		}
		x.DraftedAt, x.SentAt = x.DraftedAt.UTC(), timePtr(sent)
		out = append(out, x)
	}
	return out, rows.Err()
}
