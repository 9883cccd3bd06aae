package store

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"writ"
)

// RecoveryCodes is how many recovery codes a user gets: each lets them
// sign in once without their authenticator app.
const RecoveryCodes = 10

var recoveryEncoding = base32.NewEncoding("abcdefghijkmnpqrstuvwxyz23456789").WithPadding(base32.NoPadding)

// newRecoveryCodes makes RecoveryCodes codes of 80 random bits each,
// written "xxxx-xxxx-xxxx-xxxx" in letters and digits no one confuses.
func newRecoveryCodes() ([]string, error) {
	codes := make([]string, RecoveryCodes)
	for i := range codes {
		var raw [10]byte
		if _, err := rand.Read(raw[:]); err != nil {
			return nil, err
		}
		c := recoveryEncoding.EncodeToString(raw[:])
		codes[i] = c[:4] + "-" + c[4:8] + "-" + c[8:12] + "-" + c[12:16]
	}
	return codes, nil
}

// recoveryHash is how a recovery code is kept: its SHA-256, of the code
// without dashes, spaces or capitals. 80 random bits need no stretching.
func recoveryHash(code string) string {
	code = strings.ToLower(strings.NewReplacer("-", "", " ", "").Replace(strings.TrimSpace(code)))
	sum := sha256.Sum256([]byte("writ recovery code\x00" + code))
	return hex.EncodeToString(sum[:])
}

// useRecoveryCode marks the user's unused recovery code code used and
// reports whether there was one.
func (s *Store) useRecoveryCode(ctx context.Context, tx *sql.Tx, userID int64, code string, now time.Time) (bool, error) {
	if len(strings.TrimSpace(code)) < 16 {
		return false, nil
	}
	res, err := tx.ExecContext(ctx, s.q(`UPDATE recovery_codes SET used_at = ? WHERE user_id = ? AND hash = ? AND used_at IS NULL`), now, userID, recoveryHash(code))
	if err != nil {
		return false, fmt.Errorf("store: recovery code: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// replaceRecoveryCodes gives the user a new set of recovery codes, ending
// the old ones, and returns them.
func (s *Store) replaceRecoveryCodes(ctx context.Context, tx *sql.Tx, userID int64) ([]string, error) {
	codes, err := newRecoveryCodes()
	if err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM recovery_codes WHERE user_id = ?`), userID); err != nil {
		return nil, fmt.Errorf("store: recovery codes: %w", err)
	}
	for _, c := range codes {
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO recovery_codes (user_id, hash) VALUES (?, ?)`), userID, recoveryHash(c)); err != nil {
			return nil, fmt.Errorf("store: recovery codes: %w", err)
		}
	}
	return codes, nil
}

// SecondFactor says whether a user has a TOTP second factor and how many
// unused recovery codes.
type SecondFactor struct {
	Enrolled      bool
	RecoveryCodes int
}

// SecondFactorOf returns the second factor of the session's user.
func (s *Store) SecondFactorOf(ctx context.Context, userID int64) (SecondFactor, error) {
	var f SecondFactor
	err := s.read.QueryRowContext(ctx, s.q(`SELECT u.totp_secret <> '', (SELECT count(*) FROM recovery_codes r WHERE r.user_id = u.id AND r.used_at IS NULL)
		FROM users u WHERE u.id = ?`), userID).Scan(&f.Enrolled, &f.RecoveryCodes)
	if errors.Is(err, sql.ErrNoRows) {
		return f, notFound("user", userID)
	}
	if err != nil {
		return f, unavailableOr(err, "store: second factor")
	}
	return f, nil
}

// sessionForEnrolment reads and locks the session of token, which must be
// signed in or waiting for its second factor.
func (s *Store) sessionForEnrolment(ctx context.Context, tx *sql.Tx, token string, now time.Time) (userID int64, stage, pending string, err error) {
	var expires time.Time
	err = tx.QueryRowContext(ctx, s.q(`SELECT user_id, stage, pending_totp, expires_at FROM sessions WHERE hash = ?`+s.forUpdate()), hashToken(token)).
		Scan(&userID, &stage, &pending, &expires)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !now.Before(expires)) {
		return 0, "", "", writ.Errorf(writ.EUNAUTHORIZED, "the sign-in has expired: give your e-mail address and password again")
	}
	if err != nil {
		return 0, "", "", unavailableOr(err, "store: enrolment")
	}
	pending, err = s.openSecret("sessions.pending_totp", pending)
	return userID, stage, pending, err
}

// PendingTOTP returns the TOTP secret the session of token is enrolling,
// making one the first time: shown to the user to add to an authenticator
// app, and kept (sealed) with the session until EnrolTOTP confirms it.
// EUNAUTHORIZED for no session.
func (s *Store) PendingTOTP(ctx context.Context, token string) (string, error) {
	var secret string
	err := s.tx(ctx, func(tx *sql.Tx) error {
		_, _, pending, err := s.sessionForEnrolment(ctx, tx, token, s.nowUTC())
		if err != nil || pending != "" {
			secret = pending
			return err
		}
		if secret, err = NewTOTPSecret(); err != nil {
			return err
		}
		sealed, err := s.sealSecret("sessions.pending_totp", secret)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, s.q(`UPDATE sessions SET pending_totp = ? WHERE hash = ?`), sealed, hashToken(token))
		return err
	})
	return secret, err
}

// EnrolTOTP makes the secret PendingTOTP gave the session of token its
// user's second factor once code, from the authenticator app, shows the
// app has it; the user gets new recovery codes (returned, shown once). A
// session that was waiting for its second factor is replaced by a
// signed-in one (returned; otherwise SignIn is empty). Replacing a second
// factor the user already has takes proof: a code of the old one or a
// recovery code. EUNAUTHORIZED for a wrong code or proof; ECONFLICT when
// nothing is being enrolled; EFORBIDDEN for a user who has a second factor
// and is not yet signed in with it.
func (s *Store) EnrolTOTP(ctx context.Context, token, code, proof, from string) (SignIn, []string, error) {
	from = normaliseAddress(from)
	var out SignIn
	var codes []string
	var refusal error
	err := s.tx(ctx, func(tx *sql.Tx) error {
		now := s.nowUTC()
		userID, stage, pending, err := s.sessionForEnrolment(ctx, tx, token, now)
		if err != nil {
			return err
		}
		if pending == "" {
			return writ.Errorf(writ.ECONFLICT, "no authenticator is being set up: start again")
		}
		c, err := s.credentialsWhere(ctx, tx, `id = ?`+s.forUpdate(), userID)
		if err != nil {
			return err
		}
		if c.totpSecret != "" {
			if stage != StageSignedIn {
				return writ.Errorf(writ.EFORBIDDEN, "give the code of your authenticator app to sign in first")
			}
			old, err := decodeTOTPSecret(c.totpSecret)
			if err != nil {
				return err
			}
			if step := matchTOTP(old, proof, now, c.totpLastStep); step == 0 {
				if used, err := s.useRecoveryCode(ctx, tx, c.user.ID, proof, now); err != nil || !used {
					refusal = writ.FieldErrorf("current_code", "give a code of your current authenticator app, or a recovery code, to replace it")
					return err
				}
			}
		}
		key, err := decodeTOTPSecret(pending)
		if err != nil {
			return err
		}
		step := matchTOTP(key, code, now, 0)
		if step == 0 {
			refusal = writ.FieldErrorf("code", "the code does not match: add the key to your authenticator app and enter the 6-digit code it shows now")
			return nil
		}
		sealed, err := s.sealSecret("users.totp_secret", pending)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE users SET totp_secret = ?, totp_last_step = ? WHERE id = ?`), sealed, int64(step), c.user.ID); err != nil {
			return fmt.Errorf("store: enrolment: %w", err)
		}
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE sessions SET pending_totp = '' WHERE hash = ?`), hashToken(token)); err != nil {
			return fmt.Errorf("store: enrolment: %w", err)
		}
		if codes, err = s.replaceRecoveryCodes(ctx, tx, c.user.ID); err != nil {
			return err
		}
		if err := s.appendEvent(ctx, tx, writ.ActorOf(c.user), nil, "user.totp_enrolled", map[string]any{"user_id": c.user.ID, "by": "self"}); err != nil {
			return err
		}
		if stage == StageSignedIn {
			return nil
		}
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM sessions WHERE hash = ?`), hashToken(token)); err != nil {
			return fmt.Errorf("store: enrolment: %w", err)
		}
		if err := s.forgetAccount(ctx, tx, c.user.Email); err != nil {
			return err
		}
		if out, err = s.startSession(ctx, tx, c.user, StageSignedIn, now); err != nil {
			return err
		}
		return s.signedIn(ctx, tx, c.user, "password+totp_enrolment", from)
	})
	if err != nil || refusal != nil {
		return SignIn{}, nil, cmp.Or(err, refusal)
	}
	return out, codes, nil
}

// NewRecoveryCodes gives the signed-in user of token a new set of recovery
// codes, ending the old ones, once code shows their authenticator app.
// EUNAUTHORIZED for a wrong code; ECONFLICT without a second factor.
func (s *Store) NewRecoveryCodes(ctx context.Context, token, code string) ([]string, error) {
	var codes []string
	var refusal error
	err := s.tx(ctx, func(tx *sql.Tx) error {
		now := s.nowUTC()
		userID, stage, _, err := s.sessionForEnrolment(ctx, tx, token, now)
		if err != nil {
			return err
		}
		if stage != StageSignedIn {
			return writ.Errorf(writ.EUNAUTHORIZED, "sign in first")
		}
		c, err := s.credentialsWhere(ctx, tx, `id = ?`+s.forUpdate(), userID)
		if err != nil {
			return err
		}
		if c.totpSecret == "" {
			return writ.Errorf(writ.ECONFLICT, "set up an authenticator app first")
		}
		key, err := decodeTOTPSecret(c.totpSecret)
		if err != nil {
			return err
		}
		step := matchTOTP(key, code, now, c.totpLastStep)
		if step == 0 {
			refusal = writ.FieldErrorf("code", "wrong or already used code: enter the 6-digit code your authenticator app shows now")
			return nil
		}
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE users SET totp_last_step = ? WHERE id = ?`), int64(step), userID); err != nil {
			return fmt.Errorf("store: recovery codes: %w", err)
		}
		if codes, err = s.replaceRecoveryCodes(ctx, tx, userID); err != nil {
			return err
		}
		return s.appendEvent(ctx, tx, writ.ActorOf(c.user), nil, "user.recovery_codes_replaced", map[string]any{"user_id": userID})
	})
	if err != nil || refusal != nil {
		return nil, cmp.Or(err, refusal)
	}
	return codes, nil
}
