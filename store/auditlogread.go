package store

import (
	"context"
	"database/sql"
	"encoding/base64"
	"fmt"
	"writ"
	"writ/auditlog"

	"golang.org/x/mod/sumdb/tlog"
)

// Tile returns a hash tile of the log as of size entries: public data.
func (s *Store) Tile(ctx context.Context, t tlog.Tile) ([]byte, error) {
	size, err := s.LogSize(ctx)
	if err != nil {
		return nil, err
	}
	if t.L < 0 || t.H != auditlog.TileHeight {
		return nil, writ.Errorf(writ.ENOTFOUND, "no such tile")
	}
	// The tile must lie within the tree as it is now: its last hash covers
	// (N·256 + W) · 256^L entries. Shifting size down instead of the tile's
	// end up cannot overflow, however high the level or large the index.
	if !tileWithin(t, size) {
		return nil, writ.Errorf(writ.ENOTFOUND, "the log has no tile %s yet", auditlog.TilePath(t))
	}
	hr := s.readHashes()
	hr.ctx = ctx
	data, err := tlog.ReadTileData(t, hr)
	if err != nil {
		return nil, fmt.Errorf("store: tile: %w", err)
	}
	return data, nil
}

// tileWithin reports whether every hash of tile t exists in a tree of size
// entries.
func tileWithin(t tlog.Tile, size int64) bool {
	shift := auditlog.TileHeight * t.L
	if t.N < 0 || t.W < 1 || shift >= 63 {
		return false
	}
	// The tree has size >> shift hashes at the tile's level; the tile
	// needs N·256 + W of them (compared without multiplying N, which a
	// long path makes as large as it likes).
	return t.N <= (size>>shift-int64(t.W))>>auditlog.TileHeight
}

// EntryBundle returns the leaves of entries N·256 … N·256+W−1 as a C2SP
// entry bundle. Leaves show who did what when; only the legal team and
// auditors may read them.
func (s *Store) EntryBundle(ctx context.Context, actor writ.Actor, t tlog.Tile) ([]byte, error) {
	if !actor.Role.SeesAll() {
		return nil, writ.Errorf(writ.EFORBIDDEN, "only auditors and the legal team may read log entries")
	}
	start := t.N << auditlog.TileHeight
	size, err := s.LogSize(ctx)
	if err != nil {
		return nil, err
	}
	if start+int64(t.W) > size {
		return nil, writ.Errorf(writ.ENOTFOUND, "the log has no entries %d to %d yet", start, start+int64(t.W)-1)
	}
	var leaves [][]byte
	err = s.leaves(ctx, start, start+int64(t.W), func(index int64, leaf []byte) error {
		if index != start+int64(len(leaves)) {
			return &auditlog.Mismatch{Index: start + int64(len(leaves)), Reason: "the entry is missing"}
		}
		leaves = append(leaves, leaf)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return auditlog.EntryBundle(leaves)
}

// leaves recomputes the leaves of entries [from, to) from the event rows,
// in index order.
func (s *Store) leaves(ctx context.Context, from, to int64, fn func(index int64, leaf []byte) error) error {
	rows, err := s.read.QueryContext(ctx, `SELECT log_index, demand_id, actor_id, actor, kind, data, at FROM events
		WHERE log_index >= $1 AND log_index < $2 ORDER BY log_index`, from, to)
	if err != nil {
		return fmt.Errorf("store: log entries: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var e auditlog.Event
		var demand, actor sql.NullInt64
		var data string
		if err := rows.Scan(&e.Index, &demand, &actor, &e.Actor, &e.Kind, &data, &e.At); err != nil {
			return fmt.Errorf("store: log entries: %w", err)
		}
		e.DemandID, e.ActorID, e.Data = demand.Int64, actor.Int64, []byte(data)
		if err := fn(e.Index, auditlog.Leaf(e)); err != nil {
			return err
		}
	}
	return rows.Err()
}

func b64(h tlog.Hash) string { return base64.StdEncoding.EncodeToString(h[:]) }

func b64s(p []tlog.Hash) []string {
	out := make([]string, len(p))
	for i, h := range p {
		out[i] = b64(h)
	}
	return out
}

// InclusionProof proves that entry index is in the tree of the given size.
// The legal team and auditors only.
func (s *Store) InclusionProof(ctx context.Context, actor writ.Actor, index, size int64) (writ.InclusionProof, error) {
	if !actor.Role.SeesAll() {
		return writ.InclusionProof{}, writ.Errorf(writ.EFORBIDDEN, "only auditors and the legal team may request proofs")
	}
	current, err := s.LogSize(ctx)
	if err != nil {
		return writ.InclusionProof{}, err
	}
	if size <= 0 || size > current {
		return writ.InclusionProof{}, writ.FieldErrorf("size", "must be between 1 and the log's size, %d", current)
	}
	if index < 0 || index >= size {
		return writ.InclusionProof{}, writ.FieldErrorf("index", "must be below size")
	}
	return s.inclusion(ctx, index, size)
}

func (s *Store) inclusion(ctx context.Context, index, size int64) (writ.InclusionProof, error) {
	hr := s.readHashes()
	hr.ctx = ctx
	proof, err := tlog.ProveRecord(size, index, hr)
	if err != nil {
		return writ.InclusionProof{}, fmt.Errorf("store: proof: %w", err)
	}
	root, err := tlog.TreeHash(size, hr)
	if err != nil {
		return writ.InclusionProof{}, fmt.Errorf("store: proof: %w", err)
	}
	leaf, err := hr.ReadHashes([]int64{tlog.StoredHashIndex(0, index)})
	if err != nil {
		return writ.InclusionProof{}, fmt.Errorf("store: proof: %w", err)
	}
	return writ.InclusionProof{Index: index, TreeSize: size, LeafHash: b64(leaf[0]), RootHash: b64(root), Proof: b64s(proof)}, nil
}

// ConsistencyProof proves that the tree of size old is a prefix of the tree
// of size new. The legal team and auditors only.
func (s *Store) ConsistencyProof(ctx context.Context, actor writ.Actor, old, new int64) (writ.ConsistencyProof, error) {
	if !actor.Role.SeesAll() {
		return writ.ConsistencyProof{}, writ.Errorf(writ.EFORBIDDEN, "only auditors and the legal team may request proofs")
	}
	current, err := s.LogSize(ctx)
	if err != nil {
		return writ.ConsistencyProof{}, err
	}
	if new <= 0 || new > current {
		return writ.ConsistencyProof{}, writ.FieldErrorf("new", "must be between 1 and the log's size, %d", current)
	}
	if old <= 0 || old > new {
		return writ.ConsistencyProof{}, writ.FieldErrorf("old", "must be between 1 and new")
	}
	hr := s.readHashes()
	hr.ctx = ctx
	proof, err := tlog.ProveTree(new, old, hr)
	if err != nil {
		return writ.ConsistencyProof{}, fmt.Errorf("store: proof: %w", err)
	}
	oldRoot, err := tlog.TreeHash(old, hr)
	if err != nil {
		return writ.ConsistencyProof{}, fmt.Errorf("store: proof: %w", err)
	}
	newRoot, err := tlog.TreeHash(new, hr)
	if err != nil {
		return writ.ConsistencyProof{}, fmt.Errorf("store: proof: %w", err)
	}
	return writ.ConsistencyProof{Old: old, New: new, OldRoot: b64(oldRoot), NewRoot: b64(newRoot), Proof: b64s(proof)}, nil
}
