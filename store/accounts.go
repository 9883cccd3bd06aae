package store

import (
	"context"
	"fmt"

	"writ"
)

// Account is a user with the state of their web sign-in: whether a
// password is set and a second factor enrolled. The secrets themselves
// never leave the store.
type Account struct {
	writ.User
	HasPassword     bool `json:"has_password"`
	HasSecondFactor bool `json:"has_second_factor"`
}

// Accounts lists every user, by id, with the state of their sign-in.
func (s *Store) Accounts(ctx context.Context) ([]Account, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+userColumns+`, password_hash <> '', totp_secret <> '' FROM users ORDER BY id LIMIT 5000`)
	if err != nil {
		return nil, unavailableOr(err, "store: users")
	}
	defer rows.Close()
	out := []Account{}
	for rows.Next() {
		var a Account
		u, err := scanUser(rows, &a.HasPassword, &a.HasSecondFactor)
		if err != nil {
			return nil, fmt.Errorf("store: users: %w", err)
		}
		a.User = u
		out = append(out, a)
	}
	return out, rows.Err()
}
