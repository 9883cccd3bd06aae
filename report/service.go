package report

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"

	"writ"
	"writ/auditlog"
	"writ/rules"
)

// Rows is what a report is computed from: the rows and counts of the
// records as of a checkpoint, and the history of the demands changed since
// (*store.Store implements it). No method checks who asks: Service does.
type Rows interface {
	// ReportRows reads, in one snapshot, the rows and counts of the
	// demands of the query's half-years that stand in their rows as the
	// checkpoint left them, and which demands changed since. EINVALID
	// naming "checkpoint" for a checkpoint larger than the records' log.
	ReportRows(ctx context.Context, q writ.ReportQuery) (writ.ReportRows, error)
	// ReplayEvents calls fn with every event of the given demands before
	// log entry size, each demand's in log order.
	ReplayEvents(ctx context.Context, demands []int64, size int64, fn func(demand int64, kind string, data []byte) error) error
	// ReportRegistry reads every agency, and which of the given customers
	// (every one when customers is nil) are enterprise or public-sector
	// customers.
	ReportRegistry(ctx context.Context, customers []int64) (writ.ReportRegistry, error)
}

// History is what verifying a report reads besides the rows: the audit log
// itself, and each demand's row (*store.Store implements it).
type History interface {
	// LogEvents reads the log's first cp.Size entries in order, checks
	// them against their stored hashes and the checkpoint's root (an
	// *auditlog.Mismatch otherwise), calls fn with each event of a demand,
	// and returns the demands with an event at or after the checkpoint.
	LogEvents(ctx context.Context, cp auditlog.Checkpoint, fn func(demand int64, kind string, data []byte) error) (map[int64]bool, error)
	// ReportDemands calls fn with each demand of a half-year as its row
	// holds it, leaving out those with an event at or after log entry
	// size.
	ReportDemands(ctx context.Context, p writ.ReportPeriod, size int64, fn func(writ.ReportDemand)) error
}

// Publisher keeps what is published (*store.Store implements it).
type Publisher interface {
	Published
	// Publish records p.Body as a publication of p.Kind for p.Period,
	// computed at a checkpoint of size p.CheckpointSize, with its SHA-256
	// appended to the audit log, and returns it as recorded. The legal
	// team only (EFORBIDDEN); ECONFLICT for bytes published already.
	Publish(ctx context.Context, actor writ.Actor, p writ.Publication) (writ.Publication, error)
	// PublicationByHash finds a publication by the SHA-256 of its bytes;
	// ENOTFOUND when there is none.
	PublicationByHash(ctx context.Context, kind, sha string) (writ.Publication, error)
}

// Records is everything a Service reads and writes.
type Records interface {
	Rows
	History
	Publisher
}

// Service builds, publishes and verifies transparency reports and warrant
// canaries from the records, by the rulebook's rules. Each method says who
// may call it.
type Service struct {
	records Records
	rules   *rules.Rulebook
	now     func() time.Time
}

// NewService returns a Service over the records that counts by rb, with
// the clock now (time.Now when nil).
func NewService(records Records, rb *rules.Rulebook, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{records: records, rules: rb, now: now}
}

// nowUTC is the time now, to the microsecond the records keep.
func (s *Service) nowUTC() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// BuildOptions say which report to build.
type BuildOptions struct {
	Period Period
	// Checkpoint is the signed checkpoint note to compute the report at.
	Checkpoint []byte
	// Verifier checks the checkpoint's signature.
	Verifier note.Verifier
	// AsOf is the time the report states and judges non-disclosure orders
	// by; the service's clock when zero. Band figures are given only when
	// it is after the period's end.
	AsOf time.Time
	// Bands is the code of the structure of 50 U.S.C. 1874(a) the bands
	// follow (a1, a2, a3, a4); the rulebook's
	// transparency.national_security_bands when "".
	Bands string
}

// BuildReport computes the transparency report of a period as of a
// checkpoint, and reconciles it (a *ReconcileError when the records do not
// add up). The legal team and auditors only (EFORBIDDEN): building reads
// every demand.
func (s *Service) BuildReport(ctx context.Context, actor writ.Actor, opts BuildOptions) (*Report, error) {
	if !actor.Role.SeesAll() {
		return nil, writ.Errorf(writ.EFORBIDDEN, "only the legal team and auditors may build transparency reports")
	}
	cp, err := openCheckpoint(opts.Checkpoint, opts.Verifier)
	if err != nil {
		return nil, err
	}
	asOf := opts.AsOf
	if asOf.IsZero() {
		asOf = s.nowUTC()
	}
	asOf = asOf.UTC().Truncate(time.Second)
	structure, err := s.BandStructure(opts.Bands)
	if err != nil {
		return nil, err
	}
	return s.build(ctx, query{period: opts.Period, size: cp.TreeSize, asOf: asOf, structure: structure,
		include: s.rules.Transparency().IncludeForeignNationalSecurity}, cp)
}

// BandStructure is the structure of 50 U.S.C. 1874(a) a report follows:
// the one code names, or the rulebook's when code is "". EINVALID naming
// the field "bands" for a code that names none. Anyone may ask.
func (s *Service) BandStructure(code string) (rules.BandStructure, error) {
	tr := s.rules.Transparency()
	if code == "" {
		return tr.Structure, nil
	}
	st, ok := tr.StructureByCode(code)
	if !ok {
		return st, writ.FieldErrorf("bands", "%q is not a structure of 50 U.S.C. 1874(a): choose one of %s", code, strings.Join(tr.StructureCodes(), ", "))
	}
	return st, nil
}

// openCheckpoint opens a signed checkpoint for a report.
func openCheckpoint(signed []byte, verifier note.Verifier) (Checkpoint, error) {
	if verifier == nil {
		return Checkpoint{}, writ.FieldErrorf("checkpoint", "a report needs the log's verifier key to check its checkpoint")
	}
	cp, err := auditlog.OpenCheckpoint(signed, verifier)
	if err != nil {
		return Checkpoint{}, writ.FieldErrorf("checkpoint", "%v", err)
	}
	return Checkpoint{Origin: cp.Origin, TreeSize: cp.Size, RootHash: base64Root(cp), Note: string(signed)}, nil
}

// base64Root is a checkpoint's root hash as a report states it.
func base64Root(cp auditlog.Checkpoint) string { return base64.StdEncoding.EncodeToString(cp.Root[:]) }

// query says what a report reads.
type query struct {
	period Period
	size   int64 // the checkpoint's tree size
	asOf   time.Time
	// structure is the structure of 50 U.S.C. 1874(a) the bands follow,
	// and include whether demands of foreign national-security authorities
	// are counted.
	structure rules.BandStructure
	include   bool
	// examples names a demand of every group, for the errors of a report
	// that does not reconcile.
	examples bool
}

// input reads everything a report of the period as of the checkpoint
// needs: the rows and counts, read together, and the demands changed since
// the checkpoint replayed from their events.
func (s *Service) input(ctx context.Context, q query) (Input, error) {
	in := Input{Period: q.period, AsOf: q.asOf, Structure: q.structure, IncludeForeignNationalSecurity: q.include}
	rq := writ.ReportQuery{LogSize: q.size, AsOf: q.asOf, Period: q.period.ReportPeriod(), Examples: q.examples}
	earlier := OtherBandPeriods(q.structure, q.period, q.asOf)
	for _, p := range earlier {
		// Only the half-year's US national-security process is counted.
		e := p.ReportPeriod()
		e.Instruments = s.rules.Transparency().USNationalSecurityInstruments()
		rq.Earlier = append(rq.Earlier, e)
	}
	rows, err := s.records.ReportRows(ctx, rq)
	if err != nil {
		return in, err
	}
	in.Groups, in.Authority, in.Counted, in.ClosedCounted = rows.Period.Groups, rows.Period.Authority, rows.Period.Counted, rows.Period.Closed
	in.Customers, in.UnknownStates = rows.Customers, rows.UnknownStates
	for i, p := range earlier {
		e := rows.Earlier[i]
		in.Earlier = append(in.Earlier, EarlierPeriod{Period: p, Groups: e.Groups, Authority: e.Authority, Counted: e.Counted})
	}
	return in, s.replayTouched(ctx, q.size, rows.Touched, &in)
}

// build builds the report from its input and, when it does not reconcile,
// reads the input again naming a demand of every group, so that the error
// says which records are at fault.
func (s *Service) build(ctx context.Context, q query, cp Checkpoint) (*Report, error) {
	in, err := s.input(ctx, q)
	if err != nil {
		return nil, err
	}
	in.Checkpoint = cp
	r, err := Build(s.rules, in)
	var rec *ReconcileError
	if !errors.As(err, &rec) {
		return r, err
	}
	q.examples = true
	if in, err = s.input(ctx, q); err != nil {
		return nil, err
	}
	in.Checkpoint = cp
	return Build(s.rules, in)
}
