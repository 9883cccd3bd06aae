package identity

import (
	"context"
	"time"
)

// CheckPasswordsWith makes s check passwords with check, and wait at most
// wait for a hashing slot, so that a test can count, slow down or hold the
// checks.
func CheckPasswordsWith(s *Service, wait time.Duration, check func(hash, password string) bool) {
	s.hashWait, s.passwords = wait, checkerFunc(check)
}

// checkerFunc is a test's check as a PasswordChecker.
type checkerFunc func(hash, password string) bool

func (f checkerFunc) CheckPassword(_ context.Context, encoded, password string) (bool, error) {
	return f(encoded, password), nil
}

// HashSlots is how many passwords a Service checks at once.
func HashSlots() int { return hashSlots() }

// DecoyHash is the hash an address that is no account's is checked against.
const DecoyHash = decoyHash
