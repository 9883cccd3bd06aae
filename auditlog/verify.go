package auditlog

import (
	"fmt"

	"golang.org/x/mod/sumdb/tlog"
)

// Mismatch names the first log entry that does not match: an event row that
// was changed, deleted or moved, or a stored hash that was.
type Mismatch struct {
	Index  int64
	Reason string
}

func (m *Mismatch) Error() string { return fmt.Sprintf("log entry %d: %s", m.Index, m.Reason) }

// Verifier recomputes a log's tree from its entries' leaf hashes, checked
// against the events by a LeafHasher, one entry at a time in index order,
// keeping only the right edge of the tree (O(log n) hashes).
type Verifier struct {
	n     int64
	stack []tlog.Hash // roots of the perfect subtrees of the right edge, largest first
	sizes []int64
}

// The reasons a *Mismatch gives for an entry whose event row does not
// produce it.
const (
	reasonMissing = "the entry is missing (deleted or moved)"
	reasonChanged = "the event does not match the entry appended for it (changed or reordered)"
)

// AddHash takes entry n (the next one) by its leaf hash, which the caller
// has already recomputed from the event and checked against the stored one
// (LeafHasher.Check, on as many goroutines as it likes): the leaves are
// checked in parallel, the tree is built here in index order. It returns a
// *Mismatch when index is not the next entry.
func (v *Verifier) AddHash(index int64, h tlog.Hash) error {
	if index != v.n {
		return &Mismatch{Index: v.n, Reason: reasonMissing}
	}
	v.stack = append(v.stack, h)
	v.sizes = append(v.sizes, 1)
	for k := len(v.stack); k >= 2 && v.sizes[k-1] == v.sizes[k-2]; k = len(v.stack) {
		v.stack[k-2] = tlog.NodeHash(v.stack[k-2], v.stack[k-1])
		v.sizes[k-2] *= 2
		v.stack, v.sizes = v.stack[:k-1], v.sizes[:k-1]
	}
	v.n++
	return nil
}

// Size is the number of entries added.
func (v *Verifier) Size() int64 { return v.n }

// Root is the RFC 6962 root hash of the entries added so far.
func (v *Verifier) Root() tlog.Hash {
	if len(v.stack) == 0 {
		return tlog.Hash{} // tlog's hash of the empty tree
	}
	h := v.stack[len(v.stack)-1]
	for i := len(v.stack) - 2; i >= 0; i-- {
		h = tlog.NodeHash(v.stack[i], h)
	}
	return h
}
