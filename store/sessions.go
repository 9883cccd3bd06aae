package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"writ"
)

// Session policy. A session ends after IdleTimeout without a request and
// after AbsoluteTimeout whatever happens; the step between the password and
// the second factor lasts SecondFactorTimeout. LockAfter failed sign-ins to
// one account within LockWindow lock it until the oldest of them is
// LockWindow old.
const (
	IdleTimeout         = 30 * time.Minute
	AbsoluteTimeout     = 12 * time.Hour
	SecondFactorTimeout = 5 * time.Minute
	LockAfter           = 5
	LockWindow          = 15 * time.Minute
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
// after their password: the legal team and auditors, who see every demand.
// Agency and customer users give one only if they enrolled one.
func NeedsSecondFactor(role writ.Role) bool { return role.SeesAll() }

// Session is a signed-in (or half signed-in) browser.
type Session struct {
	User  writ.User
	Stage string
	// CSRF is the synchronizer token every form of the session carries.
	CSRF      string
	CreatedAt time.Time
	ExpiresAt time.Time
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
// user's role needs one or the user enrolled one. from is the client's
// address, for the audit log. Every attempt, good or bad, is an event in
// the audit log in the transaction that records it.
//
// EUNAUTHORIZED for a wrong address or password (the same message for
// both), for an agency user not yet confirmed, and for a legal-team user
// with no second factor enrolled; ETOOMANY while the account is locked
// after LockAfter failures in LockWindow.
func (s *Store) PasswordSignIn(ctx context.Context, email, password, from string) (SignIn, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	if len(email) > 320 {
		email = email[:320]
	}
	var out SignIn
	var refusal error
	err := s.tx(ctx, func(tx *sql.Tx) error {
		now := s.nowUTC()
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM sessions WHERE expires_at < ?`), now); err != nil {
			return fmt.Errorf("store: sign-in: %w", err)
		}
		if locked, until, err := s.locked(ctx, tx, email, now); err != nil {
			return err
		} else if locked {
			refusal = lockedError(until)
			return s.signInFailed(ctx, tx, email, nil, "locked", from, false)
		}
		c, err := s.credentialsByEmail(ctx, tx, email)
		found := err == nil
		if err != nil && writ.ErrorCode(err) != writ.ENOTFOUND {
			return err
		}
		hash := c.passwordHash
		if !found || hash == "" {
			hash = decoyHash
		}
		if ok := checkPassword(hash, password); !ok || !found || c.passwordHash == "" {
			refusal = errBadCredentials()
			var uid *int64
			if found {
				uid = &c.user.ID
			}
			return s.signInFailed(ctx, tx, email, uid, "password", from, true)
		}
		if c.user.DeactivatedAt != nil {
			refusal = writ.Errorf(writ.EUNAUTHORIZED, "this account was deactivated")
			return s.signInFailed(ctx, tx, email, &c.user.ID, "deactivated", from, false)
		}
		if !c.user.Active {
			refusal = writ.Errorf(writ.EUNAUTHORIZED, "this account waits for the provider's legal team to confirm it with your agency")
			return s.signInFailed(ctx, tx, email, &c.user.ID, "not_confirmed", from, false)
		}
		stage := StageSignedIn
		if NeedsSecondFactor(c.user.Role) || c.totpSecret != "" {
			if c.totpSecret == "" {
				refusal = writ.Errorf(writ.EUNAUTHORIZED, "your role signs in with a second factor and none is enrolled for you: ask an admin to enrol one (writ user totp)")
				return s.signInFailed(ctx, tx, email, &c.user.ID, "no_second_factor", from, false)
			}
			stage = StageSecondFactor
		}
		out, err = s.startSession(ctx, tx, c.user, stage, now)
		if err != nil {
			return err
		}
		if stage == StageSignedIn {
			return s.signedIn(ctx, tx, c.user, "password", from)
		}
		return nil
	})
	if err != nil {
		return SignIn{}, err
	}
	if refusal != nil {
		return SignIn{}, refusal
	}
	return out, nil
}

// SecondFactorSignIn completes a sign-in that waits for a TOTP code: the
// session of token (in stage StageSecondFactor) is replaced by a new,
// signed-in one, so a token seen before the second factor is worth nothing
// after it. A code is accepted once. EUNAUTHORIZED for a wrong code or a
// session that is not waiting for one (or waited too long); ETOOMANY while
// the account is locked. Every attempt is an event in the audit log.
func (s *Store) SecondFactorSignIn(ctx context.Context, token, code, from string) (SignIn, error) {
	var out SignIn
	var refusal error
	err := s.tx(ctx, func(tx *sql.Tx) error {
		now := s.nowUTC()
		var userID int64
		var stage string
		var expires time.Time
		err := tx.QueryRowContext(ctx, s.q(`SELECT user_id, stage, expires_at FROM sessions WHERE hash = ?`+s.forUpdate()), hashToken(token)).Scan(&userID, &stage, &expires)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && (stage != StageSecondFactor || !now.Before(expires))) {
			refusal = writ.Errorf(writ.EUNAUTHORIZED, "the sign-in has expired: give your e-mail address and password again")
			return nil
		}
		if err != nil {
			return unavailableOr(err, "store: sign-in")
		}
		c, err := s.credentialsWhere(ctx, tx, `id = ?`+s.forUpdate(), userID)
		if err != nil {
			return err
		}
		if locked, until, err := s.locked(ctx, tx, c.user.Email, now); err != nil {
			return err
		} else if locked {
			refusal = lockedError(until)
			if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM sessions WHERE hash = ?`), hashToken(token)); err != nil {
				return fmt.Errorf("store: sign-in: %w", err)
			}
			return s.signInFailed(ctx, tx, c.user.Email, &c.user.ID, "locked", from, false)
		}
		key, err := decodeTOTPSecret(c.totpSecret)
		if err != nil {
			return fmt.Errorf("store: sign-in: user %d: %w", c.user.ID, err)
		}
		step := matchTOTP(key, code, now, c.totpLastStep)
		if step == 0 {
			refusal = writ.Errorf(writ.EUNAUTHORIZED, "wrong or already used code: enter the 6-digit code your authenticator app shows now")
			return s.signInFailed(ctx, tx, c.user.Email, &c.user.ID, "second_factor", from, true)
		}
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE users SET totp_last_step = ? WHERE id = ?`), int64(step), c.user.ID); err != nil {
			return fmt.Errorf("store: sign-in: %w", err)
		}
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM sessions WHERE hash = ?`), hashToken(token)); err != nil {
			return fmt.Errorf("store: sign-in: %w", err)
		}
		if out, err = s.startSession(ctx, tx, c.user, StageSignedIn, now); err != nil {
			return err
		}
		return s.signedIn(ctx, tx, c.user, "password+totp", from)
	})
	if err != nil {
		return SignIn{}, err
	}
	if refusal != nil {
		return SignIn{}, refusal
	}
	return out, nil
}

func lockedError(until time.Time) error {
	return writ.Errorf(writ.ETOOMANY, "too many failed sign-ins: this account is locked until %s UTC; try again then, or ask an admin",
		until.UTC().Format("15:04"))
}

// locked reports whether the account of email is locked, and until when.
func (s *Store) locked(ctx context.Context, tx *sql.Tx, email string, now time.Time) (bool, time.Time, error) {
	rows, err := tx.QueryContext(ctx, s.q(`SELECT at FROM sign_in_failures WHERE email = ? AND at > ? ORDER BY at DESC LIMIT ?`),
		email, now.Add(-LockWindow), LockAfter)
	if err != nil {
		return false, time.Time{}, unavailableOr(err, "store: sign-in")
	}
	defer rows.Close()
	var times []time.Time
	for rows.Next() {
		var at time.Time
		if err := rows.Scan(&at); err != nil {
			return false, time.Time{}, fmt.Errorf("store: sign-in: %w", err)
		}
		times = append(times, at)
	}
	if err := rows.Err(); err != nil {
		return false, time.Time{}, fmt.Errorf("store: sign-in: %w", err)
	}
	if len(times) < LockAfter {
		return false, time.Time{}, nil
	}
	return true, times[len(times)-1].Add(LockWindow), nil
}

// signInFailed records a failed attempt in the audit log and, when it
// counts towards the lock, among the failures.
func (s *Store) signInFailed(ctx context.Context, tx *sql.Tx, email string, userID *int64, reason, from string, counts bool) error {
	now := s.nowUTC()
	if counts {
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM sign_in_failures WHERE at < ?`), now.Add(-LockWindow)); err != nil {
			return fmt.Errorf("store: sign-in: %w", err)
		}
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO sign_in_failures (email, at) VALUES (?, ?)`), email, now); err != nil {
			return fmt.Errorf("store: sign-in: %w", err)
		}
	}
	data := map[string]any{"email": email, "reason": reason, "from": from}
	if userID != nil {
		data["user_id"] = *userID
	}
	// Nobody is signed in: the event names the address that was tried.
	return s.appendEvent(ctx, tx, writ.Actor{Name: email}, nil, "signin.failed", data)
}

// signedIn records a successful sign-in and forgets the account's failures.
func (s *Store) signedIn(ctx context.Context, tx *sql.Tx, u writ.User, method, from string) error {
	if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM sign_in_failures WHERE email = ?`), u.Email); err != nil {
		return fmt.Errorf("store: sign-in: %w", err)
	}
	return s.appendEvent(ctx, tx, writ.ActorOf(u), nil, "signin.succeeded", map[string]any{"user_id": u.ID, "method": method, "from": from})
}

// startSession stores a new session of u and returns its token.
func (s *Store) startSession(ctx context.Context, tx *sql.Tx, u writ.User, stage string, now time.Time) (SignIn, error) {
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
	if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO sessions (hash, user_id, stage, csrf, created_at, seen_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)`),
		hashToken(token), u.ID, stage, csrf, now, now, sess.ExpiresAt); err != nil {
		return SignIn{}, fmt.Errorf("store: session: %w", err)
	}
	return SignIn{Token: token, Session: sess}, nil
}

// SessionByToken returns the session of a cookie's token, and notes the
// request for the idle timeout. EUNAUTHORIZED when there is none, or it
// ended by the idle or absolute timeout, or its user may no longer sign in.
func (s *Store) SessionByToken(ctx context.Context, token string) (Session, error) {
	ended := writ.Errorf(writ.EUNAUTHORIZED, "your session has ended: sign in again")
	if token == "" {
		return Session{}, ended
	}
	var sess Session
	var userID int64
	var seen time.Time
	h := hashToken(token)
	err := s.read.QueryRowContext(ctx, s.q(`SELECT user_id, stage, csrf, created_at, seen_at, expires_at FROM sessions WHERE hash = ?`), h).
		Scan(&userID, &sess.Stage, &sess.CSRF, &sess.CreatedAt, &seen, &sess.ExpiresAt)
	if errors.Is(err, sql.ErrNoRows) {
		return Session{}, ended
	}
	if err != nil {
		return Session{}, unavailableOr(err, "store: session")
	}
	now := s.nowUTC()
	if !now.Before(sess.ExpiresAt) || now.Sub(seen) >= IdleTimeout {
		if _, err := s.write.ExecContext(ctx, s.q(`DELETE FROM sessions WHERE hash = ?`), h); err != nil {
			return Session{}, unavailableOr(err, "store: session")
		}
		return Session{}, ended
	}
	if sess.User, err = s.User(ctx, userID); err != nil {
		return Session{}, err
	}
	if !sess.User.Active {
		return Session{}, ended
	}
	if now.Sub(seen) >= seenGranularity {
		if _, err := s.write.ExecContext(ctx, s.q(`UPDATE sessions SET seen_at = ? WHERE hash = ?`), now, h); err != nil {
			return Session{}, unavailableOr(err, "store: session")
		}
	}
	sess.CreatedAt, sess.ExpiresAt = sess.CreatedAt.UTC(), sess.ExpiresAt.UTC()
	return sess, nil
}

// SignOut ends the session of token, recording it in the audit log. Ending
// a session that has already ended is not an error.
func (s *Store) SignOut(ctx context.Context, token string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		var userID int64
		err := tx.QueryRowContext(ctx, s.q(`SELECT user_id FROM sessions WHERE hash = ?`), hashToken(token)).Scan(&userID)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("store: sign-out: %w", err)
		}
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM sessions WHERE hash = ?`), hashToken(token)); err != nil {
			return fmt.Errorf("store: sign-out: %w", err)
		}
		u, err := scanUser(tx.QueryRowContext(ctx, s.q(`SELECT `+userColumns+` FROM users WHERE id = ?`), userID))
		if err != nil {
			return fmt.Errorf("store: sign-out: %w", err)
		}
		return s.appendEvent(ctx, tx, writ.ActorOf(u), nil, "signout", map[string]any{"user_id": userID})
	})
}
