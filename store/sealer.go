package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Sealer seals what the store keeps at rest: legal documents, bound to
// their SHA-256, and the secrets writ uses again, bound to their column.
// Package sealing's Keys is writ's; the store names only what it calls.
type Sealer interface {
	// Seal encrypts content with the current key, binding sha in.
	Seal(sha string, content []byte) (keyID string, sealed []byte, err error)
	// Open decrypts content Seal made under keyID ("" is content stored
	// before encryption).
	Open(keyID, sha string, sealed []byte) ([]byte, error)
	// Current is the id of the key new content is sealed with.
	Current() string
	// SealSecret seals a secret for column ("table.column"); "" stays "".
	SealSecret(column, plain string) (string, error)
	// OpenSecret opens a value SealSecret made; a value from before
	// sealing is returned as it is.
	OpenSecret(column, stored string) (string, error)
	// SecretPrefix is how every secret sealed with the current key begins.
	SecretPrefix() string
}

// ResealDocuments seals anew, in one transaction, up to n documents (and
// then files of productions) not sealed with the current documents key,
// and returns how many it sealed: a step of a key rotation
// (sealing.Keys.Rotate).
func (s *Store) ResealDocuments(ctx context.Context, n int) (int, error) {
	k := s.documentKeys
	if k == nil {
		return 0, errors.New("store: no documents key")
	}
	sealed := 0
	err := s.tx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT sha256, key_id, content FROM documents WHERE key_id <> $1 LIMIT $2`, k.Current(), n)
		if err != nil {
			return err
		}
		type doc struct {
			sha, keyID string
			content    []byte
		}
		var docs []doc
		for rows.Next() {
			var d doc
			if err := rows.Scan(&d.sha, &d.keyID, &d.content); err != nil {
				rows.Close()
				return err
			}
			docs = append(docs, d)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		for _, d := range docs {
			plain, err := k.Open(d.keyID, d.sha, d.content)
			if err != nil {
				return err
			}
			id, sealed, err := k.Seal(d.sha, plain)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE documents SET key_id = $1, content = $2 WHERE sha256 = $3`, id, sealed, d.sha); err != nil {
				return err
			}
		}
		more, err := s.resealProductionFiles(ctx, tx, n-len(docs))
		sealed = len(docs) + more
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: reseal documents: %w", err)
	}
	return sealed, nil
}
