package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"writ"
)

const tokenColumns = `id, user_id, label, created_at, created_by, expires_at, revoked_at, revoked_by, revoke_reason`

func scanToken(row interface{ Scan(...any) error }) (writ.Token, error) {
	var t writ.Token
	var expires, revoked sql.NullTime
	if err := row.Scan(&t.ID, &t.UserID, &t.Label, &t.CreatedAt, &t.CreatedBy, &expires, &revoked, &t.RevokedBy, &t.RevokeReason); err != nil {
		return t, err
	}
	t.CreatedAt, t.RevokedAt = t.CreatedAt.UTC(), timePtr(revoked)
	t.ExpiresAt = tokenExpiry(t.CreatedAt, expires)
	return t, nil
}

// tokenExpiry is when a token made at created expires: a token made before
// tokens expired lasts the default time from when it was made.
func tokenExpiry(created time.Time, expires sql.NullTime) time.Time {
	if expires.Valid {
		return expires.Time.UTC()
	}
	return created.AddDate(0, 0, writ.DefaultTokenDays)
}

// InsertToken keeps a new API token under the hash of its secret and
// returns its id.
func (t *Tx) InsertToken(ctx context.Context, hash string, tok writ.Token) (int64, error) {
	var id int64
	err := t.tx.QueryRowContext(ctx, `INSERT INTO tokens (hash, user_id, label, created_at, created_by, expires_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
		hash, tok.UserID, tok.Label, tok.CreatedAt, tok.CreatedBy, tok.ExpiresAt).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("store: token: %w", err)
	}
	return id, nil
}

// TokenByHash returns the API token whose secret has the hash hash, with
// its user, or ENOTFOUND.
func (s *Store) TokenByHash(ctx context.Context, hash string) (writ.Token, writ.User, error) {
	var tok writ.Token
	var expires, revoked sql.NullTime
	u, err := scanUser(s.read.QueryRowContext(ctx, `SELECT `+prefixed("u.", userColumns)+`, t.id, t.created_at, t.expires_at, t.revoked_at
		FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.hash = $1`, hash), &tok.ID, &tok.CreatedAt, &expires, &revoked)
	if errors.Is(err, sql.ErrNoRows) {
		return writ.Token{}, writ.User{}, writ.Errorf(writ.ENOTFOUND, "no such token")
	}
	if err != nil {
		return writ.Token{}, writ.User{}, unavailableOr(err, "store: authenticate")
	}
	tok.UserID, tok.CreatedAt, tok.RevokedAt = u.ID, tok.CreatedAt.UTC(), timePtr(revoked)
	tok.ExpiresAt = tokenExpiry(tok.CreatedAt, expires)
	return tok, u, nil
}

// TokensOf lists a user's tokens, newest first, revoked and expired ones
// included.
func (s *Store) TokensOf(ctx context.Context, userID int64) ([]writ.Token, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+tokenColumns+` FROM tokens WHERE user_id = $1 ORDER BY id DESC`, userID)
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

// LockToken returns a token and holds its row until the transaction ends,
// or ENOTFOUND.
func (t *Tx) LockToken(ctx context.Context, id int64) (writ.Token, error) {
	tok, err := scanToken(t.tx.QueryRowContext(ctx, `SELECT `+tokenColumns+` FROM tokens WHERE id = $1`+t.s.forUpdate(), id))
	if errors.Is(err, sql.ErrNoRows) {
		return tok, notFound("token", id)
	}
	if err != nil {
		return tok, fmt.Errorf("store: token: %w", err)
	}
	return tok, nil
}

// RevokeToken marks a token revoked by by at at for reason.
func (t *Tx) RevokeToken(ctx context.Context, id int64, by, reason string, at time.Time) error {
	if _, err := t.tx.ExecContext(ctx, `UPDATE tokens SET revoked_at = $1, revoked_by = $2, revoke_reason = $3 WHERE id = $4`, at, by, reason, id); err != nil {
		return fmt.Errorf("store: revoke token: %w", err)
	}
	return nil
}

// RevokeTokensOf marks every token of a user not yet revoked revoked by by
// at at for reason, and returns how many it revoked.
func (t *Tx) RevokeTokensOf(ctx context.Context, userID int64, by, reason string, at time.Time) (int64, error) {
	res, err := t.tx.ExecContext(ctx, `UPDATE tokens SET revoked_at = $1, revoked_by = $2, revoke_reason = $3 WHERE user_id = $4 AND revoked_at IS NULL`,
		at, by, reason, userID)
	if err != nil {
		return 0, fmt.Errorf("store: revoke tokens: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// InsertTokenRequest keeps a request for another user's token, asked for
// by the user requestedBy, and returns its id.
func (t *Tx) InsertTokenRequest(ctx context.Context, r writ.TokenRequest, requestedBy int64) (int64, error) {
	var id int64
	err := t.tx.QueryRowContext(ctx, `INSERT INTO token_requests (user_id, label, expires_in_days, requested_by, requested_by_name, requested_at, state)
		VALUES ($1, $2, $3, $4, $5, $6, 'pending') RETURNING id`, r.UserID, r.Label, r.ExpiresInDays, requestedBy, r.RequestedBy, r.RequestedAt).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("store: token request: %w", err)
	}
	return id, nil
}

// LockTokenRequest returns a token request, with the id of the user who
// asked, and holds its row until the transaction ends; ENOTFOUND for none.
func (t *Tx) LockTokenRequest(ctx context.Context, id int64) (writ.TokenRequest, int64, error) {
	r := writ.TokenRequest{ID: id}
	var by int64
	err := t.tx.QueryRowContext(ctx, `SELECT user_id, label, expires_in_days, requested_by, requested_at, state FROM token_requests WHERE id = $1`+t.s.forUpdate(), id).
		Scan(&r.UserID, &r.Label, &r.ExpiresInDays, &by, &r.RequestedAt, &r.State)
	if errors.Is(err, sql.ErrNoRows) {
		return r, 0, notFound("token request", id)
	}
	if err != nil {
		return r, 0, fmt.Errorf("store: token request: %w", err)
	}
	return r, by, nil
}

// IssueTokenRequest marks a token request issued as token tokenID,
// confirmed by by at at.
func (t *Tx) IssueTokenRequest(ctx context.Context, id int64, by string, at time.Time, tokenID int64) error {
	if _, err := t.tx.ExecContext(ctx, `UPDATE token_requests SET state = 'issued', confirmed_by = $1, confirmed_at = $2, token_id = $3 WHERE id = $4`,
		by, at, tokenID, id); err != nil {
		return fmt.Errorf("store: token request: %w", err)
	}
	return nil
}

// PendingTokenRequests lists the token requests still waiting for a second
// admin that were made after since, oldest first.
func (s *Store) PendingTokenRequests(ctx context.Context, since time.Time) ([]writ.TokenRequest, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT id, user_id, label, expires_in_days, requested_by_name, requested_at, state, confirmed_by, confirmed_at, token_id
		FROM token_requests WHERE state = 'pending' AND requested_at > $1 ORDER BY id`, since)
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
