package auditlog

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// memHashes is an in-memory tlog store, built by tlog's own functions, to
// check the verifier against.
type memHashes []tlog.Hash

func (m memHashes) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		out[i] = m[x]
	}
	return out, nil
}

func TestVerifierAgreesWithTlog(t *testing.T) {
	var stored memHashes
	var v Verifier
	var h LeafHasher
	for n := int64(0); n < 300; n++ {
		e := Event{Index: n, At: time.Unix(n, 0), Actor: "a", Kind: "k", Data: []byte(fmt.Sprint(n))}
		hashes, err := tlog.StoredHashes(n, Leaf(e), stored)
		if err != nil {
			t.Fatal(err)
		}
		stored = append(stored, hashes...)
		leaf, err := h.Check(e, stored[tlog.StoredHashIndex(0, n)])
		if err != nil {
			t.Fatal(err)
		}
		if err := v.AddHash(n, leaf); err != nil {
			t.Fatal(err)
		}
		want, err := tlog.TreeHash(n+1, stored)
		if err != nil {
			t.Fatal(err)
		}
		if v.Root() != want {
			t.Fatalf("size %d: root %v, tlog says %v", n+1, v.Root(), want)
		}
	}
	if err := v.AddHash(301, tlog.Hash{}); err == nil || !strings.Contains(err.Error(), "entry 300") {
		t.Fatalf("a gap gave %v", err)
	}
	changed := Event{Index: 0, At: time.Unix(0, 0), Actor: "a", Kind: "k", Data: []byte("changed")}
	if _, err := h.Check(changed, stored[0]); err == nil || err.(*Mismatch).Index != 0 {
		t.Fatalf("a changed event gave %v", err)
	}
}

// The hasher that reuses its buffers gives tlog's record hash of Leaf,
// whatever the event's size.
func TestLeafHasherIsRecordHash(t *testing.T) {
	var h LeafHasher
	for _, n := range []int{0, 10, 1000, 5} {
		e := Event{Index: int64(n), At: time.Unix(int64(n), 7), ActorID: 2, Actor: strings.Repeat("é", n), Kind: "k", DemandID: 3, Data: []byte(strings.Repeat("x", n))}
		if got, want := h.Hash(e), tlog.RecordHash(Leaf(e)); got != want {
			t.Fatalf("event of %d bytes: %v, want %v", n, got, want)
		}
	}
}

func TestLeafIsCanonical(t *testing.T) {
	e := Event{Index: 7, At: time.Date(2026, 11, 20, 14, 0, 0, 123456789, time.FixedZone("CET", 3600)), ActorID: 3,
		Actor: "Rhea \"R\" Reviewer\n", Kind: "demand.transition", DemandID: 9, Data: []byte(`{"to":"approved"}`)}
	sum := sha256.Sum256(e.Data)
	want := fmt.Sprintf(`{"v":1,"index":7,"at":"2026-11-20T13:00:00.123456Z","actor_id":3,"actor":"Rhea \"R\" Reviewer\n","kind":"demand.transition","demand_id":9,"data_sha256":"%x"}`, sum)
	if got := string(Leaf(e)); got != want {
		t.Fatalf("leaf\n%s\nwant\n%s", got, want)
	}
}

func TestTilePaths(t *testing.T) {
	cases := map[string]tlog.Tile{
		"tile/0/000":                 {H: 8, L: 0, N: 0, W: 256},
		"tile/0/x001/234":            {H: 8, L: 0, N: 1234, W: 256},
		"tile/1/x001/x234/067.p/8":   {H: 8, L: 1, N: 1234067, W: 8},
		"tile/entries/x001/234.p/17": {H: 8, L: -1, N: 1234, W: 17},
	}
	for path, tile := range cases {
		if got := TilePath(tile); got != path {
			t.Errorf("TilePath(%+v) = %s, want %s", tile, got, path)
		}
		got, err := ParseTilePath(path)
		if err != nil || got != tile {
			t.Errorf("ParseTilePath(%s) = %+v, %v", path, got, err)
		}
	}
	for _, bad := range []string{"tile/0/1234", "tile/0/x1/234", "tile/0/000.p/256", "tile/0/000.p/0", "tile/-1/000", "tile/0/001/002", "tile/00/000", "tiles/0/000", "tile/0/x000/001"} {
		if _, err := ParseTilePath(bad); err == nil {
			t.Errorf("ParseTilePath(%s) accepted", bad)
		}
	}
}

func TestCheckpointSignAndOpen(t *testing.T) {
	key, err := LoadOrCreateKey(filepath.Join(t.TempDir(), "log.key"), "writ.example/log")
	if err != nil {
		t.Fatal(err)
	}
	cp := Checkpoint{Origin: "writ.example/log", Size: 42, Root: tlog.RecordHash([]byte("x"))}
	signed, err := cp.Sign(key.Signer)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(signed), "writ.example/log\n42\n") || !strings.Contains(string(signed), "\n\n— writ.example/log ") {
		t.Fatalf("not a C2SP checkpoint note:\n%s", signed)
	}
	got, err := OpenCheckpoint(signed, key.Verifier)
	if err != nil || got != cp {
		t.Fatalf("OpenCheckpoint = %+v, %v", got, err)
	}
	forged := []byte(strings.Replace(string(signed), "\n42\n", "\n43\n", 1))
	if _, err := OpenCheckpoint(forged, key.Verifier); err == nil {
		t.Fatal("a changed checkpoint verified")
	}
	other, err := note.NewVerifier(key.VerifierKey)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := OpenCheckpoint(signed, other); err != nil {
		t.Fatalf("the printed verifier key does not verify: %v", err)
	}
}

func TestKeyIsCreatedOnceAndReused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data", "log.key")
	first, err := LoadOrCreateKey(path, "writ.example/log")
	if err != nil {
		t.Fatal(err)
	}
	second, err := LoadOrCreateKey(path, "another.example/log")
	if err != nil {
		t.Fatal(err)
	}
	if first.VerifierKey != second.VerifierKey || second.Signer.Name() != "writ.example/log" {
		t.Fatalf("second load made a new key: %s vs %s", first.VerifierKey, second.VerifierKey)
	}
}

func TestEntryBundleRoundTrip(t *testing.T) {
	entries := [][]byte{[]byte("a"), {}, []byte(strings.Repeat("b", 300))}
	b, err := EntryBundle(entries)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseEntryBundle(b)
	if err != nil || len(got) != 3 || string(got[2]) != strings.Repeat("b", 300) {
		t.Fatalf("round trip: %q, %v", got, err)
	}
	if _, err := EntryBundle([][]byte{make([]byte, 70000)}); err == nil {
		t.Fatal("an oversized entry was bundled")
	}
}

// FuzzLeafStringsMatchEncodingJSON holds the hand-written string encoding
// of leaves to encoding/json's, byte for byte.
func FuzzLeafStringsMatchEncodingJSON(f *testing.F) {
	for _, s := range []string{"Rhea", "a\"b\\c\n\r\t\x01", "<script>&", "\u2028\u2029", "\xff\xfe", "Zoë 東京"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendJSONString(nil, s); string(got) != string(want) {
			t.Fatalf("appendJSONString(%q) = %s, encoding/json gives %s", s, got, want)
		}
	})
}

func TestLeafTimeMatchesAppendFormat(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	times := []time.Time{
		{}, time.Unix(0, 0), time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(-1, 6, 1, 0, 0, 0, 1000, time.UTC),
		time.Date(2026, 12, 6, 9, 48, 23, 123456789, time.FixedZone("", -7*3600)),
	}
	for range 100000 {
		times = append(times, time.Unix(rng.Int64N(400e9)-62e9, rng.Int64N(1e9)))
	}
	for _, tm := range times {
		want := tm.UTC().AppendFormat(nil, leafTimeLayout)
		if got := appendLeafTime(nil, tm); string(got) != string(want) {
			t.Fatalf("appendLeafTime(%v) = %s, AppendFormat gives %s", tm, got, want)
		}
	}
}
