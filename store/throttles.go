package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"writ/throttle"
)

// ThrottleKey names one subject of the sign-in throttles: an account's
// address (scope "account") or a client's (scope "address").
type ThrottleKey struct{ Scope, Subject string }

// ThrottleStates reads the states of keys; a key without a row has the
// zero state. Both are kept in the database, so that every server sharing
// it counts the same attempts.
func (s *Store) ThrottleStates(ctx context.Context, keys []ThrottleKey) (map[ThrottleKey]throttle.State, error) {
	return s.throttleStates(ctx, s.read, keys, "")
}

// LockThrottles reads the states of keys in the transaction and holds
// their rows, creating them, so that attempts on the same account or from
// the same address take their turns on PostgreSQL as the one SQLite writer
// makes them.
func (t *Tx) LockThrottles(ctx context.Context, keys []ThrottleKey) (map[ThrottleKey]throttle.State, error) {
	for _, k := range keys {
		if _, err := t.tx.ExecContext(ctx, `INSERT INTO sign_in_throttles (scope, subject, failures, last_failure_at, blocked_until)
			VALUES ($1, $2, 0, $3, $4) ON CONFLICT (scope, subject) DO NOTHING`, k.Scope, k.Subject, time.Unix(0, 0).UTC(), time.Unix(0, 0).UTC()); err != nil {
			return nil, unavailableOr(err, "store: sign-in throttle")
		}
	}
	return t.s.throttleStates(ctx, t.tx, keys, t.s.forUpdate())
}

func (s *Store) throttleStates(ctx context.Context, db querier, keys []ThrottleKey, lock string) (map[ThrottleKey]throttle.State, error) {
	out := map[ThrottleKey]throttle.State{}
	for _, k := range keys {
		var st throttle.State
		err := db.QueryRowContext(ctx, `SELECT failures, last_failure_at, blocked_until FROM sign_in_throttles WHERE scope = $1 AND subject = $2`+lock,
			k.Scope, k.Subject).Scan(&st.Failures, &st.LastFailure, &st.BlockedUntil)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, unavailableOr(err, "store: sign-in throttle")
		}
		if st.LastFailure.Unix() <= 0 {
			st.LastFailure = time.Time{}
		}
		out[k] = st
	}
	return out, nil
}

// SaveThrottles writes the states of keys.
func (t *Tx) SaveThrottles(ctx context.Context, states map[ThrottleKey]throttle.State) error {
	for k, st := range states {
		last := st.LastFailure
		if last.IsZero() {
			last = time.Unix(0, 0).UTC()
		}
		if _, err := t.tx.ExecContext(ctx, `INSERT INTO sign_in_throttles (scope, subject, failures, last_failure_at, blocked_until) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (scope, subject) DO UPDATE SET failures = excluded.failures, last_failure_at = excluded.last_failure_at, blocked_until = excluded.blocked_until`,
			k.Scope, k.Subject, st.Failures, last.UTC(), st.BlockedUntil.UTC()); err != nil {
			return fmt.Errorf("store: sign-in throttle: %w", err)
		}
	}
	return nil
}

// DropQuietThrottles drops the throttle rows whose last failure was before
// before and whose wait ended before now.
func (t *Tx) DropQuietThrottles(ctx context.Context, before, now time.Time) error {
	if _, err := t.tx.ExecContext(ctx, `DELETE FROM sign_in_throttles WHERE last_failure_at < $1 AND blocked_until < $2`, before, now); err != nil {
		return fmt.Errorf("store: sign-in throttle: %w", err)
	}
	return nil
}

// ForgetThrottle drops the row of one key.
func (t *Tx) ForgetThrottle(ctx context.Context, k ThrottleKey) error {
	if _, err := t.tx.ExecContext(ctx, `DELETE FROM sign_in_throttles WHERE scope = $1 AND subject = $2`, k.Scope, k.Subject); err != nil {
		return fmt.Errorf("store: sign-in throttle: %w", err)
	}
	return nil
}
