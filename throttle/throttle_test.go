package throttle

import (
	"testing"
	"time"
)

func TestBackOffGrowsToItsCeilingAndIsForgotten(t *testing.T) {
	p := Policy{Free: 3, Base: time.Second, Max: 10 * time.Second, Forget: time.Hour}
	want := []time.Duration{0, 0, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 10 * time.Second, 10 * time.Second}
	for i, w := range want {
		if got := p.Wait(i + 1); got != w {
			t.Errorf("after failure %d: wait %s, want %s", i+1, got, w)
		}
	}
	l := NewLimiter(p)
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	for range 3 {
		if l.Blocked("a", now) != 0 {
			t.Fatal("blocked within the free failures")
		}
		l.Fail("a", now)
	}
	if got := l.Blocked("a", now); got != time.Second {
		t.Fatalf("after 3 failures blocked for %s, want 1s", got)
	}
	if l.Blocked("b", now) != 0 {
		t.Fatal("another key is blocked")
	}
	if l.Blocked("a", now.Add(time.Second)) != 0 {
		t.Fatal("still blocked after the wait")
	}
	// An hour without failure: the key starts afresh.
	later := now.Add(time.Hour)
	l.Fail("a", later)
	if l.Blocked("a", later) != 0 {
		t.Fatal("an old failure still counts")
	}
}
