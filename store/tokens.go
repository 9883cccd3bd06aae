package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"writ"
)

// tokenRequestLife is how long a request for another user's token waits
// for a second admin.
const tokenRequestLife = 7 * 24 * time.Hour

// tokenLife checks how many days a token is to last.
func tokenLife(days int) (int, error) {
	switch {
	case days == 0:
		return writ.DefaultTokenDays, nil
	case days < 0 || days > writ.MaxTokenDays:
		return 0, writ.FieldErrorf("expires_in_days", "from 1 to %d days", writ.MaxTokenDays)
	}
	return days, nil
}

// CreateToken issues an API token to the actor for their own use and
// returns it with its secret, which is shown once and kept only as a hash.
// Any active user may make tokens for themself. A token for another user
// is never issued by one person: an admin asks for it (RequestToken) and
// a second admin confirms (ConfirmTokenRequest). writ.System() — the
// command line, run by whoever runs the server and holds its database —
// issues tokens for any user. EFORBIDDEN for another's token; ENOTFOUND
// for an unknown user; EINVALID names the field at fault.
func (s *Store) CreateToken(ctx context.Context, actor writ.Actor, userID int64, in writ.TokenInput) (writ.NewToken, error) {
	if actor.UserID != userID && !isSystem(actor) {
		return writ.NewToken{}, writ.Errorf(writ.EFORBIDDEN, "a token is made by its own user; an admin asks for another user's token and a second admin confirms it")
	}
	days, err := tokenLife(in.ExpiresInDays)
	if err != nil {
		return writ.NewToken{}, err
	}
	var out writ.NewToken
	err = s.tx(ctx, func(tx *sql.Tx) error {
		out, err = s.issueToken(ctx, tx, actor, userID, strings.TrimSpace(in.Label), days)
		return err
	})
	return out, err
}

// isSystem reports whether actor is writ itself (the command line).
func isSystem(actor writ.Actor) bool { return actor == writ.System() }

// issueToken makes a token in tx.
func (s *Store) issueToken(ctx context.Context, tx *sql.Tx, actor writ.Actor, userID int64, label string, days int) (writ.NewToken, error) {
	if len(label) > 200 {
		return writ.NewToken{}, writ.FieldErrorf("label", "at most 200 characters")
	}
	u, err := scanUser(tx.QueryRowContext(ctx, s.q(`SELECT `+userColumns+` FROM users WHERE id = ?`), userID))
	if errors.Is(err, sql.ErrNoRows) {
		return writ.NewToken{}, notFound("user", userID)
	}
	if err != nil {
		return writ.NewToken{}, fmt.Errorf("store: token: %w", err)
	}
	if u.DeactivatedAt != nil {
		return writ.NewToken{}, writ.Errorf(writ.ECONFLICT, "user %d was deactivated", userID)
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return writ.NewToken{}, err
	}
	now := s.nowUTC()
	t := writ.NewToken{Token: writ.Token{UserID: userID, Label: label, CreatedAt: now, CreatedBy: actor.Name, ExpiresAt: now.AddDate(0, 0, days)},
		Secret: tokenPrefix + hex.EncodeToString(raw[:])}
	err = tx.QueryRowContext(ctx, s.q(`INSERT INTO tokens (hash, user_id, label, created_at, created_by, expires_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`),
		hashToken(t.Secret), userID, label, now, actor.Name, t.ExpiresAt).Scan(&t.ID)
	if err != nil {
		return writ.NewToken{}, fmt.Errorf("store: token: %w", err)
	}
	return t, s.appendEvent(ctx, tx, actor, nil, "token.created", map[string]any{"user_id": userID, "token_id": t.ID, "label": label, "expires_at": t.ExpiresAt})
}

// RequestToken asks for a token for another user, to be issued when a
// second admin confirms it. Admins only (EFORBIDDEN); a user makes their
// own tokens with CreateToken. ENOTFOUND for an unknown user.
func (s *Store) RequestToken(ctx context.Context, actor writ.Actor, userID int64, in writ.TokenInput) (writ.TokenRequest, error) {
	if actor.Role != writ.RoleAdmin || actor.UserID == 0 {
		return writ.TokenRequest{}, writ.Errorf(writ.EFORBIDDEN, "only an admin asks for another user's token")
	}
	if actor.UserID == userID {
		return writ.TokenRequest{}, writ.Errorf(writ.ECONFLICT, "make your own tokens yourself; a request is for another user's token")
	}
	days, err := tokenLife(in.ExpiresInDays)
	if err != nil {
		return writ.TokenRequest{}, err
	}
	label := strings.TrimSpace(in.Label)
	if len(label) > 200 {
		return writ.TokenRequest{}, writ.FieldErrorf("label", "at most 200 characters")
	}
	r := writ.TokenRequest{UserID: userID, Label: label, ExpiresInDays: days, RequestedBy: actor.Name, RequestedAt: s.nowUTC(), State: "pending"}
	err = s.tx(ctx, func(tx *sql.Tx) error {
		u, err := scanUser(tx.QueryRowContext(ctx, s.q(`SELECT `+userColumns+` FROM users WHERE id = ?`), userID))
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("user", userID)
		}
		if err != nil {
			return fmt.Errorf("store: token request: %w", err)
		}
		if u.DeactivatedAt != nil {
			return writ.Errorf(writ.ECONFLICT, "user %d was deactivated", userID)
		}
		err = tx.QueryRowContext(ctx, s.q(`INSERT INTO token_requests (user_id, label, expires_in_days, requested_by, requested_by_name, requested_at, state)
			VALUES (?, ?, ?, ?, ?, ?, 'pending') RETURNING id`), userID, label, days, actor.UserID, actor.Name, r.RequestedAt).Scan(&r.ID)
		if err != nil {
			return fmt.Errorf("store: token request: %w", err)
		}
		return s.appendEvent(ctx, tx, actor, nil, "token.requested", map[string]any{"request_id": r.ID, "user_id": userID, "label": label,
			"expires_in_days": days})
	})
	return r, err
}

// ConfirmTokenRequest issues the token a request asked for, as the
// second admin, and returns it with its secret (shown once, to the
// confirming admin). Admins other than the one who asked (EFORBIDDEN);
// ENOTFOUND for an unknown request; ECONFLICT when it was already issued
// or waited longer than a week.
func (s *Store) ConfirmTokenRequest(ctx context.Context, actor writ.Actor, requestID int64) (writ.NewToken, error) {
	if actor.Role != writ.RoleAdmin || actor.UserID == 0 {
		return writ.NewToken{}, writ.Errorf(writ.EFORBIDDEN, "only an admin confirms a token request")
	}
	var out writ.NewToken
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var r writ.TokenRequest
		var by int64
		err := tx.QueryRowContext(ctx, s.q(`SELECT user_id, label, expires_in_days, requested_by, requested_at, state FROM token_requests WHERE id = ?`+s.forUpdate()), requestID).
			Scan(&r.UserID, &r.Label, &r.ExpiresInDays, &by, &r.RequestedAt, &r.State)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("token request", requestID)
		}
		if err != nil {
			return fmt.Errorf("store: token request: %w", err)
		}
		now := s.nowUTC()
		switch {
		case by == actor.UserID:
			return writ.Errorf(writ.EFORBIDDEN, "four eyes: a second admin confirms the token you asked for")
		case r.State != "pending":
			return writ.Errorf(writ.ECONFLICT, "token request %d was already %s", requestID, r.State)
		case now.Sub(r.RequestedAt) > tokenRequestLife:
			return writ.Errorf(writ.ECONFLICT, "token request %d waited more than a week: ask again", requestID)
		}
		if out, err = s.issueToken(ctx, tx, actor, r.UserID, r.Label, r.ExpiresInDays); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE token_requests SET state = 'issued', confirmed_by = ?, confirmed_at = ?, token_id = ? WHERE id = ?`),
			actor.Name, now, out.ID, requestID); err != nil {
			return fmt.Errorf("store: token request: %w", err)
		}
		return s.appendEvent(ctx, tx, actor, nil, "token.request_confirmed", map[string]any{"request_id": requestID, "user_id": r.UserID, "token_id": out.ID})
	})
	return out, err
}

// TokenRequests lists the requests for tokens waiting for a second admin,
// oldest first. Admins only.
func (s *Store) TokenRequests(ctx context.Context, actor writ.Actor) ([]writ.TokenRequest, error) {
	if actor.Role != writ.RoleAdmin {
		return nil, writ.Errorf(writ.EFORBIDDEN, "only admins see token requests")
	}
	rows, err := s.read.QueryContext(ctx, s.q(`SELECT id, user_id, label, expires_in_days, requested_by_name, requested_at, state, confirmed_by, confirmed_at, token_id
		FROM token_requests WHERE state = 'pending' AND requested_at > ? ORDER BY id`), s.nowUTC().Add(-tokenRequestLife))
	if err != nil {
		return nil, unavailableOr(err, "store: token requests")
	}
	defer rows.Close()
	out := []writ.TokenRequest{}
	for rows.Next() {
		var r writ.TokenRequest
		var confirmed sql.NullTime
		var token sql.NullInt64
		if err := rows.Scan(&r.ID, &r.UserID, &r.Label, &r.ExpiresInDays, &r.RequestedBy, &r.RequestedAt, &r.State, &r.ConfirmedBy, &confirmed, &token); err != nil {
			return nil, fmt.Errorf("store: token requests: %w", err)
		}
		r.RequestedAt, r.ConfirmedAt, r.TokenID = r.RequestedAt.UTC(), timePtr(confirmed), int64Ptr(token)
		out = append(out, r)
	}
	return out, rows.Err()
}

// Tokens lists a user's tokens, newest first, revoked and expired ones
// included. The user themself and admins (EFORBIDDEN for others).
func (s *Store) Tokens(ctx context.Context, actor writ.Actor, userID int64) ([]writ.Token, error) {
	if actor.UserID != userID && actor.Role != writ.RoleAdmin {
		return nil, writ.Errorf(writ.EFORBIDDEN, "only the user and admins see a user's tokens")
	}
	rows, err := s.read.QueryContext(ctx, s.q(`SELECT `+tokenColumns+` FROM tokens WHERE user_id = ? ORDER BY id DESC`), userID)
	if err != nil {
		return nil, unavailableOr(err, "store: tokens")
	}
	defer rows.Close()
	out := []writ.Token{}
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, fmt.Errorf("store: tokens: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

const tokenColumns = `id, user_id, label, created_at, created_by, expires_at, revoked_at, revoked_by, revoke_reason`

func scanToken(row interface{ Scan(...any) error }) (writ.Token, error) {
	var t writ.Token
	var expires, revoked sql.NullTime
	if err := row.Scan(&t.ID, &t.UserID, &t.Label, &t.CreatedAt, &t.CreatedBy, &expires, &revoked, &t.RevokedBy, &t.RevokeReason); err != nil {
		return t, err
	}
	t.CreatedAt, t.RevokedAt = t.CreatedAt.UTC(), timePtr(revoked)
	t.ExpiresAt = t.CreatedAt.AddDate(0, 0, writ.DefaultTokenDays) // a token made before tokens expired
	if expires.Valid {
		t.ExpiresAt = expires.Time.UTC()
	}
	return t, nil
}

// RevokeToken ends a token at once. Its user and admins (EFORBIDDEN for
// others); ENOTFOUND for an unknown token; revoking a revoked token
// changes nothing.
func (s *Store) RevokeToken(ctx context.Context, actor writ.Actor, tokenID int64, reason string) (writ.Token, error) {
	var t writ.Token
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		t, err = scanToken(tx.QueryRowContext(ctx, s.q(`SELECT `+tokenColumns+` FROM tokens WHERE id = ?`+s.forUpdate()), tokenID))
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("token", tokenID)
		}
		if err != nil {
			return fmt.Errorf("store: revoke token: %w", err)
		}
		if actor.UserID != t.UserID && actor.Role != writ.RoleAdmin {
			return notFound("token", tokenID)
		}
		if t.RevokedAt != nil {
			return nil
		}
		reason = strings.TrimSpace(reason)
		if reason == "" {
			reason = "revoked"
		}
		now := s.nowUTC()
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE tokens SET revoked_at = ?, revoked_by = ?, revoke_reason = ? WHERE id = ?`), now, actor.Name, reason, tokenID); err != nil {
			return fmt.Errorf("store: revoke token: %w", err)
		}
		t.RevokedAt, t.RevokedBy, t.RevokeReason = &now, actor.Name, reason
		return s.appendEvent(ctx, tx, actor, nil, "token.revoked", map[string]any{"token_id": tokenID, "user_id": t.UserID, "reason": reason})
	})
	return t, err
}

// endAccess revokes every token and ends every session of a user, in tx.
func (s *Store) endAccess(ctx context.Context, tx *sql.Tx, actor writ.Actor, userID int64, reason string) error {
	if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM sessions WHERE user_id = ?`), userID); err != nil {
		return fmt.Errorf("store: end access: %w", err)
	}
	res, err := tx.ExecContext(ctx, s.q(`UPDATE tokens SET revoked_at = ?, revoked_by = ?, revoke_reason = ? WHERE user_id = ? AND revoked_at IS NULL`),
		s.nowUTC(), actor.Name, reason, userID)
	if err != nil {
		return fmt.Errorf("store: end access: %w", err)
	}
	if n, _ := res.RowsAffected(); n > 0 {
		return s.appendEvent(ctx, tx, actor, nil, "token.revoked", map[string]any{"user_id": userID, "tokens": n, "reason": reason})
	}
	return nil
}

// DeactivateUser ends a user's access for good: they can no longer sign
// in or use a token, their sessions end and their tokens are revoked. The
// user is kept, since the log names them. Admins only, and never
// themself (EFORBIDDEN); ENOTFOUND for an unknown user; ECONFLICT when
// already deactivated; EINVALID without a reason.
func (s *Store) DeactivateUser(ctx context.Context, actor writ.Actor, userID int64, reason string) (writ.User, error) {
	if actor.Role != writ.RoleAdmin {
		return writ.User{}, writ.Errorf(writ.EFORBIDDEN, "only an admin deactivates users")
	}
	if actor.UserID == userID {
		return writ.User{}, writ.Errorf(writ.EFORBIDDEN, "ask another admin to deactivate your own account")
	}
	reason = strings.TrimSpace(reason)
	if reason == "" || len(reason) > 500 {
		return writ.User{}, writ.FieldErrorf("reason", "say why the user is deactivated, in at most 500 characters")
	}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		u, err := scanUser(tx.QueryRowContext(ctx, s.q(`SELECT `+userColumns+` FROM users WHERE id = ?`+s.forUpdate()), userID))
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("user", userID)
		}
		if err != nil {
			return fmt.Errorf("store: deactivate: %w", err)
		}
		if u.DeactivatedAt != nil {
			return writ.Errorf(writ.ECONFLICT, "user %d is already deactivated", userID)
		}
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE users SET active = FALSE, deactivated_at = ?, deactivated_by = ?, deactivation_reason = ? WHERE id = ?`),
			s.nowUTC(), actor.Name, reason, userID); err != nil {
			return fmt.Errorf("store: deactivate: %w", err)
		}
		if err := s.endAccess(ctx, tx, actor, userID, "user deactivated"); err != nil {
			return err
		}
		return s.appendEvent(ctx, tx, actor, nil, "user.deactivated", map[string]any{"user_id": userID, "email": u.Email, "reason": reason})
	})
	if err != nil {
		return writ.User{}, err
	}
	return s.User(ctx, userID)
}

// Authenticate returns the user a bearer token belongs to, or
// EUNAUTHORIZED when the token is unknown, expired or revoked, or its user
// may not sign in.
func (s *Store) Authenticate(ctx context.Context, token string) (writ.User, error) {
	if !strings.HasPrefix(token, tokenPrefix) {
		return writ.User{}, writ.Errorf(writ.EUNAUTHORIZED, "invalid API token")
	}
	var created time.Time
	var expires, revoked sql.NullTime
	u, err := scanUser(s.read.QueryRowContext(ctx, s.q(`SELECT `+prefixed("u.", userColumns)+`, t.created_at, t.expires_at, t.revoked_at
		FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.hash = ?`), hashToken(token)), &created, &expires, &revoked)
	if errors.Is(err, sql.ErrNoRows) {
		return writ.User{}, writ.Errorf(writ.EUNAUTHORIZED, "invalid API token")
	}
	if err != nil {
		return writ.User{}, unavailableOr(err, "store: authenticate")
	}
	end := created.UTC().AddDate(0, 0, writ.DefaultTokenDays)
	if expires.Valid {
		end = expires.Time.UTC()
	}
	switch {
	case revoked.Valid:
		return writ.User{}, writ.Errorf(writ.EUNAUTHORIZED, "this API token was revoked")
	case !s.nowUTC().Before(end):
		return writ.User{}, writ.Errorf(writ.EUNAUTHORIZED, "this API token expired on %s", end.Format("2006-01-02"))
	case u.DeactivatedAt != nil:
		return writ.User{}, writ.Errorf(writ.EUNAUTHORIZED, "this account was deactivated")
	case !u.Active:
		return writ.User{}, writ.Errorf(writ.EUNAUTHORIZED, "this account waits for the provider's legal team to confirm it with the agency")
	}
	return u, nil
}
