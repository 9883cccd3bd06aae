package sealing

import (
	"encoding/base64"
	"fmt"
	"strings"
)

// Secrets writ keeps to use again — TOTP secrets, customers' webhook
// secrets, a TOTP secret being enrolled, the servers' shared keys — are
// sealed with the documents key (AES-256-GCM, see Keys), so that a copy of
// the database alone does not give them away. A sealed value is
// "sealed:v1:KEYID:BASE64"; the column it belongs in is bound in as
// additional data, so a value cannot be moved to another column
// unnoticed. Values written before sealing was introduced are sealed when
// the database is migrated; `writ documents rotate-key` seals them all
// with the new key.
const sealedPrefix = "sealed:v1:"

// SealSecret seals plain for column ("table.column"); "" stays "".
func (k *Keys) SealSecret(column, plain string) (string, error) {
	if plain == "" {
		return "", nil
	}
	id, sealed, err := k.Seal(column, []byte(plain))
	if err != nil {
		return "", fmt.Errorf("sealing: seal %s: %w", column, err)
	}
	return sealedPrefix + id + ":" + base64.StdEncoding.EncodeToString(sealed), nil
}

// OpenSecret opens a value of column that SealSecret made; a value from
// before sealing is returned as it is.
func (k *Keys) OpenSecret(column, stored string) (string, error) {
	rest, ok := strings.CutPrefix(stored, sealedPrefix)
	if !ok {
		return stored, nil
	}
	id, encoded, _ := strings.Cut(rest, ":")
	sealed, err := base64.StdEncoding.DecodeString(encoded)
	if err != nil {
		return "", fmt.Errorf("sealing: open %s: not base64", column)
	}
	plain, err := k.Open(id, column, sealed)
	if err != nil {
		return "", fmt.Errorf("sealing: open %s: %w", column, err)
	}
	return string(plain), nil
}

// SecretPrefix is how every secret sealed with the current key begins:
// one that begins otherwise is to be sealed anew.
func (k *Keys) SecretPrefix() string { return sealedPrefix + k.ids[0] + ":" }
