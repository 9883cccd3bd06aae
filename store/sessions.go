package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"writ"
)

// SessionRecord is a web session as stored, under the hash of its token.
type SessionRecord struct {
	UserID int64
	Stage  string
	CSRF   string
	// PendingTOTP is the TOTP secret the session is enrolling (opened;
	// "" when none).
	PendingTOTP                  string
	CreatedAt, SeenAt, ExpiresAt time.Time
}

const sessionColumns = `user_id, stage, csrf, pending_totp, created_at, seen_at, expires_at`

func (s *Store) scanSession(row *sql.Row) (SessionRecord, error) {
	var r SessionRecord
	err := row.Scan(&r.UserID, &r.Stage, &r.CSRF, &r.PendingTOTP, &r.CreatedAt, &r.SeenAt, &r.ExpiresAt)
	if errors.Is(err, sql.ErrNoRows) {
		return r, writ.Errorf(writ.ENOTFOUND, "no such session")
	}
	if err != nil {
		return r, unavailableOr(err, "store: session")
	}
	r.CreatedAt, r.SeenAt, r.ExpiresAt = r.CreatedAt.UTC(), r.SeenAt.UTC(), r.ExpiresAt.UTC()
	r.PendingTOTP, err = s.openSecret("sessions.pending_totp", r.PendingTOTP)
	return r, err
}

// Session returns the session whose token has the hash hash, or
// ENOTFOUND.
func (s *Store) Session(ctx context.Context, hash string) (SessionRecord, error) {
	return s.scanSession(s.read.QueryRowContext(ctx, `SELECT `+sessionColumns+` FROM sessions WHERE hash = $1`, hash))
}

// LockSession returns the session whose token has the hash hash and holds
// its row until the transaction ends, or ENOTFOUND.
func (t *Tx) LockSession(ctx context.Context, hash string) (SessionRecord, error) {
	return t.s.scanSession(t.tx.QueryRowContext(ctx, `SELECT `+sessionColumns+` FROM sessions WHERE hash = $1`+t.s.forUpdate(), hash))
}

// InsertSession keeps a new session under the hash of its token.
func (t *Tx) InsertSession(ctx context.Context, hash string, r SessionRecord) error {
	if _, err := t.tx.ExecContext(ctx, `INSERT INTO sessions (hash, user_id, stage, csrf, created_at, seen_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		hash, r.UserID, r.Stage, r.CSRF, r.CreatedAt, r.SeenAt, r.ExpiresAt); err != nil {
		return fmt.Errorf("store: session: %w", err)
	}
	return nil
}

// SetPendingTOTP keeps, sealed, the TOTP secret a session is enrolling
// ("" for none).
func (t *Tx) SetPendingTOTP(ctx context.Context, hash, secret string) error {
	sealed, err := t.s.sealSecret("sessions.pending_totp", secret)
	if err != nil {
		return err
	}
	if _, err := t.tx.ExecContext(ctx, `UPDATE sessions SET pending_totp = $1 WHERE hash = $2`, sealed, hash); err != nil {
		return fmt.Errorf("store: session: %w", err)
	}
	return nil
}

// TouchSession notes a request of a session at now.
func (t *Tx) TouchSession(ctx context.Context, hash string, now time.Time) error {
	if _, err := t.tx.ExecContext(ctx, `UPDATE sessions SET seen_at = $1 WHERE hash = $2`, now, hash); err != nil {
		return unavailableOr(err, "store: session")
	}
	return nil
}

// DeleteSession ends a session; ending one that has ended is no error.
func (t *Tx) DeleteSession(ctx context.Context, hash string) error {
	if _, err := t.tx.ExecContext(ctx, `DELETE FROM sessions WHERE hash = $1`, hash); err != nil {
		return unavailableOr(err, "store: session")
	}
	return nil
}

// DeleteSessionsOf ends every session of a user.
func (t *Tx) DeleteSessionsOf(ctx context.Context, userID int64) error {
	if _, err := t.tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, userID); err != nil {
		return fmt.Errorf("store: sessions: %w", err)
	}
	return nil
}

// DeleteExpiredSessions drops the sessions that expired before now.
func (t *Tx) DeleteExpiredSessions(ctx context.Context, now time.Time) error {
	if _, err := t.tx.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at < $1`, now); err != nil {
		return fmt.Errorf("store: sessions: %w", err)
	}
	return nil
}
