package store

import (
	"context"
	"database/sql"

	"writ"
)

// Tx is a write transaction of the store for the services that keep their
// records here but their rules elsewhere (identity): everything a service
// writes through one Tx, and the events that record it in the audit log,
// commits together or not at all. Its methods only read and write records;
// who may do what is the caller's to decide.
type Tx struct {
	s  *Store
	tx *sql.Tx
}

// Update runs fn in a write transaction, committing when fn returns nil and
// rolling back when it returns an error.
func (s *Store) Update(ctx context.Context, fn func(*Tx) error) error {
	return s.tx(ctx, func(tx *sql.Tx) error { return fn(&Tx{s: s, tx: tx}) })
}

// AppendEvent records a change in the transaction that makes it; the
// log's sequencer appends it to the audit log just after the commit.
func (t *Tx) AppendEvent(ctx context.Context, actor writ.Actor, kind string, data any) error {
	return t.s.appendEvent(ctx, t.tx, actor, nil, kind, data)
}

// AppendEventUnawaited records a change like AppendEvent, but the commit
// does not wait for the event's place in the audit log: the next
// sequencing appends it (another change's, or the one every server runs
// each second). For events whose index nobody reads from the answer — a
// failed sign-in — so that a flood of them does not cost a sequencing
// each, which would hold up everyone else's changes behind it.
func (t *Tx) AppendEventUnawaited(ctx context.Context, actor writ.Actor, kind string, data any) error {
	st := t.s.txLog(t.tx)
	awaited := st.pending
	if err := t.s.appendEvent(ctx, t.tx, actor, nil, kind, data); err != nil {
		return err
	}
	st.pending = awaited
	return nil
}

// RecordEvent records an event in the audit log in a transaction of its
// own: a change made outside the database (a new documents key, say).
func (s *Store) RecordEvent(ctx context.Context, actor writ.Actor, kind string, data any) error {
	return s.tx(ctx, func(tx *sql.Tx) error { return s.appendEvent(ctx, tx, actor, nil, kind, data) })
}
