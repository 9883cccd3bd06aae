package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"writ"
)

// Credentials are what a user signs in with, as stored: the password's
// hash, the TOTP secret (opened; "" when none) and the time step of the
// last TOTP code accepted.
type Credentials struct {
	User         writ.User
	PasswordHash string
	TOTPSecret   string
	TOTPLastStep uint64
}

// CredentialsByEmail returns the credentials of the user with the e-mail
// address email, or ENOTFOUND.
func (t *Tx) CredentialsByEmail(ctx context.Context, email string) (Credentials, error) {
	return t.credentialsWhere(ctx, `email = $1`, strings.ToLower(strings.TrimSpace(email)))
}

// LockCredentials returns a user's credentials and holds their row until
// the transaction ends, or ENOTFOUND.
func (t *Tx) LockCredentials(ctx context.Context, userID int64) (Credentials, error) {
	return t.credentialsWhere(ctx, `id = $1`+t.s.forUpdate(), userID)
}

func (t *Tx) credentialsWhere(ctx context.Context, where string, arg any) (Credentials, error) {
	var c Credentials
	var last int64
	var err error
	c.User, err = scanUser(t.tx.QueryRowContext(ctx, `SELECT `+userColumns+`, password_hash, totp_secret, totp_last_step FROM users WHERE `+where, arg),
		&c.PasswordHash, &c.TOTPSecret, &last)
	if errors.Is(err, sql.ErrNoRows) {
		return c, writ.Errorf(writ.ENOTFOUND, "no such user")
	}
	if err != nil {
		return c, unavailableOr(err, "store: credentials")
	}
	c.TOTPLastStep = uint64(max(last, 0))
	c.TOTPSecret, err = t.s.openSecret("users.totp_secret", c.TOTPSecret)
	return c, err
}

// SetPasswordHash keeps a user's new password hash, or ENOTFOUND.
func (t *Tx) SetPasswordHash(ctx context.Context, userID int64, hash string) error {
	res, err := t.tx.ExecContext(ctx, `UPDATE users SET password_hash = $1 WHERE id = $2`, hash, userID)
	if err != nil {
		return fmt.Errorf("store: password: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("user", userID)
	}
	return nil
}

// SetTOTP keeps a user's TOTP secret, sealed ("" for none), with the time
// step of the last code accepted; ENOTFOUND for an unknown user.
func (t *Tx) SetTOTP(ctx context.Context, userID int64, secret string, lastStep uint64) error {
	sealed, err := t.s.sealSecret("users.totp_secret", secret)
	if err != nil {
		return err
	}
	res, err := t.tx.ExecContext(ctx, `UPDATE users SET totp_secret = $1, totp_last_step = $2 WHERE id = $3`, sealed, int64(lastStep), userID)
	if err != nil {
		return fmt.Errorf("store: totp: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("user", userID)
	}
	return nil
}

// SetTOTPLastStep keeps the time step of the last TOTP code a user gave,
// so that no code is accepted twice.
func (t *Tx) SetTOTPLastStep(ctx context.Context, userID int64, step uint64) error {
	if _, err := t.tx.ExecContext(ctx, `UPDATE users SET totp_last_step = $1 WHERE id = $2`, int64(step), userID); err != nil {
		return fmt.Errorf("store: totp: %w", err)
	}
	return nil
}
