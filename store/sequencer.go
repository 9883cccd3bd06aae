package store

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"writ/auditlog"
)

// How events reach the audit log. A change commits its events with itself,
// without a place in the log (log_index NULL), so that changes never wait
// for each other's commits. Just after the commit, a sequencer gives the
// waiting events, in the order of their ids, the log's next entries: it
// locks the log's head row, numbers and hashes them, stores the tree's new
// hashes and moves the head, in one short transaction. Only a transaction
// holding the head writes entries, so the log has no gap and no fork
// however many servers share the database; an event whose sequencer failed
// or whose server died after the commit is still waiting, and the next
// sequencer — the one every server runs each second (RunSequencer), or the
// one at start-up, before the server answers anything (Migrate) — appends
// it.
//
// The head is the one lock every server shares, so a transaction holding
// it must not outlive a stopped server (a frozen process, a network split):
// on PostgreSQL it tells the server to end it once its client has been
// silent for logHoldLimit (or a statement has run for logStatementLimit),
// which frees the head for the others.

const (
	// sequenceBatch is how many events one sequencing transaction appends.
	sequenceBatch = 2000
	// sequenceWait is how long a change waits after its commit for its
	// events to be appended, so that its answer and any read after it
	// show their log indexes; past it the change is answered anyway (it
	// is committed) and its events are appended a moment later.
	sequenceWait = 3 * time.Second
	// logHoldLimit is how long PostgreSQL lets a transaction holding the
	// log's head wait on its client before it ends the session.
	logHoldLimit = "2s"
	// logStatementLimit bounds each statement of such a transaction, the
	// wait for the head included.
	logStatementLimit = "10s"
	// faultVariable, set to faultBeforeAppend, makes the process exit
	// just after committing a change whose events are not yet in the log:
	// the crash the start-up sequencing repairs, for the test that shows
	// it (e2e TestCrashBetweenCommitAndLogAppend).
	faultVariable     = "WRIT_FAULT"
	faultBeforeAppend = "exit-before-log-append"
)

// sequencer is a Store's share of the log's sequencing: the transactions
// that recorded events, and the changes waiting for them to be appended.
type sequencer struct {
	txs     sync.Map // *sql.Tx → *txLog
	mu      sync.Mutex
	running bool            // a goroutine is appending for the waiters
	waiting []chan struct{} // closed once a sequencing that began after their commit ends
}

// txLog is what a write transaction did to the log.
type txLog struct {
	held    bool  // it holds the log's head
	size    int64 // the log's size in it, while held
	pending bool  // it recorded events that wait for their place
}

func (s *Store) txLog(tx *sql.Tx) *txLog {
	v, _ := s.seq.txs.LoadOrStore(tx, &txLog{})
	return v.(*txLog)
}

// committed is called after a write transaction ends; when it committed
// events that wait for their place, it waits (up to sequenceWait) for a
// sequencer to append them.
func (s *Store) committed(ctx context.Context, tx *sql.Tx, ok bool) {
	v, found := s.seq.txs.LoadAndDelete(tx)
	if !found || !ok || !v.(*txLog).pending {
		return
	}
	if os.Getenv(faultVariable) == faultBeforeAppend {
		os.Exit(70)
	}
	done := make(chan struct{})
	s.seq.mu.Lock()
	s.seq.waiting = append(s.seq.waiting, done)
	if !s.seq.running {
		s.seq.running = true
		go s.sequenceForWaiters()
	}
	s.seq.mu.Unlock()
	t := time.NewTimer(sequenceWait)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
	case <-ctx.Done():
	}
}

// sequenceForWaiters appends until no change waits: each round serves
// every change that committed before it began, so concurrent changes share
// one sequencing transaction.
func (s *Store) sequenceForWaiters() {
	for {
		s.seq.mu.Lock()
		batch := s.seq.waiting
		s.seq.waiting = nil
		if len(batch) == 0 {
			s.seq.running = false
			s.seq.mu.Unlock()
			return
		}
		s.seq.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		// A failure leaves the events waiting for the next sequencer
		// (RunSequencer's, which reports it).
		s.SequenceLog(ctx)
		cancel()
		for _, ch := range batch {
			close(ch)
		}
	}
}

// RunSequencer appends waiting events every interval until ctx ends: those
// of changes whose own sequencing failed or timed out, or whose server
// stopped after committing them. Every server runs one; they take turns on
// the log's head. report is told of each failure.
func (s *Store) RunSequencer(ctx context.Context, every time.Duration, report func(error)) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := s.SequenceLog(ctx); err != nil && ctx.Err() == nil {
			report(err)
		}
	}
}

// SequenceLog appends every committed event still waiting for its place in
// the log, in batches; it returns at once when none waits.
func (s *Store) SequenceLog(ctx context.Context) error {
	for {
		var waiting bool
		err := s.read.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM events WHERE log_index IS NULL)`).Scan(&waiting)
		if err != nil {
			return unavailableOr(err, "store: log sequencer")
		}
		if !waiting {
			return nil
		}
		var n int
		err = s.tx(ctx, func(tx *sql.Tx) error {
			size, err := s.holdLogHead(ctx, tx)
			if err != nil {
				return err
			}
			n, err = s.sequencePending(ctx, tx, size, sequenceBatch)
			return err
		})
		if err != nil || n < sequenceBatch {
			return err
		}
	}
}

// holdLogHead locks the log's head row for the transaction and returns the
// log's size. On PostgreSQL the transaction is ended by the server if its
// client stops for logHoldLimit while holding it.
func (s *Store) holdLogHead(ctx context.Context, tx *sql.Tx) (int64, error) {
	if s.postgres {
		// The statement timeout covers a client that stops while
		// PostgreSQL is still sending it rows (not idle, but as stuck).
		_, err := tx.ExecContext(ctx, `SELECT set_config('idle_in_transaction_session_timeout', '`+logHoldLimit+`', true),
			set_config('statement_timeout', '`+logStatementLimit+`', true)`)
		if err != nil {
			return 0, fmt.Errorf("store: log head: %w", err)
		}
	}
	var size int64
	if err := tx.QueryRowContext(ctx, `SELECT size FROM log_head WHERE id = 1`+s.forUpdate()).Scan(&size); err != nil {
		return 0, fmt.Errorf("store: log head: %w", err)
	}
	return size, nil
}

// lockLogHead takes the log's head for a transaction that needs its own
// events' log indexes at once (a publication names its entry): it appends
// every event waiting, and returns the size after them, the index the
// transaction's next event gets.
func (s *Store) lockLogHead(ctx context.Context, tx *sql.Tx) (int64, error) {
	size, err := s.holdLogHead(ctx, tx)
	if err != nil {
		return 0, err
	}
	n, err := s.sequencePending(ctx, tx, size, 0)
	if err != nil {
		return 0, err
	}
	st := s.txLog(tx)
	st.held, st.size = true, size+int64(n)
	return st.size, nil
}

// sequencePending appends up to limit (0: all) waiting events, in id order,
// at entries size, size+1, …, in a transaction holding the head; it
// returns how many.
func (s *Store) sequencePending(ctx context.Context, tx *sql.Tx, size int64, limit int) (int, error) {
	query := `SELECT id, demand_id, actor_id, actor, kind, data, at FROM events WHERE log_index IS NULL ORDER BY id`
	if limit > 0 {
		query += ` LIMIT ` + strconv.Itoa(limit)
	}
	rows, err := tx.QueryContext(ctx, query)
	if err != nil {
		return 0, fmt.Errorf("store: log sequencer: %w", err)
	}
	var ids []int64
	var leaves [][]byte
	for rows.Next() {
		var id int64
		var e auditlog.Event
		var demand, actor sql.NullInt64
		var data string
		if err := rows.Scan(&id, &demand, &actor, &e.Actor, &e.Kind, &data, &e.At); err != nil {
			rows.Close()
			return 0, fmt.Errorf("store: log sequencer: %w", err)
		}
		e.Index, e.DemandID, e.ActorID, e.Data = size+int64(len(ids)), demand.Int64, actor.Int64, []byte(data)
		ids, leaves = append(ids, id), append(leaves, auditlog.Leaf(e))
	}
	if err := rows.Close(); err != nil {
		return 0, fmt.Errorf("store: log sequencer: %w", err)
	}
	if len(ids) == 0 {
		return 0, nil
	}
	if err := s.setLogIndexes(ctx, tx, ids, size); err != nil {
		return 0, err
	}
	return len(ids), s.appendLeaves(ctx, tx, size, leaves)
}

// setLogIndexes gives events ids[i] the entry first+i, a few hundred per
// statement.
func (s *Store) setLogIndexes(ctx context.Context, tx *sql.Tx, ids []int64, first int64) error {
	const per = 500
	for start := 0; start < len(ids); start += per {
		part := ids[start:min(start+per, len(ids))]
		var cases, in strings.Builder
		args := make([]any, 0, 3*len(part))
		for i, id := range part {
			n := len(args)
			fmt.Fprintf(&cases, " WHEN $%d THEN CAST($%d AS BIGINT)", n+1, n+2)
			args = append(args, id, first+int64(start+i))
		}
		for i, id := range part {
			if i > 0 {
				in.WriteString(", ")
			}
			args = append(args, id)
			fmt.Fprintf(&in, "$%d", len(args))
		}
		query := `UPDATE events SET log_index = CASE id` + cases.String() + ` END WHERE id IN (` + in.String() + `)`
		if _, err := tx.ExecContext(ctx, query, args...); err != nil {
			return fmt.Errorf("store: log sequencer: %w", err)
		}
	}
	return nil
}
