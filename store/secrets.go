package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// Secrets writ keeps to use again — TOTP secrets, customers' webhook
// secrets, a TOTP secret being enrolled, the servers' shared keys — are
// sealed with the documents key (AES-256-GCM, see DocumentKeys), so that
// a copy of the database alone does not give them away. A sealed value is
// "sealed:v1:KEYID:BASE64"; the column it belongs in is bound in as
// additional data, so a value cannot be moved to another column
// unnoticed. Values written before sealing was introduced are sealed when
// the database is migrated; `writ documents rotate-key` seals them all
// with the new key.
const sealedPrefix = "sealed:v1:"

// sealedColumns are the columns that hold sealed secrets, with the column
// that names their row.
var sealedColumns = []struct{ table, column, key string }{
	{"users", "totp_secret", "id"},
	{"customers", "webhook_secret", "id"},
	{"sessions", "pending_totp", "hash"},
	{"server_secrets", "sealed", "name"},
}

// sealSecret seals plain for column ("table.column"); "" stays "".
func (s *Store) sealSecret(column, plain string) (string, error) {
	if plain == "" {
		return "", nil
	}
	if s.documentKeys == nil {
		return "", errors.New("store: no documents key to seal secrets with")
	}
	id, sealed, err := s.documentKeys.seal(column, []byte(plain))
	if err != nil {
		return "", fmt.Errorf("store: seal %s: %w", column, err)
	}
	return sealedPrefix + id + ":" + base64.StdEncoding.EncodeToString(sealed), nil
}

// openSecret opens a value of column that sealSecret made; a value from
// before sealing is returned as it is.
func (s *Store) openSecret(column, stored string) (string, error) {
	rest, ok := strings.CutPrefix(stored, sealedPrefix)
	if !ok {
		return stored, nil
	}
	if s.documentKeys == nil {
		return "", errors.New("store: no documents key to open secrets with")
	}
	id, encoded, _ := strings.Cut(rest, ":")
	sealed, err := base64.StdEncoding.DecodeString(encoded)
	if err != nil {
		return "", fmt.Errorf("store: open %s: not base64", column)
	}
	plain, err := s.documentKeys.open(id, column, sealed)
	if err != nil {
		return "", fmt.Errorf("store: open %s: %w", column, err)
	}
	return string(plain), nil
}

// resealSecrets seals every secret not sealed with the current documents
// key: those from before sealing, and after a rotation those of the old
// key. It returns how many it sealed.
func (s *Store) resealSecrets(ctx context.Context) (int, error) {
	if s.documentKeys == nil {
		return 0, nil
	}
	current := sealedPrefix + s.documentKeys.ids[0] + ":"
	total := 0
	for _, c := range sealedColumns {
		column := c.table + "." + c.column
		err := s.tx(ctx, func(tx *sql.Tx) error {
			rows, err := tx.QueryContext(ctx, s.q(`SELECT `+c.key+`, `+c.column+` FROM `+c.table+` WHERE `+c.column+` <> '' AND `+c.column+` NOT LIKE ?`), current+"%")
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
				if _, err := tx.ExecContext(ctx, s.q(`UPDATE `+c.table+` SET `+c.column+` = ? WHERE `+c.key+` = ?`), sealed, r.key); err != nil {
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
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO server_secrets (name, sealed) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`), name, fresh); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, s.q(`SELECT sealed FROM server_secrets WHERE name = ?`), name).Scan(&stored)
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
