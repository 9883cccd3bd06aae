package identity

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/netip"
	"runtime"
	"strings"
	"time"

	"writ"
	"writ/store"
	"writ/throttle"
)

// The sign-in throttles. An account may fail AccountThrottle().Free times
// in a row; after that each attempt waits twice as long as the last, up to
// two minutes, so a stranger can slow an account's sign-in down but never
// lock its owner out for long, and a guesser gets at most 30 tries an hour.
// An address (an IPv6 /64) may fail more often, since several people may
// share it, and waits up to 15 minutes. Both are kept in the database, so
// every server sharing it counts the same attempts, and both forget after
// a quiet spell.
func AccountThrottle() throttle.Policy {
	return throttle.Policy{Free: 5, Base: 2 * time.Second, Max: 2 * time.Minute, Forget: 15 * time.Minute}
}

// AddressThrottle is the throttle of one client address: see AccountThrottle.
func AddressThrottle() throttle.Policy {
	return throttle.Policy{Free: 20, Base: 2 * time.Second, Max: 15 * time.Minute, Forget: time.Hour}
}

// policyOf is the throttle of one throttled subject: an account's address
// or a client's.
func policyOf(k store.ThrottleKey) throttle.Policy {
	if k.Scope == "account" {
		return AccountThrottle()
	}
	return AddressThrottle()
}

// signInKeys are the throttles an attempt on email from a client answers to.
func signInKeys(email, from string) []store.ThrottleKey {
	return []store.ThrottleKey{{Scope: "account", Subject: email}, {Scope: "address", Subject: addressSubject(from)}}
}

// normaliseEmail is an address as typed, as accounts are keyed: trimmed,
// lower case, and no longer than an address can be.
func normaliseEmail(email string) string {
	email = strings.ToLower(strings.TrimSpace(email))
	if len(email) > 320 {
		email = email[:320]
	}
	return email
}

// normaliseAddress is a client's address as writ records it: parsed, so
// that nothing but an address reaches the audit log; "unknown" otherwise.
func normaliseAddress(from string) string {
	a, err := netip.ParseAddr(strings.TrimSpace(from))
	if err != nil {
		return "unknown"
	}
	return a.Unmap().String()
}

// addressSubject is what the address throttle counts: an IPv4 address, or
// the /64 an IPv6 address is in (one subscriber's usual share).
func addressSubject(from string) string {
	a, err := netip.ParseAddr(from)
	if err != nil {
		return "unknown"
	}
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}

// throttled returns how long the longest-waiting of keys must still wait,
// and which it is.
func throttled(states map[store.ThrottleKey]throttle.State, now time.Time) (time.Duration, store.ThrottleKey) {
	var wait time.Duration
	var which store.ThrottleKey
	for k, st := range states {
		if w := st.Blocked(now); w > wait {
			wait, which = w, k
		}
	}
	return wait, which
}

// throttledError is the answer to an attempt that must wait.
func throttledError(k store.ThrottleKey, wait time.Duration) error {
	secs := int(wait.Round(time.Second) / time.Second)
	if secs < 1 {
		secs = 1
	}
	what := "this account"
	if k.Scope == "address" {
		what = "your address"
	}
	return &refusal{wait: time.Duration(secs) * time.Second,
		err: writ.Errorf(writ.ETOOMANY, "too many failed sign-ins for %s: try again in %d seconds", what, secs)}
}

// chargeFailure counts an attempt as failed before it is checked, so that
// however many arrive at once, no more are checked than the throttles
// allow; a right password is refunded. Rows quiet for longer than any
// throttle remembers are dropped.
func chargeFailure(ctx context.Context, tx *store.Tx, states map[store.ThrottleKey]throttle.State, now time.Time) error {
	for k, st := range states {
		states[k] = policyOf(k).Fail(st, now)
	}
	if err := tx.DropQuietThrottles(ctx, now.Add(-AddressThrottle().Forget), now); err != nil {
		return err
	}
	return tx.SaveThrottles(ctx, states)
}

// uncharge takes back the charge of an attempt that proved the right
// password: each key's count drops by one and its wait ends (the attempt
// was allowed to run, so the key was not waiting when it began). A count
// is not cleared by a password alone, or someone who knew the password
// could guess second-factor codes between right passwords unthrottled.
func uncharge(ctx context.Context, tx *store.Tx, keys []store.ThrottleKey, now time.Time) error {
	states, err := tx.LockThrottles(ctx, keys)
	if err != nil {
		return err
	}
	for k, st := range states {
		st.Failures = max(0, st.Failures-1)
		st.BlockedUntil = now
		states[k] = st
	}
	return tx.SaveThrottles(ctx, states)
}

// forgetAccount clears an account's count once its user has signed in
// completely.
func forgetAccount(ctx context.Context, tx *store.Tx, email string) error {
	return tx.ForgetThrottle(ctx, store.ThrottleKey{Scope: "account", Subject: email})
}

// hashSlots is how many passwords are checked at once: half the
// processors, at least one, so that a flood of sign-ins leaves the others
// to everyone else's requests (argon2id is all processor and memory).
func hashSlots() int { return max(1, runtime.GOMAXPROCS(0)/2) }

// hashWait is how long an attempt waits for a hashing slot before it is
// refused: long enough to ride out a burst of honest sign-ins, short
// enough that a flood is turned away at once instead of queueing behind
// itself. busyRetry is when the refusal asks the client to try again.
const (
	hashWait  = 500 * time.Millisecond
	busyRetry = time.Second
)

// refusal is an answer that asks the client to try again after wait: a
// throttled attempt, or one refused because every hashing slot was taken.
type refusal struct {
	wait time.Duration
	err  error
}

func (r *refusal) Error() string { return r.err.Error() }
func (r *refusal) Unwrap() error { return r.err }

// RetryAfter is how long the client of a refused sign-in should wait
// before it tries again (for its Retry-After header), or 0 when err asks
// for no wait.
func RetryAfter(err error) time.Duration {
	var r *refusal
	if errors.As(err, &r) {
		return r.wait
	}
	return 0
}

// errBusy is the answer to an attempt that found every hashing slot taken
// for hashWait: nothing was checked or charged.
func errBusy() error {
	return &refusal{wait: busyRetry, err: writ.Errorf(writ.EUNAVAILABLE, "too many sign-ins at once: try again in a moment")}
}

// hashTurn waits up to the Service's wait for a hashing slot; the caller
// gives it back with the function returned once its password is checked.
func (s *Service) hashTurn(ctx context.Context) (func(), error) {
	timer := time.NewTimer(s.hashWait)
	defer timer.Stop()
	select {
	case s.hashing <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-timer.C:
		return nil, errBusy()
	}
	return func() { <-s.hashing }, nil
}

// accountDigest names an address that is no account's in the audit log
// without writing down what a stranger typed.
func accountDigest(email string) string {
	sum := sha256.Sum256([]byte(email))
	return hex.EncodeToString(sum[:8])
}
