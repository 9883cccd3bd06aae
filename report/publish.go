package report

import (
	"context"
	"time"

	"golang.org/x/mod/sumdb/note"

	"writ"
)

// PublishReport records a report as published: its exact bytes, and an
// event report.published with their SHA-256 appended to the audit log in
// the same transaction. The report must be of the current schema (a report
// of an older one is EINVALID naming "schema"), parse and reconcile, and be
// of a half-year that has ended, computed after its end (ECONFLICT
// otherwise: a preliminary report is for the legal team, never published).
// A report published again for the same period replaces the earlier one,
// which stays public; the event names the one it replaces. The legal team
// only (EFORBIDDEN).
func (s *Service) PublishReport(ctx context.Context, actor writ.Actor, published []byte) (writ.Publication, error) {
	r, err := Parse(published)
	if err != nil {
		return writ.Publication{}, err
	}
	if r.Schema != Schema {
		return writ.Publication{}, writ.FieldErrorf("schema", "this writ publishes %s reports, not %s: build the report of %s again", Schema, r.Schema, r.Period)
	}
	if err := Reconcile(r); err != nil {
		return writ.Publication{}, err
	}
	now := s.nowUTC()
	switch {
	case now.Before(r.PeriodEnd):
		return writ.Publication{}, writ.Errorf(writ.ECONFLICT, "the half-year %s has not ended (it ends %s): a preliminary report may be computed, never published",
			r.Period, r.PeriodEnd.UTC().Format("2006-01-02 15:04 UTC"))
	case r.Preliminary || r.AsOf.Before(r.PeriodEnd):
		return writ.Publication{}, writ.Errorf(writ.ECONFLICT, "the report was computed on %s, before its half-year ended: compute it again",
			r.AsOf.UTC().Format("2006-01-02 15:04 UTC"))
	case r.AsOf.After(now):
		return writ.Publication{}, writ.FieldErrorf("as_of", "the report says it was computed on %s, which is in the future", r.AsOf.UTC().Format("2006-01-02 15:04 UTC"))
	}
	return s.records.Publish(ctx, actor, writ.Publication{Kind: "report", Period: r.Period, CheckpointSize: r.Checkpoint.TreeSize, Body: published})
}

// PublishCanary records a signed warrant canary as published, as
// PublishReport does a report. The canary must verify with the verifier
// and not have expired. The legal team only (EFORBIDDEN).
func (s *Service) PublishCanary(ctx context.Context, actor writ.Actor, signed []byte, verifier note.Verifier) (writ.Publication, error) {
	c, err := OpenCanary(signed, verifier, s.nowUTC())
	if err != nil {
		return writ.Publication{}, err
	}
	return s.records.Publish(ctx, actor, writ.Publication{Kind: "canary", Period: c.Period.String(), CheckpointSize: c.Checkpoint.TreeSize, Body: signed})
}

// CanaryOptions say which warrant canary to build.
type CanaryOptions struct {
	Period Period
	// Checkpoint is the signed checkpoint note the canary speaks as of.
	Checkpoint []byte
	Verifier   note.Verifier
	// Expires is when the canary stops holding; DefaultCanaryExpiry when
	// zero.
	Expires time.Time
}

// BuildCanary makes the warrant canary of a period, issued now, from the
// records as of the checkpoint: the input of the period's report, with the
// rulebook's band structure (the function BuildCanary says what it
// states). The legal team and auditors only (EFORBIDDEN).
func (s *Service) BuildCanary(ctx context.Context, actor writ.Actor, opts CanaryOptions) (*Canary, error) {
	if !actor.Role.SeesAll() {
		return nil, writ.Errorf(writ.EFORBIDDEN, "only the legal team and auditors may build warrant canaries")
	}
	cp, err := openCheckpoint(opts.Checkpoint, opts.Verifier)
	if err != nil {
		return nil, err
	}
	tr := s.rules.Transparency()
	in, err := s.input(ctx, query{period: opts.Period, size: cp.TreeSize, asOf: s.nowUTC().Truncate(time.Second),
		structure: tr.Structure, include: tr.IncludeForeignNationalSecurity})
	if err != nil {
		return nil, err
	}
	in.Checkpoint = cp
	expires := opts.Expires
	if expires.IsZero() {
		expires = DefaultCanaryExpiry(opts.Period)
	}
	return BuildCanary(s.rules, in, expires)
}
