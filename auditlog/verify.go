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

// Verifier recomputes a log from its entries, one at a time in index
// order, keeping only the right edge of the tree (O(log n) hashes), and
// compares each leaf hash with the one stored when the entry was appended.
type Verifier struct {
	n     int64
	stack []tlog.Hash // roots of the perfect subtrees of the right edge, largest first
	sizes []int64
}

// Add takes entry n (the next one) with its leaf as recomputed from the
// event and the leaf hash stored in the log. It returns a *Mismatch when
// they differ.
func (v *Verifier) Add(index int64, leaf []byte, stored tlog.Hash) error {
	if index != v.n {
		return &Mismatch{Index: v.n, Reason: "the entry is missing (deleted or moved)"}
	}
	h := tlog.RecordHash(leaf)
	if h != stored {
		return &Mismatch{Index: index, Reason: "the event does not match the entry appended for it (changed or reordered)"}
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
