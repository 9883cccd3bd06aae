package store_test

import (
	"context"
	"crypto/sha256"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"writ"
	"writ/auditlog"
	"writ/casework"
	"writ/rules"
	"writ/sealing"
	"writ/store"
	"writ/store/storetest"
)

// benchStore opens a store on a new SQLite file with one agency and one
// customer, and returns it with an agency for demands.
func benchStore(b *testing.B) (*store.Store, writ.Agency) {
	b.Helper()
	ctx := context.Background()
	rb, err := rules.Default()
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	keys, err := sealing.LoadOrCreateKeys(filepath.Join(dir, "documents.key"))
	if err != nil {
		b.Fatal(err)
	}
	st, err := store.Open(ctx, filepath.Join(dir, "writ.db"), store.Options{Rules: rb, Assessor: casework.NewAssessor(rb), DocumentKeys: keys, Jobs: storetest.Jobs(b, filepath.Join(dir, "writ.db"), nil)})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	agency, err := st.CreateAgency(ctx, writ.System(), store.AgencyInput{Name: "Sheriff", Country: "US", Kind: "law_enforcement",
		Domains: []string{"sheriff.example.gov"}, Verified: true, Verification: "call-back"})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := st.CreateCustomer(ctx, writ.System(), store.CustomerInput{Name: "C", Kind: "consumer", HomeCountry: "US",
		KeyCustody: "provider_managed", DataLocations: []writ.DataLocation{{Region: "us-east-1", Country: "US"}}, Accounts: []string{"a@b.example"}}); err != nil {
		b.Fatal(err)
	}
	return st, agency
}

func benchDemand(b *testing.B, st *store.Store, agency writ.Agency, i int) writ.Demand {
	d, _, err := st.CreateDemand(context.Background(), writ.System(), writ.DemandInput{AgencyID: agency.ID, Channel: "mail",
		Reference: fmt.Sprint("B-", i), Instrument: "us_subpoena", IssuedBy: "other", DataCategories: []string{"subscriber"}, Accounts: []string{"a@b.example"}}, "")
	if err != nil {
		b.Fatal(err)
	}
	return d
}

// BenchmarkLogAppend measures audit-log appends a second on SQLite: each is
// a change of its own (a demand's reference amended) committed durably,
// with its event appended to the log in the same transaction.
func BenchmarkLogAppend(b *testing.B) {
	st, agency := benchStore(b)
	d := benchDemand(b, st, agency, 0)
	ctx := context.Background()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		ref := fmt.Sprint("R-", i)
		if _, err := st.UpdateDemand(ctx, writ.System(), d.ID, writ.DemandPatch{Reference: &ref}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "appends/s")
}

// BenchmarkLogVerify measures full verification of a log of 3,000 entries —
// reading every event, recomputing its leaf and the tree — in bytes hashed
// a second (the events' data, the leaves, the tree's nodes), to set beside
// BenchmarkSHA256.
func BenchmarkLogVerify(b *testing.B) {
	st, agency := benchStore(b)
	ctx := context.Background()
	for i := 0; i < 3000; i++ {
		benchDemand(b, st, agency, i)
	}
	key, err := auditlog.LoadOrCreateKey(filepath.Join(b.TempDir(), "log.key"), "writ.bench/log")
	if err != nil {
		b.Fatal(err)
	}
	signed, err := st.IssueCheckpoint(ctx, key.Signer)
	if err != nil {
		b.Fatal(err)
	}
	size, err := st.LogSize(ctx)
	if err != nil {
		b.Fatal(err)
	}
	var dataBytes int64
	if err := store.QueryRaw(st, `SELECT coalesce(sum(length(data)), 0) FROM events`, &dataBytes); err != nil {
		b.Fatal(err)
	}
	var leafBytes int64
	for n := int64(0); n*256 < size; n++ {
		w := min(256, size-n*256)
		bundle, err := st.EntryBundle(ctx, writ.System(), tlog.Tile{H: 8, L: -1, N: n, W: int(w)})
		if err != nil {
			b.Fatal(err)
		}
		leafBytes += int64(len(bundle)) - 2*w + w // each leaf hashed with its 0x00 prefix
	}
	b.SetBytes(dataBytes + leafBytes + 65*(size-1))
	stopProfile := profileVerification(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := st.VerifyLog(ctx, key.Verifier, signed); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	stopProfile()
}

var verifyProfile = flag.String("verify-cpuprofile", "", "write a CPU profile of BenchmarkLogVerify's timed loop alone to this `file`")

// profileVerification starts the CPU profile of -verify-cpuprofile, if
// set, and returns what stops it. bench/run profiles verification so,
// rather than with -cpuprofile, which would show the 3,000 appends that
// set up every call of the benchmark; the last call, the one with the
// largest b.N, leaves its profile in the file.
func profileVerification(b *testing.B) (stop func()) {
	if *verifyProfile == "" {
		return func() {}
	}
	f, err := os.Create(*verifyProfile)
	if err != nil {
		b.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		b.Fatal(err)
	}
	return func() {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSHA256 is the machine's raw SHA-256 speed on 256-byte inputs,
// about a leaf's size: the ceiling verification is held against.
func BenchmarkSHA256(b *testing.B) {
	buf := make([]byte, 256)
	b.SetBytes(int64(len(buf)))
	for i := 0; i < b.N; i++ {
		sha256.Sum256(buf)
	}
}
