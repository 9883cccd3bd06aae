// Package identity says who a user is and how they prove it: users and
// the confirmation of agency users, passwords (argon2id; writ serve checks
// them in processes of their own, HashWorkers), TOTP second factors and
// recovery codes, web sessions, API tokens (their expiry, revocation and
// the second admin who confirms a token made for someone else),
// deactivation, and the throttles that slow down guessing at sign-in. Its Service holds the rules — who may do what, what a password
// change revokes, how many attempts are charged — and keeps its records
// through Records, which package store implements.
package identity

import (
	"context"
	"time"

	"writ"
	"writ/store"
	"writ/throttle"
)

// Records is the database as identity uses it: *store.Store, whose methods
// only read and write the records. Everything that changes several records
// at once goes through Update, so that it commits whole with its event in
// the audit log.
type Records interface {
	// Now is the database's clock, to the microsecond it keeps.
	Now() time.Time
	// Update runs fn in a write transaction, committing when it returns
	// nil; store.Tx reads and writes users, credentials, recovery codes,
	// sessions, throttles, tokens and token requests, and appends events.
	Update(ctx context.Context, fn func(*store.Tx) error) error
	// User returns a user by id, or ENOTFOUND.
	User(ctx context.Context, id int64) (writ.User, error)
	// Accounts lists every user with the state of their sign-in.
	Accounts(ctx context.Context) ([]store.Account, error)
	// SecondFactorOf says whether a user has a second factor, or
	// ENOTFOUND.
	SecondFactorOf(ctx context.Context, userID int64) (store.SecondFactor, error)
	// Session returns the session whose token has the hash hash, or
	// ENOTFOUND.
	Session(ctx context.Context, hash string) (store.SessionRecord, error)
	// ThrottleStates reads the sign-in throttles of keys.
	ThrottleStates(ctx context.Context, keys []store.ThrottleKey) (map[store.ThrottleKey]throttle.State, error)
	// TokenByHash returns the API token whose secret has the hash hash,
	// with its user, or ENOTFOUND.
	TokenByHash(ctx context.Context, hash string) (writ.Token, writ.User, error)
	// TokensOf lists a user's tokens, newest first.
	TokensOf(ctx context.Context, userID int64) ([]writ.Token, error)
	// PendingTokenRequests lists the token requests made after since that
	// wait for a second admin, oldest first.
	PendingTokenRequests(ctx context.Context, since time.Time) ([]writ.TokenRequest, error)
}

// Service is identity's rules over its records. It is safe for concurrent
// use; one Service serves a process (it bounds how many passwords are
// hashed at once).
type Service struct {
	records Records
	// hashing holds a token for each password being checked (hashSlots);
	// an attempt waits at most hashWait for one.
	hashing  chan struct{}
	hashWait time.Duration
	// passwords checks a sign-in's password in a hashing slot.
	passwords PasswordChecker
}

// New returns the Service that keeps its records in records and tells time
// by records' clock. It checks sign-ins' passwords in this process.
func New(records Records) *Service { return NewWithChecker(records, inProcess{}) }

// NewWithChecker is New with sign-ins' passwords checked by passwords:
// writ serve's HashWorkers, which check them in processes of their own.
func NewWithChecker(records Records, passwords PasswordChecker) *Service {
	return &Service{records: records, hashing: make(chan struct{}, hashSlots()), hashWait: hashWait, passwords: passwords}
}

// now is the time of the records' clock.
func (s *Service) now() time.Time { return s.records.Now() }
