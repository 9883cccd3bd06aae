package store

import (
	"testing"
	"time"

	"writ"
)

// A reading is given again only while nothing changed: it is made afresh
// once a change was committed through the store, once readingFresh has
// passed or the clock went back, and a reading that a change overtook is
// not kept. Each user's home is kept apart.
func TestReadingsAreKeptOnlyWhileNothingChanged(t *testing.T) {
	var r readings
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	if _, _, ok := keptReading(&r, r.alerts, "", at); ok {
		t.Fatal("nothing read, yet a banner was given")
	}
	_, changes, _ := keptReading(&r, r.alerts, "", at)
	keepReading(&r, &r.alerts, "", writ.Alerts{Overdue: 3}, at, changes)
	a, _, ok := keptReading(&r, r.alerts, "", at.Add(readingFresh-time.Millisecond))
	if !ok || a.Overdue != 3 {
		t.Fatalf("within %s: %+v %v, want the banner kept", readingFresh, a, ok)
	}
	for name, now := range map[string]time.Time{"after readingFresh": at.Add(readingFresh), "with the clock moved back": at.Add(-time.Second)} {
		if _, _, ok := keptReading(&r, r.alerts, "", now); ok {
			t.Fatalf("%s: the kept banner was given", name)
		}
	}
	keepReading(&r, &r.homes, "1 reviewer", writ.Home{At: at}, at, changes)
	if _, _, ok := keptReading(&r, r.homes, "2 approver", at); ok {
		t.Fatal("one user's home was given to another")
	}
	r.changed()
	if _, _, ok := keptReading(&r, r.alerts, "", at); ok {
		t.Fatal("after a change the kept banner was given")
	}
	if _, _, ok := keptReading(&r, r.homes, "1 reviewer", at); ok {
		t.Fatal("after a change the kept home was given")
	}
	_, changes, _ = keptReading(&r, r.alerts, "", at)
	r.changed() // a change committed while the banner was read
	keepReading(&r, &r.alerts, "", writ.Alerts{Overdue: 4}, at, changes)
	if _, _, ok := keptReading(&r, r.alerts, "", at); ok {
		t.Fatal("a banner read before a change was kept")
	}
}
