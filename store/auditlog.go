package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"writ"
	"writ/auditlog"
)

// appendLeaves stores the tree hashes that leaves size, size+1, … add and
// moves the head; the caller holds the head's lock.
func (s *Store) appendLeaves(ctx context.Context, tx *sql.Tx, size int64, leaves [][]byte) error {
	hr := &hashReader{ctx: ctx, s: s, db: tx, cache: map[int64]tlog.Hash{}}
	// A leaf adds about two stored hashes on average.
	rows := newTableRows("log_hashes", []string{"idx", "hash"}, 2*len(leaves))
	for i, leaf := range leaves {
		n := size + int64(i)
		hashes, err := tlog.StoredHashes(n, leaf, hr)
		if err != nil {
			return fmt.Errorf("store: log: %w", err)
		}
		base := tlog.StoredHashIndex(0, n)
		for j, h := range hashes {
			hr.cache[base+int64(j)] = h
			rows.add(base+int64(j), h[:])
		}
	}
	if err := s.insertTableRows(ctx, tx, rows); err != nil {
		return fmt.Errorf("store: log hashes: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE log_head SET size = $1 WHERE id = 1`, size+int64(len(leaves))); err != nil {
		return fmt.Errorf("store: log head: %w", err)
	}
	return nil
}

// hashReader reads stored tree hashes, in a transaction or not, keeping
// those it has seen.
type hashReader struct {
	ctx   context.Context
	s     *Store
	db    querier
	cache map[int64]tlog.Hash
}

func (r *hashReader) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	var missing []any
	for _, x := range indexes {
		if _, ok := r.cache[x]; !ok {
			missing = append(missing, x)
		}
	}
	for start := 0; start < len(missing); start += 500 {
		part := missing[start:min(start+500, len(missing))]
		query := `SELECT idx, hash FROM log_hashes WHERE idx IN (` + ordinals(1, len(part)) + `)`
		rows, err := r.db.QueryContext(r.ctx, query, part...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var idx int64
			var h []byte
			if err := rows.Scan(&idx, &h); err != nil {
				rows.Close()
				return nil, err
			}
			if len(h) != tlog.HashSize {
				rows.Close()
				return nil, fmt.Errorf("stored hash %d is corrupt", idx)
			}
			r.cache[idx] = tlog.Hash(h)
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
	}
	for i, x := range indexes {
		h, ok := r.cache[x]
		if !ok {
			return nil, fmt.Errorf("stored hash %d is missing", x)
		}
		out[i] = h
	}
	return out, nil
}

// LogSize returns the number of entries in the audit log.
func (s *Store) LogSize(ctx context.Context) (int64, error) {
	var size int64
	if err := s.read.QueryRowContext(ctx, `SELECT size FROM log_head WHERE id = 1`).Scan(&size); err != nil {
		return 0, unavailableOr(err, "store: log size")
	}
	return size, nil
}

func (s *Store) readHashes() *hashReader {
	return &hashReader{ctx: context.Background(), s: s, db: s.read, cache: map[int64]tlog.Hash{}}
}

// IssueCheckpoint signs a checkpoint of the log as it is now and records
// it, unless one of that size exists already. It returns the latest
// checkpoint. Several servers may issue at once: the same size gives the
// same text and signature, and the database keeps one.
func (s *Store) IssueCheckpoint(ctx context.Context, signer note.Signer) ([]byte, error) {
	size, err := s.LogSize(ctx)
	if err != nil {
		return nil, err
	}
	hr := s.readHashes()
	hr.ctx = ctx
	root, err := tlog.TreeHash(size, hr)
	if err != nil {
		return nil, fmt.Errorf("store: checkpoint: %w", err)
	}
	signed, err := auditlog.Checkpoint{Origin: signer.Name(), Size: size, Root: root}.Sign(signer)
	if err != nil {
		return nil, fmt.Errorf("store: checkpoint: %w", err)
	}
	err = s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO checkpoints (size, root, note, issued_at) VALUES ($1, $2, $3, $4) ON CONFLICT (size) DO NOTHING`,
			size, root[:], string(signed), s.nowUTC())
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: checkpoint: %w", err)
	}
	return s.LatestCheckpoint(ctx)
}

// LatestCheckpoint returns the signed note of the largest checkpoint, or
// ENOTFOUND before the first.
func (s *Store) LatestCheckpoint(ctx context.Context) ([]byte, error) {
	var signed string
	err := s.read.QueryRowContext(ctx, `SELECT note FROM checkpoints ORDER BY size DESC LIMIT 1`).Scan(&signed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, writ.Errorf(writ.ENOTFOUND, "no checkpoint has been issued yet")
	}
	if err != nil {
		return nil, unavailableOr(err, "store: checkpoint")
	}
	return []byte(signed), nil
}

// latestCheckpointSize is the size and root of the largest checkpoint, or
// size 0 when there is none.
func (s *Store) latestCheckpointSize(ctx context.Context) (int64, tlog.Hash, error) {
	var size int64
	var root []byte
	err := s.read.QueryRowContext(ctx, `SELECT size, root FROM checkpoints ORDER BY size DESC LIMIT 1`).Scan(&size, &root)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, tlog.Hash{}, nil
	}
	if err != nil || len(root) != tlog.HashSize {
		return 0, tlog.Hash{}, fmt.Errorf("store: checkpoint: %v", err)
	}
	return size, tlog.Hash(root), nil
}

// proveEvents attaches to each event the proof of its inclusion at the
// latest checkpoint that covers it.
func (s *Store) proveEvents(ctx context.Context, events []writ.Event) error {
	size, _, err := s.latestCheckpointSize(ctx)
	if err != nil {
		return err
	}
	for i := range events {
		if events[i].LogIndex == nil || *events[i].LogIndex >= size {
			continue
		}
		p, err := s.inclusion(ctx, *events[i].LogIndex, size)
		if err != nil {
			return err
		}
		events[i].Inclusion = &p
	}
	return nil
}

// lastRulebookEvent reads the data of the latest rulebook.loaded event. It
// is read at every server's start, and reads the partial index
// events_rulebook (migration 0026): through the log's index from its head
// it visited every event of the log (a million demands' events took longer
// than the statement timeout on PostgreSQL, and writ serve did not start).
const lastRulebookEvent = `SELECT data FROM events WHERE kind = 'rulebook.loaded' ORDER BY log_index DESC LIMIT 1`

// RecordRulebook appends a rulebook.loaded event when the rulebook in force
// differs from the last one recorded, so the log shows which rules every
// later assessment was made under. Servers starting together record it once.
func (s *Store) RecordRulebook(ctx context.Context, actor writ.Actor) error {
	version, digest := s.rules.Version(), s.rules.Digest()
	return s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := s.lockLogHead(ctx, tx); err != nil {
			return err
		}
		var last string
		err := tx.QueryRowContext(ctx, lastRulebookEvent).Scan(&last)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("store: rulebook event: %w", err)
		}
		if strings.Contains(last, digest) {
			return nil
		}
		return s.appendEvent(ctx, tx, actor, nil, "rulebook.loaded", map[string]string{"version": version, "sha256": digest})
	})
}
