package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"writ"
)

// pendingEvent is an event about to be appended.
type pendingEvent struct {
	actor    writ.Actor
	demandID *int64
	kind     string
	data     any
}

// appendEvent records a change in the transaction that makes it.
func (s *Store) appendEvent(ctx context.Context, tx *sql.Tx, actor writ.Actor, demandID *int64, kind string, data any) error {
	return s.appendEvents(ctx, tx, []pendingEvent{{actor: actor, demandID: demandID, kind: kind, data: data}})
}

// appendEvents records several changes, in order, in the transaction that
// makes them. Bulk loads use it to append many events at the cost of one.
func (s *Store) appendEvents(ctx context.Context, tx *sql.Tx, events []pendingEvent) error {
	now := s.nowUTC()
	for _, e := range events {
		body, err := json.Marshal(e.data)
		if err != nil {
			return fmt.Errorf("store: event %s: %w", e.kind, err)
		}
		var actorID any
		if e.actor.UserID != 0 {
			actorID = e.actor.UserID
		}
		_, err = tx.ExecContext(ctx, s.q(`INSERT INTO events (demand_id, actor_id, actor, kind, data, at) VALUES (?, ?, ?, ?, ?, ?)`),
			nullInt64(e.demandID), actorID, e.actor.Name, e.kind, string(body), now)
		if err != nil {
			return fmt.Errorf("store: event %s: %w", e.kind, err)
		}
	}
	return nil
}

// DemandEvents lists the history of a demand, oldest first. Only the legal
// team and auditors may read it: it holds the team's internal reasoning.
func (s *Store) DemandEvents(ctx context.Context, actor writ.Actor, demandID int64, cursor string, n int) (writ.Page[writ.Event], error) {
	page := writ.Page[writ.Event]{Items: []writ.Event{}}
	if _, err := s.Demand(ctx, actor, demandID); err != nil {
		return page, err
	}
	if !actor.Role.SeesAll() {
		return page, writ.Errorf(writ.EFORBIDDEN, "only the legal team and auditors may read a demand's events")
	}
	after, err := idCursor(cursor)
	if err != nil {
		return page, err
	}
	n = limit(n)
	rows, err := s.read.QueryContext(ctx, s.q(`SELECT id, demand_id, actor_id, actor, kind, data, at FROM events
		WHERE demand_id = ? AND id > ? ORDER BY id LIMIT ?`), demandID, after, n+1)
	if err != nil {
		return page, fmt.Errorf("store: events: %w", err)
	}
	return collectPage(rows, n, scanEvent, func(e writ.Event) string { return idCursorOf(e.ID) })
}

func scanEvent(rows *sql.Rows) (writ.Event, error) {
	var e writ.Event
	var demand, actorID sql.NullInt64
	var data string
	if err := rows.Scan(&e.ID, &demand, &actorID, &e.Actor, &e.Kind, &data, &e.At); err != nil {
		return e, err
	}
	e.DemandID, e.ActorID, e.Data, e.At = int64Ptr(demand), int64Ptr(actorID), json.RawMessage(data), e.At.UTC()
	return e, nil
}
