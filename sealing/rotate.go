package sealing

import (
	"context"
	"fmt"

	"writ"
)

// Records are the sealed records of writ's database, as a rotation reaches
// them; *store.Store is one. Each reseals with the keys it was opened with
// (the same Keys as Rotate's), so that it seals with the new current key.
type Records interface {
	// ResealDocuments seals anew, in one transaction, up to n documents
	// not sealed with the current key, and returns how many it sealed.
	ResealDocuments(ctx context.Context, n int) (int, error)
	// ResealSecrets seals anew every secret not sealed with the current
	// key, and returns how many it sealed.
	ResealSecrets(ctx context.Context) (int, error)
	// RecordEvent records an event in the audit log.
	RecordEvent(ctx context.Context, actor writ.Actor, kind string, data any) error
}

// resealBatch is how many documents one transaction of a rotation seals
// anew: few enough that the database's one writer is never held for long.
const resealBatch = 100

// Rotate makes a new current key, seals every document with it (in
// batches, each its own transaction) and every sealed secret (TOTP and
// webhook secrets, the servers' shared keys), and then drops the old keys
// from the key file. Interrupted, it can be run again: until it finishes,
// the file keeps every key any document still needs. It returns how many
// documents were sealed anew.
func (k *Keys) Rotate(ctx context.Context, records Records) (int, error) {
	if err := k.addNew(); err != nil {
		return 0, err
	}
	if err := k.write(false); err != nil {
		return 0, err
	}
	total := 0
	for {
		n, err := records.ResealDocuments(ctx, resealBatch)
		if err != nil {
			return total, fmt.Errorf("sealing: rotate documents key: %w", err)
		}
		total += n
		if n == 0 {
			break
		}
	}
	secrets, err := records.ResealSecrets(ctx)
	if err != nil {
		return total, err
	}
	k.ids = k.ids[:1]
	for id := range k.keys {
		if id != k.ids[0] {
			delete(k.keys, id)
		}
	}
	if err := k.write(false); err != nil {
		return total, err
	}
	return total, records.RecordEvent(ctx, writ.System(), "documents.key_rotated", map[string]any{"key_id": k.ids[0], "documents": total, "secrets": secrets})
}
