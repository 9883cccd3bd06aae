package auditlog

import (
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

// BenchmarkVerifierAdd is the hashing side of verification alone: one
// event's leaf encoded and hashed, and the tree's right edge updated.
func BenchmarkVerifierAdd(b *testing.B) {
	data := []byte(`{"from":"verifying","to":"in_review","rationale":"requester confirmed by call-back to the registered number"}`)
	e := Event{At: time.Date(2026, 11, 20, 14, 0, 0, 0, time.UTC), ActorID: 3, Actor: "Rhea Reviewer", Kind: "demand.transition", DemandID: 42, Data: data}
	// The hashes stored when the entries were appended, as verification
	// reads them.
	stored := make([]tlog.Hash, 4096)
	for i := range stored {
		e.Index = int64(i)
		stored[i] = tlog.RecordHash(Leaf(e))
	}
	b.SetBytes(int64(len(data) + len(Leaf(e)) + 1 + 65))
	b.ResetTimer()
	var v Verifier
	var h LeafHasher
	for i := 0; i < b.N; i++ {
		if i%len(stored) == 0 {
			v = Verifier{}
		}
		e.Index = int64(i % len(stored))
		leaf, err := h.Check(e, stored[e.Index])
		if err != nil {
			b.Fatal(err)
		}
		if err := v.AddHash(e.Index, leaf); err != nil {
			b.Fatal(err)
		}
	}
}
