package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"writ"
)

const userColumns = `id, name, email, role, agency_id, customer_id, active, confirmation, created_at, deactivated_at`

func scanUser(row interface{ Scan(...any) error }, more ...any) (writ.User, error) {
	var u writ.User
	var role string
	var agency, customer sql.NullInt64
	var deactivated sql.NullTime
	err := row.Scan(append([]any{&u.ID, &u.Name, &u.Email, &role, &agency, &customer, &u.Active, &u.Confirmation, &u.CreatedAt, &deactivated}, more...)...)
	u.Role, u.AgencyID, u.CustomerID, u.CreatedAt = writ.Role(role), int64Ptr(agency), int64Ptr(customer), u.CreatedAt.UTC()
	u.DeactivatedAt = timePtr(deactivated)
	return u, err
}

// User returns a user by id, or ENOTFOUND.
func (s *Store) User(ctx context.Context, id int64) (writ.User, error) {
	u, err := scanUser(s.read.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return u, notFound("user", id)
	}
	if err != nil {
		return u, fmt.Errorf("store: user: %w", err)
	}
	return u, nil
}

// UserByEmail returns a user by e-mail address, or ENOTFOUND.
func (s *Store) UserByEmail(ctx context.Context, email string) (writ.User, error) {
	u, err := scanUser(s.read.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE email = $1`, strings.ToLower(email)))
	if errors.Is(err, sql.ErrNoRows) {
		return u, writ.Errorf(writ.ENOTFOUND, "no user %s", email)
	}
	if err != nil {
		return u, fmt.Errorf("store: user: %w", err)
	}
	return u, nil
}

// User returns a user by id in the transaction, or ENOTFOUND.
func (t *Tx) User(ctx context.Context, id int64) (writ.User, error) {
	return t.user(ctx, id, "")
}

// LockUser returns a user by id and holds their row until the transaction
// ends, or ENOTFOUND.
func (t *Tx) LockUser(ctx context.Context, id int64) (writ.User, error) {
	return t.user(ctx, id, t.s.forUpdate())
}

func (t *Tx) user(ctx context.Context, id int64, lock string) (writ.User, error) {
	u, err := scanUser(t.tx.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`+lock, id))
	if errors.Is(err, sql.ErrNoRows) {
		return u, notFound("user", id)
	}
	if err != nil {
		return u, fmt.Errorf("store: user: %w", err)
	}
	return u, nil
}

// EmailTaken reports whether a user has the e-mail address email.
func (t *Tx) EmailTaken(ctx context.Context, email string) (bool, error) {
	var n int
	if err := t.tx.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE email = $1`, email).Scan(&n); err != nil {
		return false, fmt.Errorf("store: user: %w", err)
	}
	return n > 0, nil
}

// AgencyDomains returns the registered e-mail domains of an agency, or
// ENOTFOUND.
func (t *Tx) AgencyDomains(ctx context.Context, agencyID int64) ([]string, error) {
	var domains string
	err := t.tx.QueryRowContext(ctx, `SELECT domains FROM agencies WHERE id = $1`, agencyID).Scan(&domains)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("agency", agencyID)
	}
	if err != nil {
		return nil, fmt.Errorf("store: agency domains: %w", err)
	}
	return fromJSONText[string](domains)
}

// AgencyVerified reports whether the agency is verified; false for no
// agency.
func (t *Tx) AgencyVerified(ctx context.Context, agencyID *int64) (bool, error) {
	var verified bool
	err := t.tx.QueryRowContext(ctx, `SELECT verified FROM agencies WHERE id = $1`, nullInt64(agencyID)).Scan(&verified)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store: agency: %w", err)
	}
	return verified, nil
}

// CustomerExists reports whether there is a customer id.
func (t *Tx) CustomerExists(ctx context.Context, id int64) (bool, error) {
	var n int
	if err := t.tx.QueryRowContext(ctx, `SELECT count(*) FROM customers WHERE id = $1`, id).Scan(&n); err != nil {
		return false, fmt.Errorf("store: customer: %w", err)
	}
	return n > 0, nil
}

// InsertUser adds u (its id aside) and returns its id.
func (t *Tx) InsertUser(ctx context.Context, u writ.User) (int64, error) {
	var id int64
	err := t.tx.QueryRowContext(ctx, `INSERT INTO users (name, email, role, agency_id, customer_id, active, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
		u.Name, u.Email, string(u.Role), nullInt64(u.AgencyID), nullInt64(u.CustomerID), u.Active, u.CreatedAt).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("store: user: %w", err)
	}
	return id, nil
}

// ActivateUser marks a user active, confirmed by by at at in the way how
// says.
func (t *Tx) ActivateUser(ctx context.Context, id int64, how, by string, at time.Time) error {
	if _, err := t.tx.ExecContext(ctx, `UPDATE users SET active = TRUE, confirmation = $1, confirmed_by = $2, confirmed_at = $3 WHERE id = $4`,
		how, by, at, id); err != nil {
		return fmt.Errorf("store: confirm user: %w", err)
	}
	return nil
}

// DeactivateUser marks a user inactive for good, by by at at for reason.
func (t *Tx) DeactivateUser(ctx context.Context, id int64, by, reason string, at time.Time) error {
	if _, err := t.tx.ExecContext(ctx, `UPDATE users SET active = FALSE, deactivated_at = $1, deactivated_by = $2, deactivation_reason = $3 WHERE id = $4`,
		at, by, reason, id); err != nil {
		return fmt.Errorf("store: deactivate: %w", err)
	}
	return nil
}

// prefixed qualifies each column of a comma-separated list with p.
func prefixed(p, columns string) string {
	cols := strings.Split(columns, ", ")
	for i := range cols {
		cols[i] = p + cols[i]
	}
	return strings.Join(cols, ", ")
}
