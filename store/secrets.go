package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
)

// The secrets writ keeps to use again are sealed with the documents key
// (see Sealer and package sealing), so that a copy of the database alone
// does not give them away. Values written before sealing was introduced
// are sealed when the database is migrated; a key rotation seals them all
// with the new key.

// sealedColumns are the columns that hold sealed secrets, with the column
// that names their row.
var sealedColumns = []struct{ table, column, key string }{
	{"users", "totp_secret", "id"},
	{"customers", "webhook_secret", "id"},
	{"sessions", "pending_totp", "hash"},
	{"server_secrets", "sealed", "name"},
	{"demand_messages", "body", "id"},
}

// sealSecret seals plain for column ("table.column"); "" stays "".
func (s *Store) sealSecret(column, plain string) (string, error) {
	if plain == "" {
		return "", nil
	}
	if s.documentKeys == nil {
		return "", errors.New("store: no documents key to seal secrets with")
	}
	return s.documentKeys.SealSecret(column, plain)
}

// openSecret opens a value of column that sealSecret made; a value from
// before sealing is returned as it is.
func (s *Store) openSecret(column, stored string) (string, error) {
	if s.documentKeys == nil {
		if stored == "" {
			return "", nil
		}
		return "", errors.New("store: no documents key to open secrets with")
	}
	return s.documentKeys.OpenSecret(column, stored)
}

// ResealSecrets seals every secret not sealed with the current documents
// key: those from before sealing (Migrate calls it), and after a rotation
// those of the old key (sealing.Keys.Rotate calls it). It returns how many
// it sealed.
func (s *Store) ResealSecrets(ctx context.Context) (int, error) {
	if s.documentKeys == nil {
		return 0, nil
	}
	current := s.documentKeys.SecretPrefix()
	total := 0
	for _, c := range sealedColumns {
		column := c.table + "." + c.column
		err := s.tx(ctx, func(tx *sql.Tx) error {
			rows, err := tx.QueryContext(ctx, `SELECT `+c.key+`, `+c.column+` FROM `+c.table+` WHERE `+c.column+` <> '' AND `+c.column+` NOT LIKE $1`, current+"%")
			if err != nil {
				return err
			}
			type row struct{ key, value string }
			var stale []row
			for rows.Next() {
				var r row
				if err := rows.Scan(&r.key, &r.value); err != nil {
					rows.Close()
					return err
				}
				stale = append(stale, r)
			}
			if err := rows.Close(); err != nil {
				return err
			}
			for _, r := range stale {
				plain, err := s.openSecret(column, r.value)
				if err != nil {
					return err
				}
				sealed, err := s.sealSecret(column, plain)
				if err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, `UPDATE `+c.table+` SET `+c.column+` = $1 WHERE `+c.key+` = $2`, sealed, r.key); err != nil {
					return err
				}
			}
			total += len(stale)
			return nil
		})
		if err != nil {
			return total, fmt.Errorf("store: seal %s: %w", column, err)
		}
	}
	return total, nil
}

// ServerKey returns the key called name that every server sharing the
// database uses alike (the sign-in form's token key, say): 32 random bytes
// made by the first server to ask, kept sealed.
func (s *Store) ServerKey(ctx context.Context, name string) ([]byte, error) {
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return nil, err
	}
	fresh, err := s.sealSecret("server_secrets.sealed", base64.StdEncoding.EncodeToString(raw[:]))
	if err != nil {
		return nil, err
	}
	var stored string
	err = s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO server_secrets (name, sealed) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`, name, fresh); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT sealed FROM server_secrets WHERE name = $1`, name).Scan(&stored)
	})
	if err != nil {
		return nil, unavailableOr(err, "store: server key")
	}
	plain, err := s.openSecret("server_secrets.sealed", stored)
	if err != nil {
		return nil, err
	}
	return base64.StdEncoding.DecodeString(plain)
}
