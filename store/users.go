package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/mail"
	"strings"

	"writ"
	"writ/requester"
)

// UserInput creates a user. An agency user names its agency, a customer
// user its customer; other roles name neither.
type UserInput struct {
	Name       string    `json:"name"`
	Email      string    `json:"email"`
	Role       writ.Role `json:"role"`
	AgencyID   *int64    `json:"agency_id"`
	CustomerID *int64    `json:"customer_id"`
}

// CreateUser adds a user. Only an admin may call it (writ.System() is an
// admin, for the command line). EINVALID names the field at fault;
// ECONFLICT when the e-mail address is taken.
func (s *Store) CreateUser(ctx context.Context, actor writ.Actor, in UserInput) (writ.User, error) {
	if actor.Role != writ.RoleAdmin {
		return writ.User{}, writ.Errorf(writ.EFORBIDDEN, "only an admin may create users")
	}
	in.Name, in.Email = strings.TrimSpace(in.Name), strings.ToLower(strings.TrimSpace(in.Email))
	if in.Name == "" || len(in.Name) > 200 {
		return writ.User{}, writ.FieldErrorf("name", "a name of 1 to 200 characters is required")
	}
	if a, err := mail.ParseAddress(in.Email); err != nil || a.Address != in.Email {
		return writ.User{}, writ.FieldErrorf("email", "not an e-mail address: %q", in.Email)
	}
	if !in.Role.Valid() {
		return writ.User{}, writ.FieldErrorf("role", "unknown role %q", in.Role)
	}
	if (in.Role == writ.RoleAgency) != (in.AgencyID != nil) {
		return writ.User{}, writ.FieldErrorf("agency_id", "an agency user, and only an agency user, names its agency")
	}
	if (in.Role == writ.RoleCustomer) != (in.CustomerID != nil) {
		return writ.User{}, writ.FieldErrorf("customer_id", "a customer user, and only a customer user, names its customer")
	}
	var id int64
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, s.q(`SELECT count(*) FROM users WHERE email = ?`), in.Email).Scan(&n); err != nil {
			return fmt.Errorf("store: user: %w", err)
		}
		if n > 0 {
			return writ.Errorf(writ.ECONFLICT, "a user with e-mail %s exists", in.Email)
		}
		active := true
		if in.AgencyID != nil {
			var domains string
			if err := tx.QueryRowContext(ctx, s.q(`SELECT domains FROM agencies WHERE id = ?`), *in.AgencyID).Scan(&domains); err != nil {
				return writ.FieldErrorf("agency_id", "no agency %d", *in.AgencyID)
			}
			own, err := fromJSONText[string](domains)
			if err != nil {
				return err
			}
			// An agency user's address must be on the agency's registered
			// domains, and the account waits for out-of-band confirmation.
			if f := requester.Check(in.Email, own, own); f.Code != requester.Registered {
				return writ.FieldErrorf("email", "%s is not on the agency's registered domains (%s)", in.Email, strings.Join(own, ", "))
			}
			active = false
		}
		if in.CustomerID != nil {
			if err := tx.QueryRowContext(ctx, s.q(`SELECT count(*) FROM customers WHERE id = ?`), *in.CustomerID).Scan(&n); err != nil || n == 0 {
				return writ.FieldErrorf("customer_id", "no customer %d", *in.CustomerID)
			}
		}
		err := tx.QueryRowContext(ctx, s.q(`INSERT INTO users (name, email, role, agency_id, customer_id, active, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`),
			in.Name, in.Email, string(in.Role), nullInt64(in.AgencyID), nullInt64(in.CustomerID), active, s.nowUTC()).Scan(&id)
		if err != nil {
			return fmt.Errorf("store: user: %w", err)
		}
		return s.appendEvent(ctx, tx, actor, nil, "user.created", map[string]any{"user_id": id, "email": in.Email, "role": in.Role})
	})
	if err != nil {
		return writ.User{}, err
	}
	return s.User(ctx, id)
}

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
	u, err := scanUser(s.read.QueryRowContext(ctx, s.q(`SELECT `+userColumns+` FROM users WHERE id = ?`), id))
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
	u, err := scanUser(s.read.QueryRowContext(ctx, s.q(`SELECT `+userColumns+` FROM users WHERE email = ?`), strings.ToLower(email)))
	if errors.Is(err, sql.ErrNoRows) {
		return u, writ.Errorf(writ.ENOTFOUND, "no user %s", email)
	}
	if err != nil {
		return u, fmt.Errorf("store: user: %w", err)
	}
	return u, nil
}

// tokenPrefix marks writ's API tokens so secret scanners can find leaked ones.
const tokenPrefix = "writ_"

// hashToken is how a token is kept: only its SHA-256, so a copy of the
// database does not hold usable credentials. Tokens are 256 random bits,
// which makes a fast hash safe here (no password stretching is needed).
func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// ConfirmUser activates an agency user after the legal team confirmed the
// account out of band — typically by calling the agency's registered
// number — and records how. Legal team only; the agency must itself be
// verified. ENOTFOUND for an unknown user, ECONFLICT when there is nothing
// to confirm.
func (s *Store) ConfirmUser(ctx context.Context, actor writ.Actor, id int64, how string) (writ.User, error) {
	if !actor.Role.LegalTeam() {
		return writ.User{}, writ.Errorf(writ.EFORBIDDEN, "only the legal team may confirm agency users")
	}
	how = strings.TrimSpace(how)
	if how == "" || len(how) > 500 {
		return writ.User{}, writ.FieldErrorf("confirmation", "say how the account was confirmed (for example: called the agency's registered number and spoke to the duty officer)")
	}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		u, err := scanUser(tx.QueryRowContext(ctx, s.q(`SELECT `+userColumns+` FROM users WHERE id = ?`+s.forUpdate()), id))
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("user", id)
		}
		if err != nil {
			return fmt.Errorf("store: confirm user: %w", err)
		}
		if u.Active {
			return writ.Errorf(writ.ECONFLICT, "user %d is already active", id)
		}
		if u.DeactivatedAt != nil {
			return writ.Errorf(writ.ECONFLICT, "user %d was deactivated", id)
		}
		var verified bool
		if err := tx.QueryRowContext(ctx, s.q(`SELECT verified FROM agencies WHERE id = ?`), nullInt64(u.AgencyID)).Scan(&verified); err != nil || !verified {
			return writ.Errorf(writ.ECONFLICT, "the user's agency is not verified: verify the agency first")
		}
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE users SET active = TRUE, confirmation = ?, confirmed_by = ?, confirmed_at = ? WHERE id = ?`),
			how, actor.Name, s.nowUTC(), id); err != nil {
			return fmt.Errorf("store: confirm user: %w", err)
		}
		return s.appendEvent(ctx, tx, actor, nil, "user.confirmed", map[string]any{"user_id": id, "email": u.Email, "confirmation": how})
	})
	if err != nil {
		return writ.User{}, err
	}
	return s.User(ctx, id)
}

// prefixed qualifies each column of a comma-separated list with p.
func prefixed(p, columns string) string {
	cols := strings.Split(columns, ", ")
	for i := range cols {
		cols[i] = p + cols[i]
	}
	return strings.Join(cols, ", ")
}
