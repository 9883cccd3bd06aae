package sealing_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"writ/sealing"
)

// A key file is made once, readable by its owner only, and read back the
// same; content sealed with it opens only with the data it was bound to.
func TestKeysSealAndOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys", "documents.key")
	k, err := sealing.LoadOrCreateKeys(path)
	check(t, err)
	info, err := os.Stat(path)
	check(t, err)
	if info.Mode().Perm() != 0o600 {
		t.Fatalf("the key file has mode %v", info.Mode().Perm())
	}
	again, err := sealing.LoadOrCreateKeys(path)
	check(t, err)
	if again.Current() != k.Current() {
		t.Fatalf("reloading gives key %s, made %s", again.Current(), k.Current())
	}
	id, sealed, err := k.Seal("sha-a", []byte("the warrant"))
	check(t, err)
	if id != k.Current() || bytes.Contains(sealed, []byte("warrant")) {
		t.Fatalf("sealed under %s: %q", id, sealed)
	}
	if plain, err := again.Open(id, "sha-a", sealed); err != nil || string(plain) != "the warrant" {
		t.Fatalf("opened %q, %v", plain, err)
	}
	if _, err := k.Open(id, "sha-b", sealed); err == nil {
		t.Fatal("content opened under another document's SHA-256")
	}
	if plain, err := k.Open("", "sha-a", []byte("stored before encryption")); err != nil || string(plain) != "stored before encryption" {
		t.Fatalf("content from before encryption: %q, %v", plain, err)
	}

	secret, err := k.SealSecret("users.totp_secret", "JBSWY3DPEHPK3PXP")
	check(t, err)
	if !strings.HasPrefix(secret, k.SecretPrefix()) || strings.Contains(secret, "JBSWY3DPEHPK3PXP") {
		t.Fatalf("sealed secret %q", secret)
	}
	if plain, err := k.OpenSecret("users.totp_secret", secret); err != nil || plain != "JBSWY3DPEHPK3PXP" {
		t.Fatalf("opened secret %q, %v", plain, err)
	}
	if _, err := k.OpenSecret("customers.webhook_secret", secret); err == nil {
		t.Fatal("a secret opened as another column's")
	}
	if empty, err := k.SealSecret("users.totp_secret", ""); err != nil || empty != "" {
		t.Fatalf("an empty secret seals as %q, %v", empty, err)
	}
	if plain, err := k.OpenSecret("users.totp_secret", "JBSWY3DPEHPK3PXP"); err != nil || plain != "JBSWY3DPEHPK3PXP" {
		t.Fatalf("a secret from before sealing opens as %q, %v", plain, err)
	}
}

// A damaged key file is refused with its line, never replaced.
func TestKeysRefuseADamagedFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "documents.key")
	check(t, os.WriteFile(path, []byte("abcd not-base64!\n"), 0o600))
	_, err := sealing.LoadOrCreateKeys(path)
	if err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Fatalf("a damaged key file gives %v", err)
	}
	if data, _ := os.ReadFile(path); string(data) != "abcd not-base64!\n" {
		t.Fatalf("the damaged file was changed to %q", data)
	}
}
