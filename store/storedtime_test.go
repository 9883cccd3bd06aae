package store

import (
	"math/rand/v2"
	"testing"
	"time"
)

// TestStoredTimesParseAsTimeParseDoes holds parseStoredUTC to time.Parse:
// every time writ stores is read by it, to the nanosecond, and whatever it
// reads from a string, changed or not, time.Parse reads the same.
func TestStoredTimesParseAsTimeParseDoes(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	stored := []string{
		"2024-02-29 00:00:00 +0000 UTC", "2024-02-30 00:00:00 +0000 UTC", "2023-02-29 00:00:00 +0000 UTC", "2100-02-29 12:00:00 +0000 UTC",
		"2000-02-29 12:00:00 +0000 UTC", "2026-12-06 24:00:00 +0000 UTC", "2026-12-06 23:59:60 +0000 UTC",
		"2026-13-01 00:00:00 +0000 UTC", "2026-00-10 00:00:00 +0000 UTC", "2026-04-31 00:00:00 +0000 UTC",
		"2026-12-06 09:48:23.1234567891 +0000 UTC", "2026-12-06 09:48:23,5 +0000 UTC", "2026-12-06 09:48:23. +0000 UTC",
		"2026-12-06 09:48:23.5 +0100 CET", "2026-12-06 9:48:23 +0000 UTC", "0000-01-01 00:00:00 +0000 UTC",
	}
	for range 20000 {
		tm := time.Unix(rng.Int64N(300e9)-62e9, rng.Int64N(1e9)).UTC()
		if rng.IntN(4) == 0 {
			tm = tm.Truncate(time.Duration(rng.Int64N(1e9) + 1))
		}
		s := tm.String()
		got, ok := parseStoredUTC(s)
		if tm.Year() <= 9999 && (!ok || !got.Equal(tm)) {
			t.Fatalf("parseStoredUTC(%q) = %v, %v; want %v", s, got, ok, tm)
		}
		stored = append(stored, s)
		b := []byte(s)
		b[rng.IntN(len(b))] = "0123456789 .:-+9"[rng.IntN(16)]
		stored = append(stored, string(b))
	}
	for _, s := range stored {
		got, ok := parseStoredUTC(s)
		want, err := time.Parse(storedTimeLayout, s)
		if ok && (err != nil || !got.Equal(want)) {
			t.Fatalf("parseStoredUTC(%q) = %v; time.Parse gives %v, %v", s, got, want, err)
		}
		if viaBoth, err2 := parseStoredTime(s); (err == nil) != (err2 == nil) || err == nil && !viaBoth.Equal(want) {
			t.Fatalf("parseStoredTime(%q) = %v, %v; time.Parse gives %v, %v", s, viaBoth, err2, want, err)
		}
	}
}
