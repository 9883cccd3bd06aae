package store_test

import (
	"context"
	"encoding/base64"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"writ"
	"writ/auditlog"
	"writ/casework"
	"writ/rules"
	"writ/store"
	"writ/store/storetest"
)

func TestAuditLogSQLite(t *testing.T)   { testAuditLog(t, storetest.SQLite, false) }
func TestAuditLogPostgres(t *testing.T) { testAuditLog(t, storetest.Postgres, true) }

// logged makes a fixture whose log holds the registry's events and a few
// demands' lives, with a checkpoint of it.
func logged(t *testing.T, open storetest.Opener) (*storetest.Fixture, *auditlog.Key, []byte) {
	t.Helper()
	ctx := context.Background()
	f := storetest.NewFixture(t, open)
	for range 3 {
		d, _, err := f.Store.CreateDemand(ctx, f.AgencyUserUS, storetest.Warrant("joe@mail.example"), "")
		if err != nil {
			t.Fatal(err)
		}
		for _, to := range []writ.State{writ.StateVerifying, writ.StateInReview} {
			if _, err := f.Store.Transition(ctx, f.Reviewer, d.ID, writ.TransitionInput{To: to, Rationale: "r"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	key, err := auditlog.LoadOrCreateKey(filepath.Join(t.TempDir(), "log.key"), "writ.test/log")
	if err != nil {
		t.Fatal(err)
	}
	signed, err := f.Store.IssueCheckpoint(ctx, key.Signer)
	if err != nil {
		t.Fatal(err)
	}
	return f, key, signed
}

func wantMismatch(t *testing.T, err error, index int64) {
	t.Helper()
	var m *auditlog.Mismatch
	if !errors.As(err, &m) || m.Index != index {
		t.Fatalf("verify gave %v, want a mismatch at entry %d", err, index)
	}
}

// testAuditLog's cases each have a store of their own: they run two at a
// time.
func testAuditLog(t *testing.T, open storetest.Opener, postgres bool) {
	ctx := context.Background()
	t.Run("an untouched log verifies", func(t *testing.T) {
		t.Parallel()
		f, key, signed := logged(t, open)
		v, err := f.Store.VerifyLog(ctx, key.Verifier, signed)
		if err != nil {
			t.Fatal(err)
		}
		size, err := f.Store.LogSize(ctx)
		if err != nil || v.Checkpoint.Size != size || v.Size != size || size < 20 {
			t.Fatalf("checkpoint size %d, checked %d, log size %d (%v)", v.Checkpoint.Size, v.Size, size, err)
		}
		// The checkpoint of the same size is not issued twice.
		again, err := f.Store.IssueCheckpoint(ctx, key.Signer)
		if err != nil || string(again) != string(signed) {
			t.Fatalf("reissued checkpoint differs: %v", err)
		}
	})
	tamper := []struct {
		name  string
		sql   string
		args  []any
		entry int64
	}{
		{"changing an event's data", `UPDATE events SET data = '{"to":"approved"}' WHERE log_index = 12`, nil, 12},
		{"changing who acted", `UPDATE events SET actor = 'Someone Else' WHERE log_index = 5`, nil, 5},
		{"changing when", `UPDATE events SET at = $1 WHERE log_index = 9`, []any{time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)}, 9},
		{"deleting an event", `DELETE FROM events WHERE log_index = 7`, nil, 7},
		{"reordering two events", `UPDATE events SET log_index = -1 WHERE log_index = 14; UPDATE events SET log_index = 14 WHERE log_index = 15; UPDATE events SET log_index = 15 WHERE log_index = -1`, nil, 14},
		{"changing a stored leaf hash", `UPDATE log_hashes SET hash = $1 WHERE idx = $2`, []any{make([]byte, tlog.HashSize), tlog.StoredHashIndex(0, 3)}, 3},
		// SQLite only: PostgreSQL's timestamp column refuses it.
		{"writing a time that is not one", `UPDATE events SET at = 'at noon' WHERE log_index = 4`, nil, 4},
	}
	for _, tc := range tamper {
		t.Run(tc.name+" names the entry", func(t *testing.T) {
			t.Parallel()
			if tc.name == "writing a time that is not one" && postgres {
				t.Skip("PostgreSQL's timestamp column refuses a time that is not one")
			}
			f, key, signed := logged(t, open)
			size, err := f.Store.LogSize(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if err := store.ExecRaw(f.Store, tc.sql, tc.args...); err != nil {
				t.Fatal(err)
			}
			_, err = f.Store.VerifyLog(ctx, key.Verifier, signed)
			wantMismatch(t, err, tc.entry)
			// On SQLite the quick check finds the log amiss, and the
			// entries are read one by one to name the one above.
			if postgres {
				return
			}
			if _, ok, err := store.QuickCheck(f.Store, 0, size); ok || err != nil {
				t.Fatalf("the quick check confirmed the log (%v)", err)
			}
		})
	}
	t.Run("the quick check confirms an untouched log", func(t *testing.T) {
		t.Parallel()
		if postgres {
			t.Skip("PostgreSQL reads the entries one by one")
		}
		f, key, signed := logged(t, open)
		v, err := f.Store.VerifyLog(ctx, key.Verifier, signed)
		if err != nil {
			t.Fatal(err)
		}
		// Both one chunk of the whole log and chunks that start
		// mid-tree give the leaves of the verified tree.
		for _, chunks := range [][]int64{{0, v.Size}, {0, 5, 6, 13, v.Size}} {
			var tree auditlog.Verifier
			for i := 0; i+1 < len(chunks); i++ {
				hashes, ok, err := store.QuickCheck(f.Store, chunks[i], chunks[i+1])
				if !ok || err != nil || int64(len(hashes)) != chunks[i+1]-chunks[i] {
					t.Fatalf("the quick check of entries %d to %d: %d hashes, %v, %v", chunks[i], chunks[i+1], len(hashes), ok, err)
				}
				for j, h := range hashes {
					if err := tree.AddHash(chunks[i]+int64(j), h); err != nil {
						t.Fatal(err)
					}
				}
			}
			if tree.Root() != v.Root {
				t.Fatalf("the quick check's leaves make the root %v, want %v", tree.Root(), v.Root)
			}
		}
	})
	t.Run("entries after the latest checkpoint are checked too", func(t *testing.T) {
		t.Parallel()
		f, key, signed := logged(t, open)
		cpSize, _ := f.Store.LogSize(ctx)
		// More entries after the checkpoint, as after a crash a minute
		// after the last checkpoint was signed.
		if _, _, err := f.Store.CreateDemand(ctx, f.AgencyUserUS, storetest.Warrant("joe@mail.example"), ""); err != nil {
			t.Fatal(err)
		}
		size, _ := f.Store.LogSize(ctx)
		if size <= cpSize {
			t.Fatalf("the log did not grow past the checkpoint (%d, %d)", cpSize, size)
		}
		v, err := f.Store.VerifyLog(ctx, key.Verifier, signed)
		if err != nil || v.Size != size || v.Checkpoint.Size != cpSize {
			t.Fatalf("verified %+v (%v), want %d entries with the checkpoint's %d", v, err, size, cpSize)
		}
		// A change to an entry no checkpoint covers yet is found.
		if err := store.ExecRaw(f.Store, `UPDATE events SET actor = 'Someone Else' WHERE log_index = $1`, size-1); err != nil {
			t.Fatal(err)
		}
		_, err = f.Store.VerifyLog(ctx, key.Verifier, signed)
		wantMismatch(t, err, size-1)
	})
	t.Run("a forged checkpoint is refused", func(t *testing.T) {
		t.Parallel()
		f, _, signed := logged(t, open)
		other, err := auditlog.LoadOrCreateKey(filepath.Join(t.TempDir(), "other.key"), "writ.test/log")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Store.VerifyLog(ctx, other.Verifier, signed); err == nil {
			t.Fatal("a checkpoint verified with another log's key")
		}
	})
	t.Run("proofs check with tlog", func(t *testing.T) {
		t.Parallel()
		f, _, _ := logged(t, open)
		size, _ := f.Store.LogSize(ctx)
		for _, index := range []int64{0, size / 2, size - 1} {
			p, err := f.Store.InclusionProof(ctx, f.Auditor, index, size)
			if err != nil {
				t.Fatal(err)
			}
			if err := tlog.CheckRecord(hashes(t, p.Proof), size, hash(t, p.RootHash), index, hash(t, p.LeafHash)); err != nil {
				t.Fatalf("inclusion of %d in %d: %v", index, size, err)
			}
		}
		c, err := f.Store.ConsistencyProof(ctx, f.Auditor, 5, size)
		if err != nil {
			t.Fatal(err)
		}
		if err := tlog.CheckTree(hashes(t, c.Proof), size, hash(t, c.NewRoot), 5, hash(t, c.OldRoot)); err != nil {
			t.Fatalf("consistency 5 → %d: %v", size, err)
		}
		_, err = f.Store.InclusionProof(ctx, f.AgencyUserUS, 0, size)
		if writ.ErrorCode(err) != writ.EFORBIDDEN {
			t.Fatalf("an agency got a proof: %v", err)
		}
		_, err = f.Store.InclusionProof(ctx, f.Auditor, 0, size+1)
		if writ.ErrorField(err) != "size" {
			t.Fatalf("a proof beyond the log: %v", err)
		}
		// The hash tile of the first entries agrees with the tree.
		tile := tlog.Tile{H: 8, L: 0, N: 0, W: int(size)}
		data, err := f.Store.Tile(ctx, tile)
		if err != nil || len(data) != int(size)*tlog.HashSize {
			t.Fatalf("tile: %d bytes, %v", len(data), err)
		}
		if _, err := f.Store.Tile(ctx, tlog.Tile{H: 8, L: 0, N: 0, W: int(size) + 1}); writ.ErrorCode(err) != writ.ENOTFOUND {
			t.Fatalf("a tile beyond the log: %v", err)
		}
		bundle, err := f.Store.EntryBundle(ctx, f.Auditor, tlog.Tile{H: 8, L: -1, N: 0, W: int(size)})
		if err != nil {
			t.Fatal(err)
		}
		leaves, err := auditlog.ParseEntryBundle(bundle)
		if err != nil || int64(len(leaves)) != size {
			t.Fatalf("bundle: %d leaves, %v", len(leaves), err)
		}
		for i, leaf := range leaves {
			if tlog.RecordHash(leaf) != tlog.Hash(data[i*tlog.HashSize:(i+1)*tlog.HashSize]) {
				t.Fatalf("leaf %d does not hash to the tile's hash", i)
			}
		}
		if _, err := f.Store.EntryBundle(ctx, f.CustomerUserEnterprise, tlog.Tile{H: 8, L: -1, N: 0, W: 1}); writ.ErrorCode(err) != writ.EFORBIDDEN {
			t.Fatalf("a customer read log entries: %v", err)
		}
	})
	t.Run("events carry their index and proof", func(t *testing.T) {
		t.Parallel()
		f, _, _ := logged(t, open)
		page, err := f.Store.Demands(ctx, f.Reviewer, writ.DemandFilter{})
		if err != nil {
			t.Fatal(err)
		}
		events, err := f.Store.DemandEvents(ctx, f.Auditor, page.Items[0].ID, "", 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range events.Items {
			p := e.Inclusion
			if p == nil || e.LogIndex == nil || p.Index != *e.LogIndex {
				t.Fatalf("event %d (entry %v) has no proof: %+v", e.ID, e.LogIndex, p)
			}
			if err := tlog.CheckRecord(hashes(t, p.Proof), p.TreeSize, hash(t, p.RootHash), p.Index, hash(t, p.LeafHash)); err != nil {
				t.Fatal(err)
			}
		}
	})
}

func hash(t *testing.T, s string) tlog.Hash {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(b) != tlog.HashSize {
		t.Fatalf("bad hash %q", s)
	}
	return tlog.Hash(b)
}

func hashes(t *testing.T, ss []string) []tlog.Hash {
	var out []tlog.Hash
	for _, s := range ss {
		out = append(out, hash(t, s))
	}
	return out
}

// Two stores on one PostgreSQL database — two servers — appending at once
// make one log without gap or fork.
func TestAuditLogConcurrentWritersOnPostgres(t *testing.T) {
	ctx := context.Background()
	dsn := storetest.PostgresSchema(t)
	rb, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	var stores []*store.Store
	for range 2 {
		st, err := store.Open(ctx, dsn, store.Options{Rules: rb, Assessor: casework.NewAssessor(rb), Jobs: storetest.Jobs(t, dsn, nil)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		if _, err := st.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		stores = append(stores, st)
	}
	sys := writ.System()
	agency, err := stores[0].CreateAgency(ctx, sys, store.AgencyInput{Name: "Sheriff", Country: "US", Kind: "law_enforcement", Verified: true, Verification: "call-back"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := stores[1].CreateCustomer(ctx, sys, store.CustomerInput{Name: "C", Kind: "consumer", HomeCountry: "US", KeyCustody: "provider_managed",
		DataLocations: []writ.DataLocation{{Region: "us-east-1", Country: "US"}}, Accounts: []string{"a@b.example"}}); err != nil {
		t.Fatal(err)
	}
	reviewer := writ.Actor{Name: "Rhea", Role: writ.RoleReviewer}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st := stores[w%2]
			for range 10 {
				in := storetest.Warrant("a@b.example")
				in.AgencyID, in.Channel = agency.ID, "mail"
				d, _, err := st.CreateDemand(ctx, reviewer, in, "")
				if err == nil {
					_, err = st.Transition(ctx, reviewer, d.ID, writ.TransitionInput{To: writ.StateVerifying, Rationale: "r"})
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	key, err := auditlog.LoadOrCreateKey(filepath.Join(t.TempDir(), "log.key"), "writ.test/log")
	if err != nil {
		t.Fatal(err)
	}
	signed, err := stores[1].IssueCheckpoint(ctx, key.Signer)
	if err != nil {
		t.Fatal(err)
	}
	v, err := stores[0].VerifyLog(ctx, key.Verifier, signed)
	if err != nil {
		t.Fatal(err)
	}
	// The registry's two events and two per demand.
	if want := int64(2 + 8*10*2); v.Size != want {
		t.Fatalf("log of %d entries, want %d", v.Size, want)
	}
}
