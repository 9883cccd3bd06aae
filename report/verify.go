package report

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"golang.org/x/mod/sumdb/note"

	"writ"
	"writ/auditlog"
)

// Verification is what VerifyReport found. The report holds when Problems
// is empty.
type Verification struct {
	Report *Report
	// Demands is how many demands of the period the log holds at the
	// report's checkpoint, national-security ones included.
	Demands int
	// Published is the publication of exactly these bytes, when there is
	// one.
	Published *writ.Publication
	Problems  []string
}

// VerifyReport checks a published report against the records, all of:
//
//   - the report adds up (Reconcile) and its checkpoint is signed by the
//     verifier's key;
//   - the log's first TreeSize entries, recomputed from the event rows,
//     give the checkpoint's root hash: no event before it was changed;
//   - the report recomputed from the log alone — the period's demands
//     replayed from their events before the checkpoint — has the same
//     figures;
//   - the report recomputed from the records as of the checkpoint, as
//     BuildReport computes it, has the same figures;
//   - every demand of the period whose record was not changed since the
//     checkpoint stands in its row as its events left it.
//
// So a report passes only if it is what the records committed to the log
// before its checkpoint give, and the records still are those. The legal
// team and auditors only (EFORBIDDEN).
//
// Long because: it is the verification's steps in the order its comment lists
// them, each using what the one before established.
func (s *Service) VerifyReport(ctx context.Context, actor writ.Actor, published []byte, verifier note.Verifier) (*Verification, error) {
	if !actor.Role.SeesAll() {
		return nil, writ.Errorf(writ.EFORBIDDEN, "only the legal team and auditors may verify transparency reports")
	}
	r, err := Parse(published)
	if err != nil {
		return nil, err
	}
	if r.Schema != Schema {
		return nil, writ.FieldErrorf("schema", "the report of %s is of schema %s, which banded every national-security demand under rulebook v1; this writ verifies %s reports only",
			r.Period, r.Schema, Schema)
	}
	v := &Verification{Report: r}
	problem := func(format string, args ...any) { v.Problems = append(v.Problems, fmt.Sprintf(format, args...)) }
	var rec *ReconcileError
	if err := Reconcile(r); errors.As(err, &rec) {
		for _, p := range rec.Problems {
			problem("the report does not add up: %s", p)
		}
	}
	period, _ := ParsePeriod(r.Period)
	if !r.PeriodStart.Equal(period.Start()) || !r.PeriodEnd.Equal(period.End()) || r.Basis != Basis {
		problem("the report's period bounds or basis are not those of %s", r.Period)
	}
	// The report is recomputed by the rules it states: its structure of
	// 1874(a) and whether it left out the demands of foreign
	// national-security authorities.
	structure, ok := s.rules.Transparency().StructureByCode(r.NationalSecurity.Structure)
	if !ok {
		problem("the report's bands follow %q, not a structure of 50 U.S.C. 1874(a)", r.NationalSecurity.Structure)
		return v, nil
	}
	include := !slices.Contains(r.NotIncluded.Categories, CategoryForeignNationalSecurity)
	periods := append([]Period{period}, OtherBandPeriods(structure, period, r.AsOf)...)
	cp, err := auditlog.OpenCheckpoint([]byte(r.Checkpoint.Note), verifier)
	if err != nil {
		problem("the report's checkpoint does not verify with the key of %s: %v", verifier.Name(), err)
		return v, nil
	}
	if cp.Origin != r.Checkpoint.Origin || cp.Size != r.Checkpoint.TreeSize || base64Root(cp) != r.Checkpoint.RootHash {
		problem("the report states checkpoint %s %d %s but its signed note says %s %d %x", r.Checkpoint.Origin, r.Checkpoint.TreeSize,
			r.Checkpoint.RootHash, cp.Origin, cp.Size, cp.Root[:])
		return v, nil
	}

	// The log before the checkpoint: its integrity, and the demands of
	// the half-years the report counts replayed from it.
	replayed := newReplay(periods...)
	touched, err := s.records.LogEvents(ctx, cp, replayed.apply)
	var mismatch *auditlog.Mismatch
	if errors.As(err, &mismatch) {
		problem("the log does not verify: %v", mismatch)
		return v, nil
	}
	if err != nil {
		return nil, err
	}
	reg, err := s.readRegistry(ctx, nil)
	if err != nil {
		return nil, err
	}
	facts := replayed.facts(reg)
	in := Input{Period: period, AsOf: r.AsOf, Checkpoint: r.Checkpoint, Structure: structure, IncludeForeignNationalSecurity: include}
	for _, p := range periods[1:] {
		in.Earlier = append(in.Earlier, EarlierPeriod{Period: p})
	}
	for _, f := range facts {
		if period.Contains(f.ReceivedAt) {
			v.Demands++
		}
		addFacts(&in, f, reg, s.rules.LongNDOAfter())
	}
	compare := func(source string, in Input, err error) {
		if err != nil {
			problem("%s: %v", source, err)
			return
		}
		again, err := Build(s.rules, in)
		if err != nil {
			problem("%s: %v", source, err)
			return
		}
		for _, d := range Diff(r, again) {
			problem("%s: %s", source, d)
		}
	}
	compare("recomputed from the log", in, nil)
	fromRecords, err := s.input(ctx, query{period: period, size: r.Checkpoint.TreeSize, asOf: r.AsOf, examples: true,
		structure: structure, include: include})
	if writ.ErrorCode(err) == writ.EUNAVAILABLE {
		return nil, err
	}
	fromRecords.Checkpoint = r.Checkpoint
	compare("recomputed from the records", fromRecords, err)

	// Each record of the half-years counted against its history.
	records := map[int64]*writ.ReportDemand{}
	for _, p := range periods {
		err := s.records.ReportDemands(ctx, p.ReportPeriod(), cp.Size, func(d writ.ReportDemand) { records[d.ID] = &d })
		if err != nil {
			return nil, err
		}
	}
	for _, f := range facts {
		got, ok := records[f.ID]
		delete(records, f.ID)
		switch {
		case touched[f.ID]:
		case !ok:
			problem("demand %d: received in %s according to the log, but not in the records", f.ID, PeriodOf(f.ReceivedAt))
		default:
			for _, d := range differences(f, got) {
				problem("demand %d: %s", f.ID, d)
			}
		}
	}
	extra := make([]int64, 0, len(records))
	for id := range records {
		extra = append(extra, id)
	}
	slices.Sort(extra)
	for _, id := range extra {
		problem("demand %d: received in %s according to the records, but the log has no such demand before entry %d", id, PeriodOf(records[id].ReceivedAt), cp.Size)
	}

	p, err := s.records.PublicationByHash(ctx, "report", SHA256(published))
	if err == nil {
		v.Published = &p
	} else if writ.ErrorCode(err) != writ.ENOTFOUND {
		return nil, err
	}
	return v, nil
}

// differences lists how a record differs from its replayed history.
func differences(log, rec *writ.ReportDemand) []string {
	var out []string
	diff := func(what string, log, records any) {
		if fmt.Sprint(log) != fmt.Sprint(records) {
			out = append(out, fmt.Sprintf("%s is %v in the records but %v according to the log", what, records, log))
		}
	}
	diff("received_at", log.ReceivedAt.Format(time.RFC3339Nano), rec.ReceivedAt.Format(time.RFC3339Nano))
	diff("the agency", log.AgencyID, rec.AgencyID)
	diff("the customer", log.CustomerID, rec.CustomerID)
	diff("the authority's country", log.Country, rec.Country)
	diff("the state", log.State, rec.State)
	diff("the outcome", log.Outcome, rec.Outcome)
	diff("the instrument", log.Instrument, rec.Instrument)
	diff("the data categories", log.Categories, rec.Categories)
	diff("the number of accounts", log.Accounts, rec.Accounts)
	diff("the emergency", log.Emergency, rec.Emergency)
	diff("the non-disclosure order", fmt.Sprint(log.NDO, " ", log.NDOUntil), fmt.Sprint(rec.NDO, " ", rec.NDOUntil))
	diff("the NATIONAL_SECURITY flag", log.NationalSecurityFlag, rec.NationalSecurityFlag)
	return out
}
