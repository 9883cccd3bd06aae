package identity

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"strings"
	"time"

	"writ"
	"writ/store"
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
func useRecoveryCode(ctx context.Context, tx *store.Tx, userID int64, code string, now time.Time) (bool, error) {
	if len(strings.TrimSpace(code)) < 16 {
		return false, nil
	}
	return tx.UseRecoveryCode(ctx, userID, recoveryHash(code), now)
}

// replaceRecoveryCodes gives the user a new set of recovery codes, ending
// the old ones, and returns them.
func replaceRecoveryCodes(ctx context.Context, tx *store.Tx, userID int64) ([]string, error) {
	codes, err := newRecoveryCodes()
	if err != nil {
		return nil, err
	}
	hashes := make([]string, len(codes))
	for i, c := range codes {
		hashes[i] = recoveryHash(c)
	}
	if err := tx.ReplaceRecoveryCodes(ctx, userID, hashes); err != nil {
		return nil, err
	}
	return codes, nil
}

// sessionForEnrolment reads and locks the session of token, which must be
// signed in or waiting for its second factor.
func sessionForEnrolment(ctx context.Context, tx *store.Tx, token string, now time.Time) (store.SessionRecord, error) {
	sess, err := tx.LockSession(ctx, hashToken(token))
	if writ.ErrorCode(err) == writ.ENOTFOUND || (err == nil && !now.Before(sess.ExpiresAt)) {
		return store.SessionRecord{}, writ.Errorf(writ.EUNAUTHORIZED, "the sign-in has expired: give your e-mail address and password again")
	}
	return sess, err
}

// PendingTOTP returns the TOTP secret the session of token is enrolling,
// making one the first time: shown to the user to add to an authenticator
// app, and kept (sealed) with the session until EnrolTOTP confirms it.
// EUNAUTHORIZED for no session.
func (s *Service) PendingTOTP(ctx context.Context, token string) (string, error) {
	var secret string
	err := s.records.Update(ctx, func(tx *store.Tx) error {
		sess, err := sessionForEnrolment(ctx, tx, token, s.now())
		if err != nil || sess.PendingTOTP != "" {
			secret = sess.PendingTOTP
			return err
		}
		if secret, err = NewTOTPSecret(); err != nil {
			return err
		}
		return tx.SetPendingTOTP(ctx, hashToken(token), secret)
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
func (s *Service) EnrolTOTP(ctx context.Context, token, code, proof, from string) (SignIn, []string, error) {
	from = normaliseAddress(from)
	var out SignIn
	var codes []string
	var refusal error
	err := s.records.Update(ctx, func(tx *store.Tx) error {
		now := s.now()
		sess, err := sessionForEnrolment(ctx, tx, token, now)
		if err != nil {
			return err
		}
		if sess.PendingTOTP == "" {
			return writ.Errorf(writ.ECONFLICT, "no authenticator is being set up: start again")
		}
		c, err := tx.LockCredentials(ctx, sess.UserID)
		if err != nil {
			return err
		}
		if c.TOTPSecret != "" {
			if sess.Stage != StageSignedIn {
				return writ.Errorf(writ.EFORBIDDEN, "give the code of your authenticator app to sign in first")
			}
			old, err := decodeTOTPSecret(c.TOTPSecret)
			if err != nil {
				return err
			}
			if step := matchTOTP(old, proof, now, c.TOTPLastStep); step == 0 {
				if used, err := useRecoveryCode(ctx, tx, c.User.ID, proof, now); err != nil || !used {
					refusal = writ.FieldErrorf("current_code", "give a code of your current authenticator app, or a recovery code, to replace it")
					return err
				}
			}
		}
		key, err := decodeTOTPSecret(sess.PendingTOTP)
		if err != nil {
			return err
		}
		step := matchTOTP(key, code, now, 0)
		if step == 0 {
			refusal = writ.FieldErrorf("code", "the code does not match: add the key to your authenticator app and enter the 6-digit code it shows now")
			return nil
		}
		if err := tx.SetTOTP(ctx, c.User.ID, sess.PendingTOTP, step); err != nil {
			return err
		}
		if err := tx.SetPendingTOTP(ctx, hashToken(token), ""); err != nil {
			return err
		}
		if codes, err = replaceRecoveryCodes(ctx, tx, c.User.ID); err != nil {
			return err
		}
		if err := tx.AppendEvent(ctx, writ.ActorOf(c.User), "user.totp_enrolled", map[string]any{"user_id": c.User.ID, "by": "self"}); err != nil {
			return err
		}
		if sess.Stage == StageSignedIn {
			return nil
		}
		if err := tx.DeleteSession(ctx, hashToken(token)); err != nil {
			return err
		}
		if err := forgetAccount(ctx, tx, c.User.Email); err != nil {
			return err
		}
		if out, err = startSession(ctx, tx, c.User, StageSignedIn, now); err != nil {
			return err
		}
		return signedIn(ctx, tx, c.User, "password+totp_enrolment", from)
	})
	if err != nil || refusal != nil {
		return SignIn{}, nil, cmp.Or(err, refusal)
	}
	return out, codes, nil
}

// NewRecoveryCodes gives the signed-in user of token a new set of recovery
// codes, ending the old ones, once code shows their authenticator app.
// EUNAUTHORIZED for a wrong code; ECONFLICT without a second factor.
func (s *Service) NewRecoveryCodes(ctx context.Context, token, code string) ([]string, error) {
	var codes []string
	var refusal error
	err := s.records.Update(ctx, func(tx *store.Tx) error {
		now := s.now()
		sess, err := sessionForEnrolment(ctx, tx, token, now)
		if err != nil {
			return err
		}
		if sess.Stage != StageSignedIn {
			return writ.Errorf(writ.EUNAUTHORIZED, "sign in first")
		}
		c, err := tx.LockCredentials(ctx, sess.UserID)
		if err != nil {
			return err
		}
		if c.TOTPSecret == "" {
			return writ.Errorf(writ.ECONFLICT, "set up an authenticator app first")
		}
		key, err := decodeTOTPSecret(c.TOTPSecret)
		if err != nil {
			return err
		}
		step := matchTOTP(key, code, now, c.TOTPLastStep)
		if step == 0 {
			refusal = writ.FieldErrorf("code", "wrong or already used code: enter the 6-digit code your authenticator app shows now")
			return nil
		}
		if err := tx.SetTOTPLastStep(ctx, sess.UserID, step); err != nil {
			return err
		}
		if codes, err = replaceRecoveryCodes(ctx, tx, sess.UserID); err != nil {
			return err
		}
		return tx.AppendEvent(ctx, writ.ActorOf(c.User), "user.recovery_codes_replaced", map[string]any{"user_id": sess.UserID})
	})
	if err != nil || refusal != nil {
		return nil, cmp.Or(err, refusal)
	}
	return codes, nil
}
