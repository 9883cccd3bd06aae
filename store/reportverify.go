package store

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"writ"
	"writ/auditlog"
	"writ/report"
)

// ReportVerification is what VerifyReport found. The report holds when
// Problems is empty.
type ReportVerification struct {
	Report *report.Report
	// Demands is how many demands of the period the log holds at the
	// report's checkpoint, national-security ones included.
	Demands int
	// Published is the publication of exactly these bytes, when there is
	// one.
	Published *Publication
	Problems  []string
}

// VerifyReport checks a published report against this database, all of:
//
//   - the report adds up (report.Reconcile) and its checkpoint is signed by
//     the verifier's key;
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
func (s *Store) VerifyReport(ctx context.Context, actor writ.Actor, published []byte, verifier note.Verifier) (*ReportVerification, error) {
	if !actor.Role.SeesAll() {
		return nil, writ.Errorf(writ.EFORBIDDEN, "only the legal team and auditors may verify transparency reports")
	}
	r, err := report.Parse(published)
	if err != nil {
		return nil, err
	}
	if r.Schema != report.Schema {
		return nil, writ.FieldErrorf("schema", "the report of %s is of schema %s, which banded every national-security demand under rulebook v1; this writ verifies %s reports only",
			r.Period, r.Schema, report.Schema)
	}
	v := &ReportVerification{Report: r}
	problem := func(format string, args ...any) { v.Problems = append(v.Problems, fmt.Sprintf(format, args...)) }
	var rec *report.ReconcileError
	if err := report.Reconcile(r); errors.As(err, &rec) {
		for _, p := range rec.Problems {
			problem("the report does not add up: %s", p)
		}
	}
	period, _ := report.ParsePeriod(r.Period)
	if !r.PeriodStart.Equal(period.Start()) || !r.PeriodEnd.Equal(period.End()) || r.Basis != report.Basis {
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
	include := !slices.Contains(r.NotIncluded.Categories, report.CategoryForeignNationalSecurity)
	periods := append([]report.Period{period}, report.OtherBandPeriods(structure, period, r.AsOf)...)
	cp, err := auditlog.OpenCheckpoint([]byte(r.Checkpoint.Note), verifier)
	if err != nil {
		problem("the report's checkpoint does not verify with the key of %s: %v", verifier.Name(), err)
		return v, nil
	}
	if cp.Origin != r.Checkpoint.Origin || cp.Size != r.Checkpoint.TreeSize || base64.StdEncoding.EncodeToString(cp.Root[:]) != r.Checkpoint.RootHash {
		problem("the report states checkpoint %s %d %s but its signed note says %s %d %x", r.Checkpoint.Origin, r.Checkpoint.TreeSize,
			r.Checkpoint.RootHash, cp.Origin, cp.Size, cp.Root[:])
		return v, nil
	}

	// The log before the checkpoint: its integrity, and the demands of
	// the half-years the report counts replayed from it.
	replayed, touched, err := s.replayLog(ctx, periods, cp)
	var mismatch *auditlog.Mismatch
	if errors.As(err, &mismatch) {
		problem("the log does not verify: %v", mismatch)
		return v, nil
	}
	if err != nil {
		return nil, err
	}
	reg, err := s.reportRegistry(ctx, s.read, nil)
	if err != nil {
		return nil, err
	}
	in := report.Input{Period: period, AsOf: r.AsOf, Checkpoint: r.Checkpoint, Structure: structure, IncludeForeignNationalSecurity: include}
	for _, p := range periods[1:] {
		in.Earlier = append(in.Earlier, report.EarlierPeriod{Period: p})
	}
	for _, f := range replayed {
		if period.Contains(f.receivedAt) {
			v.Demands++
		}
		addFacts(&in, f, reg, s.rules.LongNDOAfter())
	}
	compare := func(source string, in report.Input, err error) {
		if err != nil {
			problem("%s: %v", source, err)
			return
		}
		again, err := report.Build(s.rules, in)
		if err != nil {
			problem("%s: %v", source, err)
			return
		}
		for _, d := range report.Diff(r, again) {
			problem("%s: %s", source, d)
		}
	}
	compare("recomputed from the log", in, nil)
	fromRecords, err := s.reportInput(ctx, reportQuery{period: period, size: r.Checkpoint.TreeSize, asOf: r.AsOf, examples: true,
		structure: structure, include: include})
	if writ.ErrorCode(err) == writ.EUNAVAILABLE {
		return nil, err
	}
	fromRecords.Checkpoint = r.Checkpoint
	compare("recomputed from the records", fromRecords, err)

	// Each record of the half-years counted against its history.
	records := map[int64]*demandFacts{}
	for _, p := range periods {
		if err := s.periodRecords(ctx, p, cp.Size, records); err != nil {
			return nil, err
		}
	}
	for _, f := range replayed {
		got, ok := records[f.id]
		delete(records, f.id)
		switch {
		case touched[f.id]:
		case !ok:
			problem("demand %d: received in %s according to the log, but not in the records", f.id, report.PeriodOf(f.receivedAt))
		default:
			for _, d := range f.differences(got) {
				problem("demand %d: %s", f.id, d)
			}
		}
	}
	extra := make([]int64, 0, len(records))
	for id := range records {
		extra = append(extra, id)
	}
	slices.Sort(extra)
	for _, id := range extra {
		problem("demand %d: received in %s according to the records, but the log has no such demand before entry %d", id, report.PeriodOf(records[id].receivedAt), cp.Size)
	}

	p, err := s.publicationByHash(ctx, "report", report.SHA256(published))
	if err == nil {
		v.Published = &p
	} else if !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	return v, nil
}

// differences lists how a record differs from its replayed history.
func (f *demandFacts) differences(rec *demandFacts) []string {
	var out []string
	diff := func(what string, log, records any) {
		if fmt.Sprint(log) != fmt.Sprint(records) {
			out = append(out, fmt.Sprintf("%s is %v in the records but %v according to the log", what, records, log))
		}
	}
	diff("received_at", f.receivedAt.Format(time.RFC3339Nano), rec.receivedAt.Format(time.RFC3339Nano))
	diff("the agency", f.agencyID, rec.agencyID)
	diff("the customer", f.customerID, rec.customerID)
	diff("the authority's country", f.country, rec.country)
	diff("the state", f.state, rec.state)
	diff("the outcome", f.outcome, rec.outcome)
	diff("the instrument", f.instrument, rec.instrument)
	diff("the data categories", f.categories, rec.categories)
	diff("the number of accounts", f.accounts, rec.accounts)
	diff("the emergency", f.emergency, rec.emergency)
	diff("the non-disclosure order", fmt.Sprint(f.ndo, " ", f.ndoUntil), fmt.Sprint(rec.ndo, " ", rec.ndoUntil))
	diff("the NATIONAL_SECURITY flag", f.nsFlag, rec.nsFlag)
	return out
}

// replayLog reads the log's first cp.Size entries in order, checks each
// against the hash stored when it was appended and the whole against the
// checkpoint's root (an *auditlog.Mismatch otherwise), and replays the
// events of the demands received in the half-years. It also returns the
// demands with events after the checkpoint.
func (s *Store) replayLog(ctx context.Context, periods []report.Period, cp auditlog.Checkpoint) ([]*demandFacts, map[int64]bool, error) {
	r := newReplay(periods...)
	touched := map[int64]bool{}
	var facts []*demandFacts
	err := s.snapshot(ctx, func(tx *sql.Tx) error {
		var size int64
		if err := tx.QueryRowContext(ctx, `SELECT size FROM log_head WHERE id = 1`).Scan(&size); err != nil {
			return fmt.Errorf("store: verify: %w", err)
		}
		if cp.Size > size {
			return &auditlog.Mismatch{Index: size, Reason: fmt.Sprintf("the checkpoint has %d entries but the log only %d", cp.Size, size)}
		}
		var v auditlog.Verifier
		hr := &hashReader{ctx: ctx, s: s, db: tx, cache: map[int64]tlog.Hash{}}
		const batch = 4096
		for from := int64(0); from < cp.Size; from += batch {
			to := min(from+batch, cp.Size)
			indexes := make([]int64, 0, to-from)
			for i := from; i < to; i++ {
				indexes = append(indexes, tlog.StoredHashIndex(0, i))
			}
			stored, err := hr.ReadHashes(indexes)
			if err != nil {
				return &auditlog.Mismatch{Index: from, Reason: "the stored hashes are incomplete: " + err.Error()}
			}
			clear(hr.cache)
			rows, err := tx.QueryContext(ctx, s.q(`SELECT log_index, demand_id, actor_id, actor, kind, data, at FROM events
				WHERE log_index >= ? AND log_index < ? ORDER BY log_index`), from, to)
			if err != nil {
				return unavailableOr(err, "store: verify")
			}
			for rows.Next() {
				var e auditlog.Event
				var demand, actorID sql.NullInt64
				var data string
				if err := rows.Scan(&e.Index, &demand, &actorID, &e.Actor, &e.Kind, &data, &e.At); err != nil {
					rows.Close()
					return fmt.Errorf("store: verify: %w", err)
				}
				e.DemandID, e.ActorID, e.Data = demand.Int64, actorID.Int64, []byte(data)
				if err := v.Add(e.Index, auditlog.Leaf(e), stored[e.Index-from]); err != nil {
					rows.Close()
					return err
				}
				if demand.Valid {
					if err := r.apply(demand.Int64, e.Kind, e.Data); err != nil {
						rows.Close()
						return err
					}
				}
			}
			if err := rows.Close(); err != nil {
				return fmt.Errorf("store: verify: %w", err)
			}
			if v.Size() != to {
				return &auditlog.Mismatch{Index: v.Size(), Reason: "the entry is missing (deleted or moved)"}
			}
		}
		if v.Root() != cp.Root {
			return &auditlog.Mismatch{Index: cp.Size - 1, Reason: "the entries do not produce the checkpoint's root hash"}
		}
		rows, err := tx.QueryContext(ctx, s.q(`SELECT DISTINCT demand_id FROM events WHERE log_index >= ? AND demand_id IS NOT NULL`), cp.Size)
		if err != nil {
			return fmt.Errorf("store: verify: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return fmt.Errorf("store: verify: %w", err)
			}
			touched[id] = true
		}
		if err := rows.Err(); err != nil {
			return err
		}
		reg, err := s.reportRegistry(ctx, tx, nil)
		if err != nil {
			return err
		}
		facts = r.facts(reg)
		return nil
	})
	return facts, touched, err
}

// periodRecords reads into out the facts of a half-year's demands from
// their rows, leaving out those changed since the checkpoint.
func (s *Store) periodRecords(ctx context.Context, p report.Period, size int64, out map[int64]*demandFacts) error {
	rows, err := s.read.QueryContext(ctx, s.q(`SELECT d.id, d.received_at, d.agency_id, d.customer_id, d.authority_country, d.state,
		COALESCE(d.outcome, ''), d.instrument, d.data_categories, `+s.accountCount()+`, d.emergency, d.ndo, d.ndo_until, d.flags
		FROM demands d WHERE d.received_at >= ? AND d.received_at < ? AND d.id NOT IN (SELECT demand_id FROM events WHERE log_index >= ? AND demand_id IS NOT NULL)`),
		p.Start(), p.End(), size)
	if err != nil {
		return unavailableOr(err, "store: verify")
	}
	defer rows.Close()
	for rows.Next() {
		f := &demandFacts{}
		var state, categories, flags string
		if err := rows.Scan(&f.id, &f.receivedAt, &f.agencyID, &f.customerID, &f.country, &state, &f.outcome, &f.instrument,
			&categories, &f.accounts, &f.emergency, &f.ndo, &f.ndoUntil, &flags); err != nil {
			return fmt.Errorf("store: verify: %w", err)
		}
		f.receivedAt, f.state, f.categories = f.receivedAt.UTC(), writ.State(state), categoriesOf(categories)
		list, err := fromJSONText[string](flags)
		f.nsFlag = err == nil && slices.Contains(list, "NATIONAL_SECURITY")
		out[f.id] = f
	}
	return rows.Err()
}

// publicationByHash finds a publication by the SHA-256 of its bytes.
func (s *Store) publicationByHash(ctx context.Context, kind, sha string) (Publication, error) {
	return scanPublication(s.read.QueryRowContext(ctx, s.q(`SELECT `+publicationColumns+` FROM publications WHERE kind = ? AND sha256 = ?`), kind, sha))
}
