package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"golang.org/x/mod/sumdb/tlog"

	"writ"
	"writ/auditlog"
)

// What a report needs besides the rows: the history of demands, from the
// audit log's events, to replay the demands changed since a checkpoint and
// to verify a published report, and the agencies and customers a replayed
// demand names. The store reads; package report replays and compares.

// LogEvents reads the audit log's first cp.Size entries in order, in one
// snapshot, checks each against the hash stored when it was appended and
// the whole against the checkpoint's root (an *auditlog.Mismatch
// otherwise), and calls fn with each event of a demand. It returns the
// demands with an event at or after the checkpoint. Package report calls
// it to verify a report, and checks who may.
func (s *Store) LogEvents(ctx context.Context, cp auditlog.Checkpoint, fn func(demand int64, kind string, data []byte) error) (map[int64]bool, error) {
	touched := map[int64]bool{}
	err := s.snapshot(ctx, func(tx *sql.Tx) error {
		var size int64
		if err := tx.QueryRowContext(ctx, `SELECT size FROM log_head WHERE id = 1`).Scan(&size); err != nil {
			return fmt.Errorf("store: verify: %w", err)
		}
		if cp.Size > size {
			return &auditlog.Mismatch{Index: size, Reason: fmt.Sprintf("the checkpoint has %d entries but the log only %d", cp.Size, size)}
		}
		var v auditlog.Verifier
		var h auditlog.LeafHasher
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
			rows, err := tx.QueryContext(ctx, `SELECT log_index, demand_id, actor_id, actor, kind, data, at FROM events
				WHERE log_index >= $1 AND log_index < $2 ORDER BY log_index`, from, to)
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
				if err := checkNext(&v, &h, e, stored, from); err != nil {
					rows.Close()
					return err
				}
				if demand.Valid {
					if err := fn(demand.Int64, e.Kind, e.Data); err != nil {
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
		rows, err := tx.QueryContext(ctx, `SELECT DISTINCT demand_id FROM events WHERE (log_index >= $1 OR log_index IS NULL) AND demand_id IS NOT NULL`, cp.Size)
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
		return rows.Err()
	})
	return touched, err
}

// ReplayEvents calls fn with every event of the given demands before log
// entry size: the demands one after another by id, the events of each in
// log order. Events before a checkpoint never change, so they need not be
// read in the snapshot the rows were read in. Package report calls it to
// replay the demands changed since a checkpoint.
func (s *Store) ReplayEvents(ctx context.Context, demands []int64, size int64, fn func(demand int64, kind string, data []byte) error) error {
	for start := 0; start < len(demands); start += 500 {
		part := demands[start:min(start+500, len(demands))]
		a := params{size}
		in := make([]string, len(part))
		for i, id := range part {
			in[i] = a.add(id)
		}
		rows, err := s.read.QueryContext(ctx, `SELECT demand_id, kind, data FROM events
			WHERE demand_id IN (`+strings.Join(in, ", ")+`) AND log_index < $1 ORDER BY demand_id, log_index`, a...)
		if err != nil {
			return unavailableOr(err, "store: report replay")
		}
		for rows.Next() {
			var id int64
			var kind, data string
			if err := rows.Scan(&id, &kind, &data); err != nil {
				rows.Close()
				return fmt.Errorf("store: report replay: %w", err)
			}
			if err := fn(id, kind, []byte(data)); err != nil {
				rows.Close()
				return err
			}
		}
		if err := rows.Close(); err != nil {
			return fmt.Errorf("store: report replay: %w", err)
		}
	}
	return nil
}

// ReportDemands calls fn with the facts of each demand of a half-year as
// its row holds them, leaving out those with an event at or after log
// entry size (changed since a checkpoint of that size). Package report
// compares them with the demands' history when it verifies a report.
func (s *Store) ReportDemands(ctx context.Context, p writ.ReportPeriod, size int64, fn func(writ.ReportDemand)) error {
	rows, err := s.read.QueryContext(ctx, `SELECT d.id, d.received_at, d.agency_id, d.customer_id, d.authority_country, d.state,
		COALESCE(d.outcome, ''), d.instrument, d.data_categories, `+s.accountCount()+`, d.emergency, d.ndo, d.ndo_until, d.flags
		FROM demands d WHERE d.received_at >= $1 AND d.received_at < $2 AND d.id NOT IN (SELECT demand_id FROM events WHERE (log_index >= $3 OR log_index IS NULL) AND demand_id IS NOT NULL)`,
		p.Start, p.End, size)
	if err != nil {
		return unavailableOr(err, "store: verify")
	}
	defer rows.Close()
	for rows.Next() {
		var f writ.ReportDemand
		var state, categories, flags string
		if err := rows.Scan(&f.ID, &f.ReceivedAt, &f.AgencyID, &f.CustomerID, &f.Country, &state, &f.Outcome, &f.Instrument,
			&categories, &f.Accounts, &f.Emergency, &f.NDO, &f.NDOUntil, &flags); err != nil {
			return fmt.Errorf("store: verify: %w", err)
		}
		f.ReceivedAt, f.State, f.Categories = f.ReceivedAt.UTC(), writ.State(state), categoriesOf(categories)
		list, err := fromJSONText[string](flags)
		f.NationalSecurityFlag = err == nil && slices.Contains(list, "NATIONAL_SECURITY")
		fn(f)
	}
	return rows.Err()
}

// ReportRegistry reads every agency's country and kind, and which of the
// given customers (every customer when customers is nil) are enterprise or
// public-sector customers: what a report needs to count a demand replayed
// from its events.
func (s *Store) ReportRegistry(ctx context.Context, customers []int64) (writ.ReportRegistry, error) {
	reg := writ.ReportRegistry{AgencyCountry: map[int64]string{}, NationalSecurity: map[int64]bool{}, Enterprise: map[int64]bool{}}
	rows, err := s.read.QueryContext(ctx, `SELECT id, country, kind FROM agencies`)
	if err != nil {
		return reg, fmt.Errorf("store: report: %w", err)
	}
	for rows.Next() {
		var id int64
		var country, kind string
		if err := rows.Scan(&id, &country, &kind); err != nil {
			rows.Close()
			return reg, fmt.Errorf("store: report: %w", err)
		}
		reg.AgencyCountry[id], reg.NationalSecurity[id] = country, kind == "national_security"
	}
	if err := rows.Close(); err != nil {
		return reg, err
	}
	const query = `SELECT id FROM customers WHERE kind IN ('enterprise', 'public_sector')`
	collect := func(rows *sql.Rows, err error) error {
		if err != nil {
			return fmt.Errorf("store: report: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return fmt.Errorf("store: report: %w", err)
			}
			reg.Enterprise[id] = true
		}
		return rows.Err()
	}
	if customers == nil {
		return reg, collect(s.read.QueryContext(ctx, query))
	}
	for start := 0; start < len(customers); start += 500 {
		part := customers[start:min(start+500, len(customers))]
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = id
		}
		if err := collect(s.read.QueryContext(ctx, query+` AND id IN (`+ordinals(1, len(part))+`)`, args...)); err != nil {
			return reg, err
		}
	}
	return reg, nil
}

// checkNext checks e, which should be entry v.Size(), against its stored
// leaf hash (stored holds those of the entries from from on) and adds it
// to the tree.
func checkNext(v *auditlog.Verifier, h *auditlog.LeafHasher, e auditlog.Event, stored []tlog.Hash, from int64) error {
	if e.Index != v.Size() {
		return &auditlog.Mismatch{Index: v.Size(), Reason: "the entry is missing (deleted or moved)"}
	}
	leaf, err := h.Check(e, stored[e.Index-from])
	if err != nil {
		return err
	}
	return v.AddHash(e.Index, leaf)
}
