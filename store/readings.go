package store

import (
	"sync"
	"time"

	"writ"
)

// readingFresh is how long the legal team's banner (Alerts) and home
// (Home) are shown as they were read, unless this store commits a change
// meanwhile: every page of the legal team shows the banner, and at a
// million demands their counts take milliseconds that a click from page
// to page need not spend again. A change made through another server
// shows within this time.
const readingFresh = 5 * time.Second

// readings keeps the last banner and each user's last home.
type readings struct {
	mu      sync.Mutex
	changes uint64 // changes committed by this store
	alerts  map[string]reading[writ.Alerts]
	homes   map[string]reading[writ.Home]
}

// reading is one kept reading, with the store's clock when it was read
// and the number of changes this store had committed by then.
type reading[T any] struct {
	value T
	at    time.Time
	seen  uint64
}

// changed notes a committed change: every reading is made afresh next
// time.
func (r *readings) changed() {
	r.mu.Lock()
	r.changes++
	clear(r.alerts)
	clear(r.homes)
	r.mu.Unlock()
}

// keptReading returns the reading under key in m read at most
// readingFresh before now with no change committed since, and the number
// of changes to keep a new reading under.
func keptReading[T any](r *readings, m map[string]reading[T], key string, now time.Time) (T, uint64, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	k, ok := m[key]
	if ok && k.seen == r.changes && !now.Before(k.at) && now.Sub(k.at) < readingFresh {
		return k.value, r.changes, true
	}
	var zero T
	return zero, r.changes, false
}

// keepReading keeps a reading made at now under key in *m, unless a
// change was committed while it was read (changes is what keptReading
// returned before the reading).
func keepReading[T any](r *readings, m *map[string]reading[T], key string, value T, now time.Time, changes uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if changes != r.changes {
		return
	}
	if *m == nil {
		*m = map[string]reading[T]{}
	}
	(*m)[key] = reading[T]{value: value, at: now, seen: changes}
}
