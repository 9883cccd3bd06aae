package store

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"writ"
)

// Passwords are hashed with argon2id at the parameters OWASP recommends
// for it (19 MiB, 2 passes, 1 lane), and stored in the PHC string form so
// that a later change of parameters still verifies the old hashes.
const (
	argonMemory  = 19 * 1024 // KiB
	argonTime    = 2
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16
)

// Password length bounds: long enough to resist guessing once the account
// locks after failures, short enough that hashing cannot be made costly.
const (
	MinPasswordLength = 12
	maxPasswordLength = 256
)

// hashPassword returns the PHC string of an argon2id hash of password.
func hashPassword(password string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// checkPassword reports whether password matches a PHC string that
// hashPassword made. A malformed or empty hash never matches.
func checkPassword(encoded, password string) bool {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var version int
	var memory, passes uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &memory, &passes, &threads); err != nil ||
		memory == 0 || memory > 1<<20 || passes == 0 || passes > 16 || threads == 0 {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, passes, memory, threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// decoyHash is checked against when no account has the address given, so
// that a wrong address takes as long to refuse as a wrong password and the
// timing does not tell which addresses have accounts.
const decoyHash = "$argon2id$v=19$m=19456,t=2,p=1$c2lnbi1pbi1kZWNveQ$Kbz9YSw8E3VO6/LtTIdC8iAwejze5uGXsdWl1XmKOf0"

// validatePassword checks a new password.
func validatePassword(password string) error {
	n := utf8.RuneCountInString(password)
	switch {
	case !utf8.ValidString(password):
		return writ.FieldErrorf("password", "not valid text")
	case n < MinPasswordLength:
		return writ.FieldErrorf("password", "at least %d characters", MinPasswordLength)
	case len(password) > maxPasswordLength:
		return writ.FieldErrorf("password", "at most %d bytes", maxPasswordLength)
	}
	return nil
}

// SetPassword sets the password a user signs in to the web application
// with. An admin may set anyone's (writ.System() is an admin, for the
// command line); any other user only their own. EINVALID names the field
// "password" for one too short or too long; ENOTFOUND for an unknown user.
func (s *Store) SetPassword(ctx context.Context, actor writ.Actor, userID int64, password string) error {
	if actor.Role != writ.RoleAdmin && actor.UserID != userID {
		return writ.Errorf(writ.EFORBIDDEN, "only an admin may set another user's password")
	}
	if err := validatePassword(password); err != nil {
		return err
	}
	hash, err := hashPassword(password)
	if err != nil {
		return fmt.Errorf("store: password: %w", err)
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q(`UPDATE users SET password_hash = ? WHERE id = ?`), hash, userID)
		if err != nil {
			return fmt.Errorf("store: password: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("user", userID)
		}
		// Sessions signed in with the old password end with it, and so do
		// the user's API tokens: whoever held the old password may have
		// made one.
		if err := s.endAccess(ctx, tx, actor, userID, "password changed"); err != nil {
			return err
		}
		return s.appendEvent(ctx, tx, actor, nil, "user.password_set", map[string]any{"user_id": userID})
	})
}

// SetTOTP enrols a user's second factor with a base32 secret (see
// NewTOTPSecret and TOTPURI), replacing any earlier one; an empty secret
// removes it. Admins only. EINVALID names the field "secret" for one that
// is not base32 of at least 80 bits; ENOTFOUND for an unknown user.
func (s *Store) SetTOTP(ctx context.Context, actor writ.Actor, userID int64, secret string) error {
	if actor.Role != writ.RoleAdmin {
		return writ.Errorf(writ.EFORBIDDEN, "only an admin may enrol a second factor")
	}
	if secret != "" {
		key, err := decodeTOTPSecret(secret)
		if err != nil {
			return writ.FieldErrorf("secret", "%v", err)
		}
		secret = totpEncoding.EncodeToString(key)
	}
	sealed, err := s.sealSecret("users.totp_secret", secret)
	if err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q(`UPDATE users SET totp_secret = ?, totp_last_step = 0 WHERE id = ?`), sealed, userID)
		if err != nil {
			return fmt.Errorf("store: totp: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("user", userID)
		}
		kind := "user.totp_enrolled"
		if secret == "" {
			kind = "user.totp_removed"
			// Without a second factor, sessions begun with one end, and
			// its recovery codes go with it.
			if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM sessions WHERE user_id = ?`), userID); err != nil {
				return fmt.Errorf("store: totp: %w", err)
			}
			if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM recovery_codes WHERE user_id = ?`), userID); err != nil {
				return fmt.Errorf("store: totp: %w", err)
			}
		}
		return s.appendEvent(ctx, tx, actor, nil, kind, map[string]any{"user_id": userID})
	})
}

// credentials are what a user signs in with.
type credentials struct {
	user         writ.User
	passwordHash string
	totpSecret   string
	totpLastStep uint64
}

func (s *Store) credentialsByEmail(ctx context.Context, db querier, email string) (credentials, error) {
	return s.credentialsWhere(ctx, db, `email = ?`, strings.ToLower(strings.TrimSpace(email)))
}

func (s *Store) credentialsWhere(ctx context.Context, db querier, where string, arg any) (credentials, error) {
	var c credentials
	var last int64
	var err error
	c.user, err = scanUser(db.QueryRowContext(ctx, s.q(`SELECT `+userColumns+`, password_hash, totp_secret, totp_last_step FROM users WHERE `+where), arg),
		&c.passwordHash, &c.totpSecret, &last)
	if errors.Is(err, sql.ErrNoRows) {
		return c, writ.Errorf(writ.ENOTFOUND, "no such user")
	}
	if err != nil {
		return c, unavailableOr(err, "store: credentials")
	}
	c.totpLastStep = uint64(max(last, 0))
	c.totpSecret, err = s.openSecret("users.totp_secret", c.totpSecret)
	return c, err
}
