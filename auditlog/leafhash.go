package auditlog

import (
	"crypto/sha256"
	"hash"

	"golang.org/x/mod/sumdb/tlog"
)

// LeafHasher computes the leaf hashes of events as tlog.RecordHash(Leaf(e))
// does, reusing its buffers, so that verifying a log of millions of
// entries allocates nothing per entry. It is not safe for concurrent use:
// each goroutine that verifies entries keeps its own.
type LeafHasher struct {
	d   hash.Hash
	sum [sha256.Size]byte
	buf []byte
}

// Hash returns the RFC 6962 record hash of e's leaf.
func (h *LeafHasher) Hash(e Event) tlog.Hash {
	if h.d == nil {
		h.d = sha256.New()
	}
	h.d.Reset()
	h.d.Write(e.Data)
	h.d.Sum(h.sum[:0])
	// A record hash is SHA-256 of a zero byte and the record.
	h.buf = appendLeaf(append(h.buf[:0], 0), e, &h.sum)
	h.d.Reset()
	h.d.Write(h.buf)
	h.d.Sum(h.sum[:0])
	return tlog.Hash(h.sum)
}

// Check recomputes e's leaf hash and compares it with the hash stored for
// entry e.Index when it was appended. It returns a *Mismatch when they
// differ, and the hash otherwise.
func (h *LeafHasher) Check(e Event, stored tlog.Hash) (tlog.Hash, error) {
	if h.Hash(e) != stored {
		return tlog.Hash{}, &Mismatch{Index: e.Index, Reason: reasonChanged}
	}
	return stored, nil
}
