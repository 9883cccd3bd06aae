package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// UseRecoveryCode marks the user's unused recovery code with the hash hash
// used at now, and reports whether there was one.
func (t *Tx) UseRecoveryCode(ctx context.Context, userID int64, hash string, now time.Time) (bool, error) {
	res, err := t.tx.ExecContext(ctx, `UPDATE recovery_codes SET used_at = $1 WHERE user_id = $2 AND hash = $3 AND used_at IS NULL`, now, userID, hash)
	if err != nil {
		return false, fmt.Errorf("store: recovery code: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// ReplaceRecoveryCodes ends a user's recovery codes and keeps the hashes of
// new ones.
func (t *Tx) ReplaceRecoveryCodes(ctx context.Context, userID int64, hashes []string) error {
	if err := t.DeleteRecoveryCodes(ctx, userID); err != nil {
		return err
	}
	for _, h := range hashes {
		if _, err := t.tx.ExecContext(ctx, `INSERT INTO recovery_codes (user_id, hash) VALUES ($1, $2)`, userID, h); err != nil {
			return fmt.Errorf("store: recovery codes: %w", err)
		}
	}
	return nil
}

// DeleteRecoveryCodes ends a user's recovery codes.
func (t *Tx) DeleteRecoveryCodes(ctx context.Context, userID int64) error {
	if _, err := t.tx.ExecContext(ctx, `DELETE FROM recovery_codes WHERE user_id = $1`, userID); err != nil {
		return fmt.Errorf("store: recovery codes: %w", err)
	}
	return nil
}

// SecondFactor says whether a user has a TOTP second factor and how many
// unused recovery codes.
type SecondFactor struct {
	Enrolled      bool
	RecoveryCodes int
}

// SecondFactorOf returns the second factor of a user, or ENOTFOUND.
func (s *Store) SecondFactorOf(ctx context.Context, userID int64) (SecondFactor, error) {
	var f SecondFactor
	err := s.read.QueryRowContext(ctx, `SELECT u.totp_secret <> '', (SELECT count(*) FROM recovery_codes r WHERE r.user_id = u.id AND r.used_at IS NULL)
		FROM users u WHERE u.id = $1`, userID).Scan(&f.Enrolled, &f.RecoveryCodes)
	if errors.Is(err, sql.ErrNoRows) {
		return f, notFound("user", userID)
	}
	if err != nil {
		return f, unavailableOr(err, "store: second factor")
	}
	return f, nil
}
