// Package sealing keeps writ's records sealed at rest: legal documents and
// the secrets writ uses again (TOTP and webhook secrets, the servers'
// shared keys) are encrypted with AES-256-GCM under keys kept in a file
// apart from the database, so that a copy of the database alone reveals
// neither. Keys seals and opens; Rotate seals everything anew under a new
// key and then forgets the old ones. The store calls Keys through its own
// small interface (store.Sealer) and never imports this package.
package sealing

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Keys are the keys that seal legal documents and secrets at rest. The
// first is current and seals new content; the others only open content
// sealed before a rotation finished. Keys are not safe to rotate while
// another goroutine seals: `writ documents rotate-key` runs on its own.
type Keys struct {
	ids  []string
	keys map[string][]byte
	path string
}

// LoadOrCreateKeys reads the key file at path, creating it with one
// new random key if it does not exist. Each line is "ID BASE64KEY"; the
// file is readable by its owner only and is kept apart from the database,
// so that a copy of the database alone does not reveal the documents.
func LoadOrCreateKeys(path string) (*Keys, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		k := &Keys{keys: map[string][]byte{}, path: path}
		if err := k.addNew(); err != nil {
			return nil, err
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("documents key: %w", err)
		}
		if err := k.write(true); err != nil {
			if errors.Is(err, os.ErrExist) {
				return LoadOrCreateKeys(path)
			}
			return nil, err
		}
		return k, nil
	}
	if err != nil {
		return nil, fmt.Errorf("documents key: %w", err)
	}
	k := &Keys{keys: map[string][]byte{}, path: path}
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
func (k *Keys) addNew() error {
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
func (k *Keys) write(create bool) error {
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

// Current is the id of the key new content is sealed with.
func (k *Keys) Current() string { return k.ids[0] }

// Seal encrypts a document's content with the current key. The nonce is
// random per document and stored in front of the ciphertext; the document's
// SHA-256 is bound in as additional data, so sealed content cannot be
// moved to another document's row unnoticed. (A secret binds its column
// instead: see SealSecret.)
func (k *Keys) Seal(sha string, content []byte) (keyID string, sealed []byte, err error) {
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

// Open decrypts content sealed under keyID ("" is content stored before
// encryption).
func (k *Keys) Open(keyID, sha string, sealed []byte) ([]byte, error) {
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

func (k *Keys) aead(id string) (cipher.AEAD, error) {
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
