package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"writ/auditlog"
)

// LogVerification is what VerifyLog checked: every entry of the log up to
// its head, the first Checkpoint.Size of them against the signed
// checkpoint, and all of them against the tree hashes stored for the head
// (which the public tiles serve).
type LogVerification struct {
	Checkpoint auditlog.Checkpoint
	// Size is the number of entries checked (the head); Root the tree's
	// root hash at the head, as recomputed.
	Size int64
	Root tlog.Hash
}

// verifyChunk is the number of entries one reader checks at a time: small
// enough that a log of a few thousand entries is shared among the
// readers, large enough that the two queries per chunk cost little
// beside its rows.
const verifyChunk = 512

// VerifyLog recomputes the whole log from the event rows, up to the head
// — not only to the latest checkpoint, which after a crash may be a minute
// old — and checks the signed checkpoint (the latest one when signed is
// nil) against the entries it covers. A *auditlog.Mismatch names the first
// entry that does not match.
//
// Every leaf is recomputed from its event row and compared with the leaf
// hash stored when the entry was appended, in chunks read and hashed on
// several connections at once (reading the rows costs more than hashing
// them); the tree is then built from those leaf hashes, in index order, on
// this goroutine.
func (s *Store) VerifyLog(ctx context.Context, verifier note.Verifier, signed []byte) (LogVerification, error) {
	var out LogVerification
	if signed == nil {
		var err error
		if signed, err = s.LatestCheckpoint(ctx); err != nil {
			return out, err
		}
	}
	cp, err := auditlog.OpenCheckpoint(signed, verifier)
	if err != nil {
		return out, err
	}
	out.Checkpoint = cp
	size, err := s.LogSize(ctx)
	if err != nil {
		return out, err
	}
	if cp.Size > size {
		return out, &auditlog.Mismatch{Index: size, Reason: fmt.Sprintf("the checkpoint has %d entries but the log only %d", cp.Size, size)}
	}
	var v auditlog.Verifier
	atCheckpoint := func() error {
		if v.Size() == cp.Size && v.Root() != cp.Root {
			return &auditlog.Mismatch{Index: cp.Size - 1, Reason: "the entries do not produce the checkpoint's root hash"}
		}
		return nil
	}
	if err := atCheckpoint(); err != nil {
		return out, err
	}
	err = s.checkLeaves(ctx, verifyChunks(cp.Size, size), func(from int64, hashes []tlog.Hash) error {
		for i, h := range hashes {
			if err := v.AddHash(from+int64(i), h); err != nil {
				return err
			}
		}
		return atCheckpoint()
	})
	if err != nil {
		return out, err
	}
	head, err := tlog.TreeHash(size, s.readHashes())
	if err != nil {
		return out, &auditlog.Mismatch{Index: size - 1, Reason: "the stored tree at the head is incomplete: " + err.Error()}
	}
	if head != v.Root() {
		return out, &auditlog.Mismatch{Index: size - 1, Reason: "the stored tree hashes at the head do not match the entries"}
	}
	out.Size, out.Root = size, head
	return out, nil
}

// verifyChunks splits entries [0, size) into chunks of verifyChunk, one of
// them ending at the checkpoint's size so that its root can be checked.
func verifyChunks(checkpoint, size int64) [][2]int64 {
	var chunks [][2]int64
	for from := int64(0); from < size; {
		to := min(from+verifyChunk, size)
		if from < checkpoint && to > checkpoint {
			to = checkpoint
		}
		chunks = append(chunks, [2]int64{from, to})
		from = to
	}
	return chunks
}

// checkLeaves checks the chunks' entries against their event rows on a
// few readers at once, each a goroutine with a connection of its own, and
// hands each chunk's leaf hashes to add in order. It stops at the first
// error, in index order, and returns once no goroutine of its own is left
// running.
func (s *Store) checkLeaves(ctx context.Context, chunks [][2]int64, add func(from int64, hashes []tlog.Hash) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// One reader a processor, leaving a connection of SQLite's read pool
	// to the requests served meanwhile. A reader takes the next chunk as
	// soon as it is done with one, up to a few chunks ahead of add.
	readers := max(1, min(runtime.GOMAXPROCS(0), 3))
	results := make([]chunkResult, len(chunks))
	for i := range results {
		results[i].done = make(chan struct{})
	}
	ahead := make(chan struct{}, 4*readers)
	var next atomic.Int64
	var wg sync.WaitGroup
	defer func() {
		cancel()
		wg.Wait()
	}()
	for range readers {
		wg.Go(func() { s.readChunks(ctx, chunks, results, &next, ahead) })
	}
	for i := range chunks {
		r := &results[i]
		select {
		case <-r.done:
		case <-ctx.Done():
			return ctx.Err()
		}
		if r.err != nil {
			return r.err
		}
		<-ahead
		if err := add(chunks[i][0], r.hashes); err != nil {
			return err
		}
	}
	return nil
}

// chunkResult is what a reader found of a chunk, once done is closed.
type chunkResult struct {
	hashes []tlog.Hash
	err    error
	done   chan struct{}
}

// readChunks is one reader of checkLeaves: on a connection of its own it
// checks the next chunk not yet taken, until none is left, taking a place
// of ahead for each.
func (s *Store) readChunks(ctx context.Context, chunks [][2]int64, results []chunkResult, next *atomic.Int64, ahead chan struct{}) {
	conn, err := s.read.Conn(ctx)
	if err == nil {
		defer conn.Close()
		err = conn.Raw(func(dc any) error {
			q, ok := dc.(driver.QueryerContext)
			if !ok {
				return errors.New("the driver cannot query")
			}
			var quick *quickStatements
			if !s.postgres {
				if quick, err = prepareQuick(ctx, dc); err != nil {
					return err
				}
				defer quick.close()
			}
			for {
				i := int(next.Add(1) - 1)
				if i >= len(chunks) {
					return nil
				}
				r := &results[i]
				select {
				case ahead <- struct{}{}:
					r.hashes, r.err = s.checkChunk(ctx, q, quick, chunks[i][0], chunks[i][1])
				case <-ctx.Done():
					r.err = ctx.Err()
				}
				close(r.done)
			}
		})
	}
	if err != nil {
		err = unavailableOr(err, "store: log entries")
	}
	// A reader that could not read fails the chunks left, which no other
	// reader has taken: checkLeaves stops at the first error anyway.
	for {
		i := int(next.Add(1) - 1)
		if i >= len(chunks) {
			return
		}
		results[i].err = err
		if err == nil {
			results[i].err = ctx.Err()
		}
		close(results[i].done)
	}
}

// checkChunk recomputes the leaves of entries [from, to) from their event
// rows and compares each with its stored leaf hash, returning the hashes.
// On SQLite it tries quickCheck first. Otherwise, and when that finds
// anything amiss, it reads the columns a leaf is made of in one ordered
// range query through the driver itself (database/sql's scanning cost more
// per row than hashing it) and names the first entry that does not match.
func (s *Store) checkChunk(ctx context.Context, q driver.QueryerContext, quick *quickStatements, from, to int64) ([]tlog.Hash, error) {
	if quick != nil {
		if stored, ok := quickCheck(ctx, quick, from, to); ok {
			return stored, nil
		}
	}
	stored, err := storedLeafHashes(ctx, q, from, to)
	if err != nil {
		return nil, &auditlog.Mismatch{Index: from, Reason: "the stored hashes are incomplete: " + err.Error()}
	}
	at := "CAST(at AS TEXT)"
	if s.postgres {
		at = "at"
	}
	rows, err := q.QueryContext(ctx, `SELECT log_index, COALESCE(demand_id, 0), COALESCE(actor_id, 0), actor, kind, data, `+at+`
		FROM events WHERE log_index >= $1 AND log_index < $2 ORDER BY log_index`, rangeArgs(from, to))
	if err != nil {
		return nil, fmt.Errorf("store: log entries: %w", err)
	}
	defer rows.Close()
	return stored, checkRows(rows, from, to, stored)
}

func rangeArgs(from, to int64) []driver.NamedValue {
	return []driver.NamedValue{{Ordinal: 1, Value: from}, {Ordinal: 2, Value: to}}
}

// checkRows checks the event rows of entries [from, to), in index order,
// against their stored leaf hashes.
func checkRows(rows driver.Rows, from, to int64, stored []tlog.Hash) error {
	var h auditlog.LeafHasher
	var e auditlog.Event
	row := make([]driver.Value, 7)
	next := from
	for {
		err := rows.Next(row)
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("store: log entries: %w", err)
		}
		if err := leafEvent(row, &e); err != nil {
			return &auditlog.Mismatch{Index: next, Reason: "the event's row cannot be read: " + err.Error()}
		}
		if e.Index != next {
			return &auditlog.Mismatch{Index: next, Reason: "the entry is missing (deleted or moved)"}
		}
		if _, err := h.Check(e, stored[next-from]); err != nil {
			return err
		}
		next++
	}
	if next != to {
		return &auditlog.Mismatch{Index: next, Reason: "the entry is missing (deleted or moved)"}
	}
	return nil
}

// leafEvent fills e from a row of log_index, demand_id, actor_id, actor,
// kind, data and at as the driver gives them.
func leafEvent(row []driver.Value, e *auditlog.Event) error {
	var ok [6]bool
	e.Index, ok[0] = row[0].(int64)
	e.DemandID, ok[1] = row[1].(int64)
	e.ActorID, ok[2] = row[2].(int64)
	e.Actor, ok[3] = row[3].(string)
	e.Kind, ok[4] = row[4].(string)
	switch data := row[5].(type) {
	case string:
		e.Data, ok[5] = append(e.Data[:0], data...), true
	case []byte:
		e.Data, ok[5] = data, true
	}
	if ok != [6]bool{true, true, true, true, true, true} {
		return fmt.Errorf("unexpected column types %T %T %T %T %T %T", row[0], row[1], row[2], row[3], row[4], row[5])
	}
	switch at := row[6].(type) {
	case time.Time:
		e.At = at
	case string:
		t, err := parseStoredTime(at)
		if err != nil {
			return fmt.Errorf("the time of entry %d: %w", e.Index, err)
		}
		e.At = t
	default:
		return fmt.Errorf("the time of entry %d is a %T", e.Index, at)
	}
	return nil
}

// storedTimeLayout is how modernc.org/sqlite writes a time.Time: its
// String() without the monotonic clock.
const storedTimeLayout = "2006-01-02 15:04:05.999999999 -0700 MST"

// parseStoredTime parses a time as SQLite stores it (storedTimeLayout).
// writ stores its times in UTC, and those are read digit by digit, since
// verification parses the time of every entry of the log; anything else
// by time.Parse.
func parseStoredTime(s string) (time.Time, error) {
	if t, ok := parseStoredUTC(s); ok {
		return t, nil
	}
	return time.Parse(storedTimeLayout, s)
}

// parseStoredUTC parses "2006-01-02 15:04:05.999999999 +0000 UTC" with
// none or 1 to 9 digits of fraction. It reports false for anything else,
// a date or time out of range included, which time.Parse then refuses
// with its reason.
func parseStoredUTC(s string) (time.Time, bool) {
	body, ok := strings.CutSuffix(s, " +0000 UTC")
	if !ok || len(body) < 19 || body[4] != '-' || body[7] != '-' || body[10] != ' ' || body[13] != ':' || body[16] != ':' {
		return time.Time{}, false
	}
	var f [6]int
	for i, span := range [6][2]int{{0, 4}, {5, 7}, {8, 10}, {11, 13}, {14, 16}, {17, 19}} {
		if f[i], ok = decimal(body[span[0]:span[1]]); !ok {
			return time.Time{}, false
		}
	}
	year, month, day, hour, minute, second := f[0], f[1], f[2], f[3], f[4], f[5]
	nsec := 0
	if frac := body[19:]; frac != "" {
		if frac[0] != '.' || len(frac) < 2 || len(frac) > 10 {
			return time.Time{}, false
		}
		if nsec, ok = decimal(frac[1:]); !ok {
			return time.Time{}, false
		}
		for range 10 - len(frac) {
			nsec *= 10
		}
	}
	if month < 1 || month > 12 || day < 1 || day > daysIn(month, year) || hour > 23 || minute > 59 || second > 59 {
		return time.Time{}, false
	}
	return time.Date(year, time.Month(month), day, hour, minute, second, nsec, time.UTC), true
}

// decimal reads s, decimal digits only.
func decimal(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}

// daysIn is the number of days of a month of the Gregorian calendar.
func daysIn(month, year int) int {
	if month == 2 && year%4 == 0 && (year%100 != 0 || year%400 == 0) {
		return 29
	}
	return [13]int{0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[month]
}

// storedLeafHashes reads the stored leaf hashes of entries [from, to). In
// tlog's layout they lie among the interior hashes of the same span, so
// one range scan reads them all, cheaper than naming each.
func storedLeafHashes(ctx context.Context, q driver.QueryerContext, from, to int64) ([]tlog.Hash, error) {
	lo, hi := tlog.StoredHashIndex(0, from), tlog.StoredHashIndex(0, to-1)
	rows, err := q.QueryContext(ctx, `SELECT idx, hash FROM log_hashes WHERE idx >= $1 AND idx <= $2 ORDER BY idx`, rangeArgs(lo, hi))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make([]tlog.Hash, 0, to-from)
	row := make([]driver.Value, 2)
	for next := from; next < to; {
		if err := rows.Next(row); err == io.EOF {
			return nil, fmt.Errorf("the leaf hash of entry %d is missing", next)
		} else if err != nil {
			return nil, err
		}
		idx, _ := row[0].(int64)
		if idx != tlog.StoredHashIndex(0, next) {
			continue
		}
		h, _ := row[1].([]byte)
		if len(h) != tlog.HashSize {
			return nil, fmt.Errorf("stored hash %d is corrupt", idx)
		}
		out = append(out, tlog.Hash(h))
		next++
	}
	return out, nil
}
