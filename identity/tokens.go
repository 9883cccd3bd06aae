package identity

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"

	"writ"
	"writ/store"
)

// tokenPrefix marks writ's API tokens so secret scanners can find leaked ones.
const tokenPrefix = "writ_"

// hashToken is how a token is kept: only its SHA-256, so a copy of the
// database does not hold usable credentials. Tokens are 256 random bits,
// which makes a fast hash safe here (no password stretching is needed).
func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

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
func (s *Service) CreateToken(ctx context.Context, actor writ.Actor, userID int64, in writ.TokenInput) (writ.NewToken, error) {
	if actor.UserID != userID && !isSystem(actor) {
		return writ.NewToken{}, writ.Errorf(writ.EFORBIDDEN, "a token is made by its own user; an admin asks for another user's token and a second admin confirms it")
	}
	days, err := tokenLife(in.ExpiresInDays)
	if err != nil {
		return writ.NewToken{}, err
	}
	var out writ.NewToken
	err = s.records.Update(ctx, func(tx *store.Tx) error {
		out, err = s.issueToken(ctx, tx, actor, userID, strings.TrimSpace(in.Label), days)
		return err
	})
	return out, err
}

// isSystem reports whether actor is writ itself (the command line).
func isSystem(actor writ.Actor) bool { return actor == writ.System() }

// issueToken makes a token in tx.
func (s *Service) issueToken(ctx context.Context, tx *store.Tx, actor writ.Actor, userID int64, label string, days int) (writ.NewToken, error) {
	if len(label) > 200 {
		return writ.NewToken{}, writ.FieldErrorf("label", "at most 200 characters")
	}
	u, err := tx.User(ctx, userID)
	if err != nil {
		return writ.NewToken{}, err
	}
	if u.DeactivatedAt != nil {
		return writ.NewToken{}, writ.Errorf(writ.ECONFLICT, "user %d was deactivated", userID)
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return writ.NewToken{}, err
	}
	now := s.now()
	t := writ.NewToken{Token: writ.Token{UserID: userID, Label: label, CreatedAt: now, CreatedBy: actor.Name, ExpiresAt: now.AddDate(0, 0, days)},
		Secret: tokenPrefix + hex.EncodeToString(raw[:])}
	if t.ID, err = tx.InsertToken(ctx, hashToken(t.Secret), t.Token); err != nil {
		return writ.NewToken{}, err
	}
	return t, tx.AppendEvent(ctx, actor, "token.created", map[string]any{"user_id": userID, "token_id": t.ID, "label": label, "expires_at": t.ExpiresAt})
}

// RequestToken asks for a token for another user, to be issued when a
// second admin confirms it. Admins only (EFORBIDDEN); a user makes their
// own tokens with CreateToken. ENOTFOUND for an unknown user.
func (s *Service) RequestToken(ctx context.Context, actor writ.Actor, userID int64, in writ.TokenInput) (writ.TokenRequest, error) {
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
	r := writ.TokenRequest{UserID: userID, Label: label, ExpiresInDays: days, RequestedBy: actor.Name, RequestedAt: s.now(), State: "pending"}
	err = s.records.Update(ctx, func(tx *store.Tx) error {
		u, err := tx.User(ctx, userID)
		if err != nil {
			return err
		}
		if u.DeactivatedAt != nil {
			return writ.Errorf(writ.ECONFLICT, "user %d was deactivated", userID)
		}
		if r.ID, err = tx.InsertTokenRequest(ctx, r, actor.UserID); err != nil {
			return err
		}
		return tx.AppendEvent(ctx, actor, "token.requested", map[string]any{"request_id": r.ID, "user_id": userID, "label": label,
			"expires_in_days": days})
	})
	return r, err
}

// ConfirmTokenRequest issues the token a request asked for, as the
// second admin, and returns it with its secret (shown once, to the
// confirming admin). Admins other than the one who asked (EFORBIDDEN);
// ENOTFOUND for an unknown request; ECONFLICT when it was already issued
// or waited longer than a week.
func (s *Service) ConfirmTokenRequest(ctx context.Context, actor writ.Actor, requestID int64) (writ.NewToken, error) {
	if actor.Role != writ.RoleAdmin || actor.UserID == 0 {
		return writ.NewToken{}, writ.Errorf(writ.EFORBIDDEN, "only an admin confirms a token request")
	}
	var out writ.NewToken
	err := s.records.Update(ctx, func(tx *store.Tx) error {
		r, by, err := tx.LockTokenRequest(ctx, requestID)
		if err != nil {
			return err
		}
		now := s.now()
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
		if err := tx.IssueTokenRequest(ctx, requestID, actor.Name, now, out.ID); err != nil {
			return err
		}
		return tx.AppendEvent(ctx, actor, "token.request_confirmed", map[string]any{"request_id": requestID, "user_id": r.UserID, "token_id": out.ID})
	})
	return out, err
}

// TokenRequests lists the requests for tokens waiting for a second admin,
// oldest first. Admins only.
func (s *Service) TokenRequests(ctx context.Context, actor writ.Actor) ([]writ.TokenRequest, error) {
	if actor.Role != writ.RoleAdmin {
		return nil, writ.Errorf(writ.EFORBIDDEN, "only admins see token requests")
	}
	return s.records.PendingTokenRequests(ctx, s.now().Add(-tokenRequestLife))
}

// Tokens lists a user's tokens, newest first, revoked and expired ones
// included. The user themself and admins (EFORBIDDEN for others).
func (s *Service) Tokens(ctx context.Context, actor writ.Actor, userID int64) ([]writ.Token, error) {
	if actor.UserID != userID && actor.Role != writ.RoleAdmin {
		return nil, writ.Errorf(writ.EFORBIDDEN, "only the user and admins see a user's tokens")
	}
	return s.records.TokensOf(ctx, userID)
}

// RevokeToken ends a token at once. Its user and admins (EFORBIDDEN for
// others); ENOTFOUND for an unknown token; revoking a revoked token
// changes nothing.
func (s *Service) RevokeToken(ctx context.Context, actor writ.Actor, tokenID int64, reason string) (writ.Token, error) {
	var t writ.Token
	err := s.records.Update(ctx, func(tx *store.Tx) error {
		var err error
		if t, err = tx.LockToken(ctx, tokenID); err != nil {
			return err
		}
		if actor.UserID != t.UserID && actor.Role != writ.RoleAdmin {
			return writ.Errorf(writ.ENOTFOUND, "token %d not found", tokenID)
		}
		if t.RevokedAt != nil {
			return nil
		}
		reason = strings.TrimSpace(reason)
		if reason == "" {
			reason = "revoked"
		}
		now := s.now()
		if err := tx.RevokeToken(ctx, tokenID, actor.Name, reason, now); err != nil {
			return err
		}
		t.RevokedAt, t.RevokedBy, t.RevokeReason = &now, actor.Name, reason
		return tx.AppendEvent(ctx, actor, "token.revoked", map[string]any{"token_id": tokenID, "user_id": t.UserID, "reason": reason})
	})
	return t, err
}

// endAccess revokes every token and ends every session of a user, in tx.
func (s *Service) endAccess(ctx context.Context, tx *store.Tx, actor writ.Actor, userID int64, reason string) error {
	if err := tx.DeleteSessionsOf(ctx, userID); err != nil {
		return err
	}
	n, err := tx.RevokeTokensOf(ctx, userID, actor.Name, reason, s.now())
	if err != nil {
		return err
	}
	if n > 0 {
		return tx.AppendEvent(ctx, actor, "token.revoked", map[string]any{"user_id": userID, "tokens": n, "reason": reason})
	}
	return nil
}

// DeactivateUser ends a user's access for good: they can no longer sign
// in or use a token, their sessions end and their tokens are revoked. The
// user is kept, since the log names them. Admins only, and never
// themself (EFORBIDDEN); ENOTFOUND for an unknown user; ECONFLICT when
// already deactivated; EINVALID without a reason.
func (s *Service) DeactivateUser(ctx context.Context, actor writ.Actor, userID int64, reason string) (writ.User, error) {
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
	err := s.records.Update(ctx, func(tx *store.Tx) error {
		u, err := tx.LockUser(ctx, userID)
		if err != nil {
			return err
		}
		if u.DeactivatedAt != nil {
			return writ.Errorf(writ.ECONFLICT, "user %d is already deactivated", userID)
		}
		if err := tx.DeactivateUser(ctx, userID, actor.Name, reason, s.now()); err != nil {
			return err
		}
		if err := s.endAccess(ctx, tx, actor, userID, "user deactivated"); err != nil {
			return err
		}
		return tx.AppendEvent(ctx, actor, "user.deactivated", map[string]any{"user_id": userID, "email": u.Email, "reason": reason})
	})
	if err != nil {
		return writ.User{}, err
	}
	return s.records.User(ctx, userID)
}

// Authenticate returns the user a bearer token belongs to, or
// EUNAUTHORIZED when the token is unknown, expired or revoked, or its user
// may not sign in.
func (s *Service) Authenticate(ctx context.Context, token string) (writ.User, error) {
	if !strings.HasPrefix(token, tokenPrefix) {
		return writ.User{}, writ.Errorf(writ.EUNAUTHORIZED, "invalid API token")
	}
	t, u, err := s.records.TokenByHash(ctx, hashToken(token))
	if writ.ErrorCode(err) == writ.ENOTFOUND {
		return writ.User{}, writ.Errorf(writ.EUNAUTHORIZED, "invalid API token")
	}
	if err != nil {
		return writ.User{}, err
	}
	switch {
	case t.RevokedAt != nil:
		return writ.User{}, writ.Errorf(writ.EUNAUTHORIZED, "this API token was revoked")
	case !s.now().Before(t.ExpiresAt):
		return writ.User{}, writ.Errorf(writ.EUNAUTHORIZED, "this API token expired on %s", t.ExpiresAt.Format("2006-01-02"))
	case u.DeactivatedAt != nil:
		return writ.User{}, writ.Errorf(writ.EUNAUTHORIZED, "this account was deactivated")
	case !u.Active:
		return writ.User{}, writ.Errorf(writ.EUNAUTHORIZED, "this account waits for the provider's legal team to confirm it with the agency")
	}
	return u, nil
}
