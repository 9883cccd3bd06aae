package identity

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"time"

	"writ"
	"writ/store"
)

// Session policy. A session ends after IdleTimeout without a request and
// after AbsoluteTimeout whatever happens; the step between the password and
// the second factor lasts SecondFactorTimeout. Failed sign-ins slow further
// attempts down (AccountThrottle, AddressThrottle).
const (
	IdleTimeout         = 30 * time.Minute
	AbsoluteTimeout     = 12 * time.Hour
	SecondFactorTimeout = 5 * time.Minute
	// seenGranularity bounds how often a session's last request is
	// written: once a minute is enough for a 30-minute idle timeout and
	// spares the one SQLite writer a write per page view.
	seenGranularity = time.Minute
)

// The stages of a session.
const (
	StageSecondFactor = "second_factor"
	StageSignedIn     = "signed_in"
)

// NeedsSecondFactor reports whether users of role must give a TOTP code
// after their password: the legal team and auditors, who see every demand,
// and agency users, who see their agency's. One who has none enrols it
// before reaching anything. Customer users give one if they enrolled one.
func NeedsSecondFactor(role writ.Role) bool { return role.SeesAll() || role == writ.RoleAgency }

// Session is a signed-in (or half signed-in) browser.
type Session struct {
	User  writ.User
	Stage string
	// CSRF is the synchronizer token every form of the session carries.
	CSRF      string
	CreatedAt time.Time
	ExpiresAt time.Time
	// HasSecondFactor says, of a session waiting for its second factor,
	// whether the user has one enrolled to give, or must enrol one first.
	HasSecondFactor bool
}

// Actor is the session's user as the actor of service methods.
func (s Session) Actor() writ.Actor { return writ.ActorOf(s.User) }

// SignIn is the outcome of a sign-in step: the new session's token (for
// the cookie; writ keeps only its hash) and the session.
type SignIn struct {
	Token   string
	Session Session
}

// randomToken returns 256 random bits, URL-safe.
func randomToken() (string, error) {
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(raw[:]), nil
}

// errBadCredentials is the one answer to a wrong address or password, so
// that it does not tell which was wrong.
func errBadCredentials() error {
	return writ.Errorf(writ.EUNAUTHORIZED, "wrong e-mail address or password")
}

// PasswordSignIn checks an e-mail address and password. On success it
// starts a session: signed in, or waiting for the second factor when the
// user's role needs one or the user enrolled one (a user who must have one
// and has none enrols it in that step). from is the client's address.
//
// An attempt is first held to the throttles of the account and of the
// address: one that must wait is refused at once, without a write or a
// hash. One that may go on waits a moment for one of the hashing slots
// (hashSlots), and is refused, unchecked and uncharged, when none frees:
// a flood of sign-ins takes at most those processors, never the ones the
// other requests need. With its slot it is counted as a failure in a short
// transaction that holds the account's throttle row — so that attempts on
// one account take their turns on both databases and no more are checked
// than allowed — then the password is checked outside any transaction by
// the Service's PasswordChecker (under writ serve in a process of its
// own; against a decoy hash for an address that is no account's, so that
// both take the same time), and the outcome is
// recorded: a failure as an event in the audit log with writ's own words
// (the account, or a digest of an address that is none; the client's
// address; a reason), a right password by taking the charge back; the
// account's count is cleared once the sign-in is complete. A check that
// gives no verdict (its process died) leaves the charge and records
// nothing.
//
// EUNAUTHORIZED for a wrong address or password (the same message for
// both) and for an agency user not yet confirmed; ETOOMANY while a
// throttle holds; EUNAVAILABLE when every hashing slot stayed taken or the
// check gave no verdict. RetryAfter tells the client of the last two when
// to try again.
func (s *Service) PasswordSignIn(ctx context.Context, email, password, from string) (SignIn, error) {
	email, from = normaliseEmail(email), normaliseAddress(from)
	keys := signInKeys(email, from)
	states, err := s.records.ThrottleStates(ctx, keys)
	if err != nil {
		return SignIn{}, err
	}
	if wait, k := throttled(states, s.now()); wait > 0 {
		return SignIn{}, throttledError(k, wait)
	}
	release, err := s.hashTurn(ctx)
	if err != nil {
		return SignIn{}, err
	}
	c, found, err := s.chargeAttempt(ctx, keys, email)
	ok := false
	if err == nil {
		hash := c.PasswordHash
		if !found || hash == "" {
			hash = decoyHash
		}
		ok, err = s.passwords.CheckPassword(ctx, hash, password)
		ok = ok && err == nil && found && c.PasswordHash != ""
	}
	release()
	if err != nil {
		return SignIn{}, err
	}
	return s.settleAttempt(ctx, keys, email, from, c, found, ok)
}

// chargeAttempt counts an attempt on email as a failure against keys, in a
// transaction of its own, and reads the account's credentials (found is
// false for an address that is no account's). A throttle that holds by
// now refuses the attempt uncharged.
func (s *Service) chargeAttempt(ctx context.Context, keys []store.ThrottleKey, email string) (c store.Credentials, found bool, err error) {
	var refused error
	err = s.records.Update(ctx, func(tx *store.Tx) error {
		now := s.now()
		states, err := tx.LockThrottles(ctx, keys)
		if err != nil {
			return err
		}
		if wait, k := throttled(states, now); wait > 0 {
			refused = throttledError(k, wait)
			return nil
		}
		if err := chargeFailure(ctx, tx, states, now); err != nil {
			return err
		}
		c, err = tx.CredentialsByEmail(ctx, email)
		found = err == nil
		if err != nil && writ.ErrorCode(err) != writ.ENOTFOUND {
			return err
		}
		return nil
	})
	return c, found, cmp.Or(err, refused)
}

// settleAttempt records the outcome of a checked password (ok says whether
// it was right): a failure in the audit log, or the charge taken back and
// a session started.
//
// Long because: every way a right password can still be refused (a
// deactivated account, an agency user not yet confirmed) settles the
// charge and is recorded, and reads best in one place.
func (s *Service) settleAttempt(ctx context.Context, keys []store.ThrottleKey, email, from string, c store.Credentials, found, ok bool) (SignIn, error) {
	var out SignIn
	var refusal error
	err := s.records.Update(ctx, func(tx *store.Tx) error {
		now := s.now()
		if err := tx.DeleteExpiredSessions(ctx, now); err != nil {
			return err
		}
		if !ok {
			refusal = errBadCredentials()
			var u *writ.User
			if found {
				u = &c.User
			}
			return signInFailed(ctx, tx, email, u, "password", from)
		}
		if err := uncharge(ctx, tx, keys, now); err != nil {
			return err
		}
		if c.User.DeactivatedAt != nil {
			refusal = writ.Errorf(writ.EUNAUTHORIZED, "this account was deactivated")
			return signInFailed(ctx, tx, email, &c.User, "deactivated", from)
		}
		if !c.User.Active {
			refusal = writ.Errorf(writ.EUNAUTHORIZED, "this account waits for the provider's legal team to confirm it with your agency")
			return signInFailed(ctx, tx, email, &c.User, "not_confirmed", from)
		}
		stage := StageSignedIn
		if NeedsSecondFactor(c.User.Role) || c.TOTPSecret != "" {
			stage = StageSecondFactor
		}
		var err error
		out, err = startSession(ctx, tx, c.User, stage, now)
		if err != nil {
			return err
		}
		out.Session.HasSecondFactor = c.TOTPSecret != ""
		if stage == StageSignedIn {
			if err := forgetAccount(ctx, tx, c.User.Email); err != nil {
				return err
			}
			return signedIn(ctx, tx, c.User, "password", from)
		}
		return nil
	})
	if err != nil || refusal != nil {
		return SignIn{}, cmp.Or(err, refusal)
	}
	return out, nil
}

// SecondFactorSignIn completes a sign-in that waits for its second factor:
// a TOTP code, or one of the user's recovery codes. The session of token
// (in stage StageSecondFactor) is replaced by a new, signed-in one, so a
// token seen before the second factor is worth nothing after it. A code is
// accepted once. A wrong code counts against the same throttles as a wrong
// password; all of it is one short transaction (a code is cheap to check).
// EUNAUTHORIZED for a wrong code or a session that is not waiting for one
// (or waited too long); ECONFLICT when the user has no second factor yet
// (EnrolTOTP is the step then); ETOOMANY while a throttle holds, and the
// half-finished sign-in ends. Every attempt is an event in the audit log.
func (s *Service) SecondFactorSignIn(ctx context.Context, token, code, from string) (SignIn, error) {
	from = normaliseAddress(from)
	var out SignIn
	var refusal error
	err := s.records.Update(ctx, func(tx *store.Tx) error {
		now := s.now()
		sess, err := tx.LockSession(ctx, hashToken(token))
		if writ.ErrorCode(err) == writ.ENOTFOUND || (err == nil && (sess.Stage != StageSecondFactor || !now.Before(sess.ExpiresAt))) {
			refusal = writ.Errorf(writ.EUNAUTHORIZED, "the sign-in has expired: give your e-mail address and password again")
			return nil
		}
		if err != nil {
			return err
		}
		c, err := tx.LockCredentials(ctx, sess.UserID)
		if err != nil {
			return err
		}
		if c.TOTPSecret == "" {
			refusal = writ.Errorf(writ.ECONFLICT, "set up your authenticator app first")
			return nil
		}
		keys := signInKeys(c.User.Email, from)
		states, err := tx.LockThrottles(ctx, keys)
		if err != nil {
			return err
		}
		if wait, k := throttled(states, now); wait > 0 {
			refusal = throttledError(k, wait)
			return tx.DeleteSession(ctx, hashToken(token))
		}
		key, err := decodeTOTPSecret(c.TOTPSecret)
		if err != nil {
			return fmt.Errorf("identity: sign-in: user %d: %w", c.User.ID, err)
		}
		method := "password+totp"
		if step := matchTOTP(key, code, now, c.TOTPLastStep); step != 0 {
			if err := tx.SetTOTPLastStep(ctx, c.User.ID, step); err != nil {
				return err
			}
		} else if used, err := useRecoveryCode(ctx, tx, c.User.ID, code, now); err != nil {
			return err
		} else if used {
			method = "password+recovery_code"
		} else {
			refusal = writ.Errorf(writ.EUNAUTHORIZED, "wrong or already used code: enter the 6-digit code your authenticator app shows now, or one of your recovery codes")
			if err := chargeFailure(ctx, tx, states, now); err != nil {
				return err
			}
			return signInFailed(ctx, tx, c.User.Email, &c.User, "second_factor", from)
		}
		if err := forgetAccount(ctx, tx, c.User.Email); err != nil {
			return err
		}
		if err := tx.DeleteSession(ctx, hashToken(token)); err != nil {
			return err
		}
		if out, err = startSession(ctx, tx, c.User, StageSignedIn, now); err != nil {
			return err
		}
		return signedIn(ctx, tx, c.User, method, from)
	})
	if err != nil || refusal != nil {
		return SignIn{}, cmp.Or(err, refusal)
	}
	return out, nil
}

// signInFailed records a failed attempt in the audit log in writ's own
// words: the account's address as stored, or for an address that is no
// account's only a digest of it; the client's parsed address; a reason
// from a fixed list. A stranger's text never reaches the log.
func signInFailed(ctx context.Context, tx *store.Tx, email string, u *writ.User, reason, from string) error {
	data := map[string]any{"reason": reason, "from": from}
	actor := writ.Actor{Name: "unknown account"}
	if u != nil {
		data["user_id"] = u.ID
		actor.Name = u.Email
	} else {
		data["account_sha256"] = accountDigest(email)
	}
	// Nobody is signed in: the actor names the account that was tried.
	// The answer names no log index, so it does not wait for one.
	return tx.AppendEventUnawaited(ctx, actor, "signin.failed", data)
}

// signedIn records a successful sign-in.
func signedIn(ctx context.Context, tx *store.Tx, u writ.User, method, from string) error {
	return tx.AppendEvent(ctx, writ.ActorOf(u), "signin.succeeded", map[string]any{"user_id": u.ID, "method": method, "from": from})
}

// startSession stores a new session of u and returns its token.
func startSession(ctx context.Context, tx *store.Tx, u writ.User, stage string, now time.Time) (SignIn, error) {
	token, err := randomToken()
	if err != nil {
		return SignIn{}, err
	}
	csrf, err := randomToken()
	if err != nil {
		return SignIn{}, err
	}
	life := AbsoluteTimeout
	if stage == StageSecondFactor {
		life = SecondFactorTimeout
	}
	sess := Session{User: u, Stage: stage, CSRF: csrf, CreatedAt: now, ExpiresAt: now.Add(life)}
	if err := tx.InsertSession(ctx, hashToken(token), store.SessionRecord{UserID: u.ID, Stage: stage, CSRF: csrf,
		CreatedAt: now, SeenAt: now, ExpiresAt: sess.ExpiresAt}); err != nil {
		return SignIn{}, err
	}
	return SignIn{Token: token, Session: sess}, nil
}

// SessionByToken returns the session of a cookie's token, and notes the
// request for the idle timeout. EUNAUTHORIZED when there is none, or it
// ended by the idle or absolute timeout, or its user may no longer sign in.
func (s *Service) SessionByToken(ctx context.Context, token string) (Session, error) {
	ended := writ.Errorf(writ.EUNAUTHORIZED, "your session has ended: sign in again")
	if token == "" {
		return Session{}, ended
	}
	h := hashToken(token)
	rec, err := s.records.Session(ctx, h)
	if writ.ErrorCode(err) == writ.ENOTFOUND {
		return Session{}, ended
	}
	if err != nil {
		return Session{}, err
	}
	sess := Session{Stage: rec.Stage, CSRF: rec.CSRF, CreatedAt: rec.CreatedAt, ExpiresAt: rec.ExpiresAt}
	now := s.now()
	if !now.Before(sess.ExpiresAt) || now.Sub(rec.SeenAt) >= IdleTimeout {
		if err := s.records.Update(ctx, func(tx *store.Tx) error { return tx.DeleteSession(ctx, h) }); err != nil {
			return Session{}, err
		}
		return Session{}, ended
	}
	if sess.User, err = s.records.User(ctx, rec.UserID); err != nil {
		return Session{}, err
	}
	if !sess.User.Active {
		return Session{}, ended
	}
	if sess.Stage == StageSecondFactor {
		f, err := s.records.SecondFactorOf(ctx, rec.UserID)
		if err != nil {
			return Session{}, err
		}
		sess.HasSecondFactor = f.Enrolled
	}
	if now.Sub(rec.SeenAt) >= seenGranularity {
		if err := s.records.Update(ctx, func(tx *store.Tx) error { return tx.TouchSession(ctx, h, now) }); err != nil {
			return Session{}, err
		}
	}
	return sess, nil
}

// SignOut ends the session of token, recording it in the audit log. Ending
// a session that has already ended is not an error.
func (s *Service) SignOut(ctx context.Context, token string) error {
	return s.records.Update(ctx, func(tx *store.Tx) error {
		sess, err := tx.LockSession(ctx, hashToken(token))
		if writ.ErrorCode(err) == writ.ENOTFOUND {
			return nil
		}
		if err != nil {
			return err
		}
		if err := tx.DeleteSession(ctx, hashToken(token)); err != nil {
			return err
		}
		u, err := tx.User(ctx, sess.UserID)
		if err != nil {
			return err
		}
		return tx.AppendEvent(ctx, writ.ActorOf(u), "signout", map[string]any{"user_id": sess.UserID})
	})
}
