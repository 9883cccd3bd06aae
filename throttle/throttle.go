// Package throttle slows down guessing: after a few free failures, each
// further failure of the same key (an account, an address) makes the next
// attempt wait twice as long as the last, up to a ceiling, and a key that
// has not failed for a while starts afresh. Unlike a lock-out, nobody can
// keep someone else out for longer than the ceiling, and a guesser gets
// few tries an hour.
//
// Policy is the arithmetic, shared by the sign-in throttles kept in the
// database (several servers see the same counts) and by Limiter, which
// keeps counts in memory for one process.
package throttle

import (
	"sync"
	"time"
)

// Policy is how failures of one key slow down its attempts.
type Policy struct {
	// Free is how many attempts may fail one after another: the Free-th
	// failure makes the next attempt wait Base, each further one twice as
	// long as the last, up to Max. So at most Free attempts are checked
	// before any wait, however many arrive at once.
	Free      int
	Base, Max time.Duration
	// Forget is how long after its last failure a key starts afresh.
	Forget time.Duration
}

// Wait is how long a key must wait after its failures-th failure.
func (p Policy) Wait(failures int) time.Duration {
	if failures < p.Free {
		return 0
	}
	d := p.Base
	for i := p.Free; i < failures && d < p.Max; i++ {
		d *= 2
	}
	return min(d, p.Max)
}

// State is one key's record: its failures, the last one's time and when
// it may try again.
type State struct {
	Failures     int
	LastFailure  time.Time
	BlockedUntil time.Time
}

// Blocked is how long the key must still wait at now; 0 when it may try.
func (s State) Blocked(now time.Time) time.Duration {
	if now.Before(s.BlockedUntil) {
		return s.BlockedUntil.Sub(now)
	}
	return 0
}

// Fail returns the state after one more failure at now.
func (p Policy) Fail(s State, now time.Time) State {
	if !s.LastFailure.IsZero() && now.Sub(s.LastFailure) >= p.Forget {
		s = State{}
	}
	s.Failures++
	s.LastFailure = now
	s.BlockedUntil = now.Add(p.Wait(s.Failures))
	return s
}

// Limiter keeps the states of keys in memory, for one process. Keys not
// seen for Forget are dropped, so it stays small.
type Limiter struct {
	policy Policy
	mu     sync.Mutex
	states map[string]State
	swept  time.Time
}

// NewLimiter returns a Limiter with policy p.
func NewLimiter(p Policy) *Limiter { return &Limiter{policy: p, states: map[string]State{}} }

// Blocked is how long key must still wait at now; 0 when it may try.
func (l *Limiter) Blocked(key string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.states[key].Blocked(now)
}

// Fail records a failure of key at now.
func (l *Limiter) Fail(key string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > l.policy.Forget {
		for k, s := range l.states {
			if now.Sub(s.LastFailure) >= l.policy.Forget {
				delete(l.states, k)
			}
		}
		l.swept = now
	}
	l.states[key] = l.policy.Fail(l.states[key], now)
}
