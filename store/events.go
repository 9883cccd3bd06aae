package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"writ"
	"writ/auditlog"
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
// makes them. They wait there for their place in the audit log, which a
// sequencer gives them just after the commit (see sequencer.go), unless the
// transaction holds the log's head (lockLogHead): then they are appended
// at once.
func (s *Store) appendEvents(ctx context.Context, tx *sql.Tx, events []pendingEvent) error {
	if len(events) == 0 {
		return nil
	}
	st := s.txLog(tx)
	now := s.nowUTC()
	var leaves [][]byte
	rows := newTableRows("events", []string{"demand_id", "actor_id", "actor", "kind", "data", "at", "log_index"}, len(events))
	for i, e := range events {
		body, err := json.Marshal(e.data)
		if err != nil {
			return fmt.Errorf("store: event %s: %w", e.kind, err)
		}
		var actorID, demandID int64
		if e.actor.UserID != 0 {
			actorID = e.actor.UserID
		}
		if e.demandID != nil {
			demandID = *e.demandID
		}
		var index any
		if st.held {
			n := st.size + int64(i)
			index = n
			leaves = append(leaves, auditlog.Leaf(auditlog.Event{Index: n, At: now, ActorID: actorID, Actor: e.actor.Name,
				Kind: e.kind, DemandID: demandID, Data: body}))
		}
		rows.add(nullInt64(e.demandID), nullIfZero(actorID), e.actor.Name, e.kind, string(body), now, index)
	}
	if err := s.insertTableRows(ctx, tx, rows); err != nil {
		return fmt.Errorf("store: events: %w", err)
	}
	if !st.held {
		st.pending = true
		return nil
	}
	if err := s.appendLeaves(ctx, tx, st.size, leaves); err != nil {
		return err
	}
	st.size += int64(len(leaves))
	return nil
}

func nullIfZero(n int64) any {
	if n == 0 {
		return nil
	}
	return n
}

// DemandEvents lists the history of a demand, oldest first, each event with
// its log index and, once a checkpoint covers it, a proof of its inclusion
// in the log at that checkpoint. Only the legal team and auditors may read
// it: it holds the team's internal reasoning.
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
	rows, err := s.read.QueryContext(ctx, `SELECT id, demand_id, actor_id, actor, kind, data, at, log_index FROM events
		WHERE demand_id = $1 AND id > $2 ORDER BY id LIMIT $3`, demandID, after, n+1)
	if err != nil {
		return page, fmt.Errorf("store: events: %w", err)
	}
	page, err = collectPage(rows, n, scanEvent, func(e writ.Event) string { return idCursorOf(e.ID) })
	if err != nil {
		return page, err
	}
	return page, s.proveEvents(ctx, page.Items)
}

func scanEvent(rows *sql.Rows) (writ.Event, error) {
	var e writ.Event
	var demand, actorID, logIndex sql.NullInt64
	var data string
	if err := rows.Scan(&e.ID, &demand, &actorID, &e.Actor, &e.Kind, &data, &e.At, &logIndex); err != nil {
		return e, err
	}
	e.DemandID, e.ActorID, e.Data, e.At = int64Ptr(demand), int64Ptr(actorID), json.RawMessage(data), e.At.UTC()
	e.LogIndex = int64Ptr(logIndex)
	return e, nil
}
