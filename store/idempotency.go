package store

import (
	"context"
	"time"
)

// DefaultIdempotencyTTL is how long an Idempotency-Key is remembered
// unless Options.IdempotencyTTL says otherwise: a client retries within
// it, and after it the same key is free for a new request.
const DefaultIdempotencyTTL = 24 * time.Hour

// PruneIdempotencyKeys forgets the Idempotency-Keys older than their
// lifetime and returns how many; "writ serve" runs it every hour.
func (s *Store) PruneIdempotencyKeys(ctx context.Context) (int64, error) {
	res, err := s.write.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE created_at < $1`, s.nowUTC().Add(-s.idempotencyTTL))
	if err != nil {
		return 0, unavailableOr(err, "store: prune idempotency keys")
	}
	return res.RowsAffected()
}
