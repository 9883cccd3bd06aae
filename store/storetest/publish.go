package storetest

import (
	"context"
	"testing"
	"time"

	"writ/auditlog"
	"writ/report"
)

// PublishReport publishes the 2026-H2 report and canary of a fixture's
// store as they stand once the half-year has ended (the clock is moved
// there: a report is published only of an ended half-year), and returns
// the report's JSON: what the public transparency pages and files show.
func PublishReport(t *testing.T, f *Fixture, key *auditlog.Key) []byte {
	t.Helper()
	ctx := context.Background()
	if ended := BandsAfter.Add(24 * time.Hour); f.Clock.Now().Before(ended) {
		f.Clock.Advance(ended.Sub(f.Clock.Now()))
	}
	signed, err := f.Store.IssueCheckpoint(ctx, key.Signer)
	if err != nil {
		t.Fatal(err)
	}
	reports := report.NewService(f.Store, f.Store.Rules(), f.Clock.Now)
	h2 := report.Period{Year: 2026, Half: 2}
	r, err := reports.BuildReport(ctx, f.Auditor, report.BuildOptions{Period: h2, Checkpoint: signed, Verifier: key.Verifier, AsOf: BandsAfter})
	if err != nil {
		t.Fatal(err)
	}
	body, err := r.JSON()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := reports.PublishReport(ctx, f.Admin, body); err != nil {
		t.Fatal(err)
	}
	c, err := reports.BuildCanary(ctx, f.Auditor, report.CanaryOptions{Period: h2, Checkpoint: signed, Verifier: key.Verifier})
	if err != nil {
		t.Fatal(err)
	}
	canary, err := c.Sign(key.Signer)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := reports.PublishCanary(ctx, f.Admin, canary, key.Verifier); err != nil {
		t.Fatal(err)
	}
	return body
}
