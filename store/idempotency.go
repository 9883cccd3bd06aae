package store

import (
	"context"
	"time"

	"writ"
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

// IdempotentClaim is what ClaimIdempotencyKey found.
type IdempotentClaim struct {
	// Claimed is true when the key was free (or expired) and is now the
	// caller's: the caller does the work and then calls
	// FinishIdempotencyKey, or ReleaseIdempotencyKey if it failed.
	Claimed bool
	// Response is the answer recorded for the earlier request with the
	// same key and body; empty while that request is still under way.
	Response string
}

// ClaimIdempotencyKey claims key (already scoped by its caller to an
// operation) for the user and the request whose hash is requestHash. A
// key held with another hash is 422 EKEYREUSED; a key held with the same
// hash returns what its first request answered.
func (s *Store) ClaimIdempotencyKey(ctx context.Context, userID int64, key, requestHash string) (IdempotentClaim, error) {
	var c IdempotentClaim
	now := s.nowUTC()
	res, err := s.write.ExecContext(ctx, `INSERT INTO idempotency_keys (user_id, key, request_hash, response, created_at) VALUES ($1, $2, $3, '', $4)
		ON CONFLICT (user_id, key) DO UPDATE SET request_hash = excluded.request_hash, response = '', created_at = excluded.created_at
		WHERE idempotency_keys.created_at < $5`,
		userID, key, requestHash, now, now.Add(-s.idempotencyTTL))
	if err != nil {
		return c, unavailableOr(err, "store: claim idempotency key")
	}
	if n, _ := res.RowsAffected(); n > 0 {
		c.Claimed = true
		return c, nil
	}
	var hash string
	err = s.write.QueryRowContext(ctx, `SELECT request_hash, response FROM idempotency_keys WHERE user_id = $1 AND key = $2`, userID, key).Scan(&hash, &c.Response)
	if err != nil {
		return c, unavailableOr(err, "store: read idempotency key")
	}
	if hash != requestHash {
		return c, &writ.Error{Code: writ.EKEYREUSED, Field: "Idempotency-Key", Message: "used before with a different request; send this one with a key of its own"}
	}
	return c, nil
}

// FinishIdempotencyKey records the answer to the request that claimed key.
func (s *Store) FinishIdempotencyKey(ctx context.Context, userID int64, key, response string) error {
	if _, err := s.write.ExecContext(ctx, `UPDATE idempotency_keys SET response = $1 WHERE user_id = $2 AND key = $3`, response, userID, key); err != nil {
		return unavailableOr(err, "store: finish idempotency key")
	}
	return nil
}

// ReleaseIdempotencyKey frees a key whose request failed, so that a
// retry with it is taken as new.
func (s *Store) ReleaseIdempotencyKey(ctx context.Context, userID int64, key string) error {
	if _, err := s.write.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2 AND response = ''`, userID, key); err != nil {
		return unavailableOr(err, "store: release idempotency key")
	}
	return nil
}
