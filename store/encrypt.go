package store

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"writ"
)

// DocumentKeys are the keys that seal legal documents at rest. The first is
// current and seals new documents; the others only open documents sealed
// before a rotation finished.
type DocumentKeys struct {
	ids  []string
	keys map[string][]byte
	path string
}

// LoadOrCreateDocumentKeys reads the key file at path, creating it with one
// new random key if it does not exist. Each line is "ID BASE64KEY"; the
// file is readable by its owner only and is kept apart from the database,
// so that a copy of the database alone does not reveal the documents.
func LoadOrCreateDocumentKeys(path string) (*DocumentKeys, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		k := &DocumentKeys{keys: map[string][]byte{}, path: path}
		if err := k.addNew(); err != nil {
			return nil, err
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("documents key: %w", err)
		}
		if err := k.write(true); err != nil {
			if errors.Is(err, os.ErrExist) {
				return LoadOrCreateDocumentKeys(path)
			}
			return nil, err
		}
		return k, nil
	}
	if err != nil {
		return nil, fmt.Errorf("documents key: %w", err)
	}
	k := &DocumentKeys{keys: map[string][]byte{}, path: path}
	for i, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		id, encoded, ok := strings.Cut(strings.TrimSpace(line), " ")
		key, err := base64.StdEncoding.DecodeString(encoded)
		if !ok || id == "" || err != nil || len(key) != 32 {
			return nil, fmt.Errorf("documents key: %s line %d is not \"ID BASE64KEY\" with a 32-byte key", path, i+1)
		}
		k.ids, k.keys[id] = append(k.ids, id), key
	}
	return k, nil
}

// addNew makes a new current key.
func (k *DocumentKeys) addNew() error {
	key := make([]byte, 32)
	var id [4]byte
	if _, err := rand.Read(key); err != nil {
		return err
	}
	if _, err := rand.Read(id[:]); err != nil {
		return err
	}
	k.ids = append([]string{hex.EncodeToString(id[:])}, k.ids...)
	k.keys[k.ids[0]] = key
	return nil
}

// write saves the keys: a new file exclusively, or a replacement through a
// synced temporary file and a rename, so a crash leaves the old file or the
// new one, never half of either.
func (k *DocumentKeys) write(create bool) error {
	var b strings.Builder
	for _, id := range k.ids {
		fmt.Fprintf(&b, "%s %s\n", id, base64.StdEncoding.EncodeToString(k.keys[id]))
	}
	target, flags := k.path, os.O_WRONLY|os.O_CREATE|os.O_EXCL
	if !create {
		target = k.path + ".new"
		flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	f, err := os.OpenFile(target, flags, 0o600)
	if err != nil {
		return fmt.Errorf("documents key: %w", err)
	}
	_, err = f.WriteString(b.String())
	if err := errors.Join(err, f.Sync(), f.Close()); err != nil {
		os.Remove(target)
		return fmt.Errorf("documents key: %w", err)
	}
	if !create {
		if err := os.Rename(target, k.path); err != nil {
			return fmt.Errorf("documents key: %w", err)
		}
	}
	return nil
}

// seal encrypts a document's content with the current key. The nonce is
// random per document and stored in front of the ciphertext; the document's
// SHA-256 is bound in as additional data, so sealed content cannot be
// moved to another document's row unnoticed.
func (k *DocumentKeys) seal(sha string, content []byte) (keyID string, sealed []byte, err error) {
	aead, err := k.aead(k.ids[0])
	if err != nil {
		return "", nil, err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", nil, err
	}
	return k.ids[0], aead.Seal(nonce, nonce, content, []byte(sha)), nil
}

// open decrypts content sealed under keyID ("" is content stored before
// encryption).
func (k *DocumentKeys) open(keyID, sha string, sealed []byte) ([]byte, error) {
	if keyID == "" {
		return sealed, nil
	}
	aead, err := k.aead(keyID)
	if err != nil {
		return nil, err
	}
	n := aead.NonceSize()
	if len(sealed) < n {
		return nil, fmt.Errorf("document %s: sealed content too short", sha)
	}
	content, err := aead.Open(nil, sealed[:n], sealed[n:], []byte(sha))
	if err != nil {
		return nil, fmt.Errorf("document %s: cannot open with key %s: %w", sha, keyID, err)
	}
	return content, nil
}

func (k *DocumentKeys) aead(id string) (cipher.AEAD, error) {
	key, ok := k.keys[id]
	if !ok {
		return nil, fmt.Errorf("documents key %s is not in %s", id, k.path)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// RotateDocumentKey makes a new current key, seals every document with it
// (in batches, each its own transaction) and every sealed secret (TOTP and
// webhook secrets, the servers' shared keys), and then drops the old keys from
// the key file. Interrupted, it can be run again: until it finishes, the
// file keeps every key any document still needs. It returns how many
// documents were sealed anew.
func (s *Store) RotateDocumentKey(ctx context.Context) (int, error) {
	k := s.documentKeys
	if k == nil {
		return 0, errors.New("store: no documents key")
	}
	if err := k.addNew(); err != nil {
		return 0, err
	}
	if err := k.write(false); err != nil {
		return 0, err
	}
	total := 0
	for {
		n := 0
		err := s.tx(ctx, func(tx *sql.Tx) error {
			rows, err := tx.QueryContext(ctx, s.q(`SELECT sha256, key_id, content FROM documents WHERE key_id <> ? LIMIT 100`), k.ids[0])
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
				plain, err := k.open(d.keyID, d.sha, d.content)
				if err != nil {
					return err
				}
				id, sealed, err := k.seal(d.sha, plain)
				if err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, s.q(`UPDATE documents SET key_id = ?, content = ? WHERE sha256 = ?`), id, sealed, d.sha); err != nil {
					return err
				}
			}
			n = len(docs)
			return nil
		})
		if err != nil {
			return total, fmt.Errorf("store: rotate documents key: %w", err)
		}
		total += n
		if n == 0 {
			break
		}
	}
	secrets, err := s.resealSecrets(ctx)
	if err != nil {
		return total, err
	}
	k.ids = k.ids[:1]
	for id := range k.keys {
		if id != k.ids[0] {
			delete(k.keys, id)
		}
	}
	if err := k.write(false); err != nil {
		return total, err
	}
	return total, s.tx(ctx, func(tx *sql.Tx) error {
		return s.appendEvent(ctx, tx, writ.System(), nil, "documents.key_rotated", map[string]any{"key_id": k.ids[0], "documents": total, "secrets": secrets})
	})
}
