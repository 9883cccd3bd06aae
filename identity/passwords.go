package identity

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"writ"
	"writ/store"
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
func (s *Service) SetPassword(ctx context.Context, actor writ.Actor, userID int64, password string) error {
	if actor.Role != writ.RoleAdmin && actor.UserID != userID {
		return writ.Errorf(writ.EFORBIDDEN, "only an admin may set another user's password")
	}
	if err := validatePassword(password); err != nil {
		return err
	}
	hash, err := hashPassword(password)
	if err != nil {
		return fmt.Errorf("identity: password: %w", err)
	}
	return s.records.Update(ctx, func(tx *store.Tx) error {
		if err := tx.SetPasswordHash(ctx, userID, hash); err != nil {
			return err
		}
		// Sessions signed in with the old password end with it, and so do
		// the user's API tokens: whoever held the old password may have
		// made one.
		if err := s.endAccess(ctx, tx, actor, userID, "password changed"); err != nil {
			return err
		}
		return tx.AppendEvent(ctx, actor, "user.password_set", map[string]any{"user_id": userID})
	})
}

// SetTOTP enrols a user's second factor with a base32 secret (see
// NewTOTPSecret and TOTPURI), replacing any earlier one; an empty secret
// removes it. Admins only. EINVALID names the field "secret" for one that
// is not base32 of at least 80 bits; ENOTFOUND for an unknown user.
func (s *Service) SetTOTP(ctx context.Context, actor writ.Actor, userID int64, secret string) error {
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
	return s.records.Update(ctx, func(tx *store.Tx) error {
		if err := tx.SetTOTP(ctx, userID, secret, 0); err != nil {
			return err
		}
		kind := "user.totp_enrolled"
		if secret == "" {
			kind = "user.totp_removed"
			// Without a second factor, sessions begun with one end, and
			// its recovery codes go with it.
			if err := tx.DeleteSessionsOf(ctx, userID); err != nil {
				return err
			}
			if err := tx.DeleteRecoveryCodes(ctx, userID); err != nil {
				return err
			}
		}
		return tx.AppendEvent(ctx, actor, kind, map[string]any{"user_id": userID})
	})
}
