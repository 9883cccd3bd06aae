package auditlog

import (
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/mod/sumdb/note"
)

// Key is the log's signing key: the note signer key (kept secret) and the
// verifier key that anyone may have.
type Key struct {
	Signer   note.Signer
	Verifier note.Verifier
	// VerifierKey is the verifier key in note's text form, what
	// "writ log key" prints and outside monitors are given.
	VerifierKey string
}

// LoadOrCreateKey reads the key file at path, creating it with a new
// Ed25519 key named origin if it does not exist. The file holds the
// signer key and the verifier key, one per line, readable by its owner only.
func LoadOrCreateKey(path, origin string) (*Key, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		skey, vkey, err := note.GenerateKey(rand.Reader, origin)
		if err != nil {
			return nil, fmt.Errorf("log key: %w", err)
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("log key: %w", err)
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, os.ErrExist) {
			// Another process created it first: use that one.
			return LoadOrCreateKey(path, origin)
		}
		if err != nil {
			return nil, fmt.Errorf("log key: %w", err)
		}
		_, err = fmt.Fprintf(f, "%s\n%s\n", skey, vkey)
		if err := errors.Join(err, f.Sync(), f.Close()); err != nil {
			os.Remove(path)
			return nil, fmt.Errorf("log key: %w", err)
		}
		data = []byte(skey + "\n" + vkey + "\n")
	} else if err != nil {
		return nil, fmt.Errorf("log key: %w", err)
	}
	lines := strings.Fields(string(data))
	if len(lines) != 2 {
		return nil, fmt.Errorf("log key: %s must hold a signer key and a verifier key, one per line", path)
	}
	signer, err := note.NewSigner(lines[0])
	if err != nil {
		return nil, fmt.Errorf("log key: %s: %w", path, err)
	}
	verifier, err := note.NewVerifier(lines[1])
	if err != nil {
		return nil, fmt.Errorf("log key: %s: %w", path, err)
	}
	if signer.Name() != verifier.Name() || signer.KeyHash() != verifier.KeyHash() {
		return nil, fmt.Errorf("log key: the two keys in %s do not belong together", path)
	}
	return &Key{Signer: signer, Verifier: verifier, VerifierKey: lines[1]}, nil
}
