package store

import (
	"context"
	"database/sql/driver"
	"encoding/binary"
	"errors"
	"io"

	"golang.org/x/mod/sumdb/tlog"
	"modernc.org/sqlite"

	"writ/auditlog"
)

// On SQLite, most of verification's time went into handing rows over:
// modernc.org/sqlite takes the connection's lock for every column of every
// row. So SQLite checks a chunk first with two statements of one row each
// (quickCheck): the leaves are hashed inside the query by the aggregate
// logEntriesFunction, and the stored leaf hashes come back concatenated.
// Only when that finds anything amiss is the chunk read again row by row,
// as on PostgreSQL, to name the entry and say what is wrong.

// logEntriesFunction is the SQL aggregate with which SQLite recomputes
// entries from their event rows inside the query. Its arguments are the
// columns a leaf is made of (the data as a BLOB, the time as the text
// stored); for each row, in the order given, it appends the entry's index
// (8 bytes, big-endian) and its leaf hash to what it returns, and it fails
// on a row that is not an event.
const logEntriesFunction = "writ_log_entries"

// logEntrySize is the length of an entry in what logEntriesFunction
// returns.
const logEntrySize = 8 + tlog.HashSize

func init() {
	sqlite.MustRegisterFunction(logEntriesFunction, &sqlite.FunctionImpl{
		NArgs: 7,
		MakeAggregate: func(sqlite.FunctionContext) (sqlite.AggregateFunction, error) {
			// A chunk's entries, without growing the result as it goes.
			return &logEntries{out: make([]byte, 0, verifyChunk*logEntrySize)}, nil
		},
		// The arguments are views of SQLite's own memory, valid during
		// a step: Step hashes them and keeps nothing.
		VolatileArgs: true,
	})
}

// logEntries is one call of logEntriesFunction.
type logEntries struct {
	h   auditlog.LeafHasher
	out []byte
}

func (a *logEntries) Step(_ *sqlite.FunctionContext, args []driver.Value) error {
	var e auditlog.Event
	if err := leafEvent(args, &e); err != nil {
		return err
	}
	sum := a.h.Hash(e)
	a.out = append(binary.BigEndian.AppendUint64(a.out, uint64(e.Index)), sum[:]...)
	return nil
}

func (a *logEntries) WindowInverse(*sqlite.FunctionContext, []driver.Value) error {
	return errors.New(logEntriesFunction + " is not a window function")
}

func (a *logEntries) WindowValue(*sqlite.FunctionContext) (driver.Value, error) { return a.out, nil }

func (a *logEntries) Final(*sqlite.FunctionContext) {}

// The two statements of quickCheck.
const (
	// The stored hashes of a span of tlog's stored-hash indexes, in order,
	// and how many there are. group_concat with an empty separator joins
	// blobs byte for byte (SQLite takes them as text of the database's
	// encoding, UTF-8, unchanged); the CAST hands the result over as bytes.
	quickStoredHashes = `SELECT CAST(group_concat(hash, '') AS BLOB), count(*) FROM (
		SELECT hash FROM log_hashes WHERE idx >= $1 AND idx <= $2 ORDER BY idx)`
	// A chunk's entries, read in the table's own order from the row of its
	// first entry to that of its last: SQLite assigns ids in commit order
	// and the sequencer appends in id order, so the rows follow the log,
	// and the table is read without a look-up in events_log_index for
	// each. Where they do not follow it, quickCheck finds the indexes out
	// of order or too many.
	quickEntries = `SELECT ` + logEntriesFunction + `(log_index, COALESCE(demand_id, 0), COALESCE(actor_id, 0), actor, kind, CAST(data AS BLOB), CAST(at AS TEXT))
		FROM events WHERE id BETWEEN (SELECT id FROM events WHERE log_index = $1) AND (SELECT id FROM events WHERE log_index = $2)`
)

// quickStatements are quickCheck's statements, prepared once for all the
// chunks a reader checks on its connection.
type quickStatements struct {
	storedHashes, entries driver.Stmt
}

// prepareQuick prepares quickCheck's statements on the connection dc.
func prepareQuick(ctx context.Context, dc any) (*quickStatements, error) {
	p, ok := dc.(driver.ConnPrepareContext)
	if !ok {
		return nil, errors.New("the driver cannot prepare")
	}
	stored, err := p.PrepareContext(ctx, quickStoredHashes)
	if err != nil {
		return nil, err
	}
	entries, err := p.PrepareContext(ctx, quickEntries)
	if err != nil {
		stored.Close()
		return nil, err
	}
	return &quickStatements{storedHashes: stored, entries: entries}, nil
}

func (q *quickStatements) close() {
	q.storedHashes.Close()
	q.entries.Close()
}

// quickCheck checks entries [from, to) with quickStoredHashes and
// quickEntries, and returns their leaf hashes when every entry is there, in
// order, and matches its stored leaf hash. Otherwise — a missing, moved or
// changed entry, a row that is not an event, an incomplete stored tree, or
// a failed query — it returns false, and the caller checks the chunk row
// by row.
func quickCheck(ctx context.Context, quick *quickStatements, from, to int64) ([]tlog.Hash, bool) {
	lo, hi := tlog.StoredHashIndex(0, from), tlog.StoredHashIndex(0, to-1)
	var stored []byte
	var count int64
	if !queryOneRow(ctx, quick.storedHashes, rangeArgs(lo, hi), &stored, &count) ||
		count != hi-lo+1 || int64(len(stored)) != count*tlog.HashSize {
		return nil, false
	}
	var entries []byte
	if !queryOneRow(ctx, quick.entries, rangeArgs(from, to-1), &entries) ||
		int64(len(entries)) != (to-from)*logEntrySize {
		return nil, false
	}
	hashes := make([]tlog.Hash, 0, to-from)
	for n := from; n < to; n++ {
		entry := entries[(n-from)*logEntrySize:][:logEntrySize]
		at := (tlog.StoredHashIndex(0, n) - lo) * tlog.HashSize
		if int64(binary.BigEndian.Uint64(entry)) != n || string(entry[8:]) != string(stored[at:at+tlog.HashSize]) {
			return nil, false
		}
		hashes = append(hashes, tlog.Hash(entry[8:]))
	}
	return hashes, true
}

// queryOneRow runs a statement of one row and copies its columns, a []byte or
// an int64 each, into dest. It reports whether it did.
func queryOneRow(ctx context.Context, stmt driver.Stmt, args []driver.NamedValue, dest ...any) bool {
	q, ok := stmt.(driver.StmtQueryContext)
	if !ok {
		return false
	}
	rows, err := q.QueryContext(ctx, args)
	if err != nil {
		return false
	}
	defer rows.Close()
	row := make([]driver.Value, len(dest))
	if err := rows.Next(row); err != nil {
		return false
	}
	for i, d := range dest {
		switch d := d.(type) {
		case *[]byte:
			v, ok := row[i].([]byte)
			if !ok {
				return false
			}
			*d = v
		case *int64:
			v, ok := row[i].(int64)
			if !ok {
				return false
			}
			*d = v
		}
	}
	return rows.Next(row) == io.EOF
}
