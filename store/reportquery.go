package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"writ"
	"writ/report"
)

// The queries a report is computed with. The one that reads every demand
// of the period is the GROUP BY of reportGroups, answered from one index
// alone (periodRows); the others read only what is rare (demands
// of national-security authorities, of enterprise customers, in an unknown
// state, changed since the checkpoint) through indexes that lead to it.

// reportQuery says what to read.
type reportQuery struct {
	period report.Period
	size   int64 // the checkpoint's tree size
	asOf   time.Time
	// examples names a demand of every group, for the errors of a report
	// that does not reconcile; it costs a little, so it is asked for only
	// then.
	examples bool
	// canary also counts the demands under long non-disclosure orders.
	canary bool
	// indexes are the demands table's indexes (SQLite only), so that a
	// query names only an index the database has.
	indexes map[string]bool
}

// reportFacts are what a report or a canary is computed from.
type reportFacts struct {
	in report.Input
	// nsAuthority is how many of the period's demands came from an
	// authority of kind national_security, whatever the instrument, and
	// longGags how many carry a non-disclosure order without end or longer
	// than a year (counted for canaries only).
	nsAuthority, longGags int64
}

// reportInput reads everything a report of the period as of the
// checkpoint needs, in one read transaction so that it all agrees.
func (s *Store) reportInput(ctx context.Context, q reportQuery) (reportFacts, error) {
	var f reportFacts
	err := s.snapshot(ctx, func(tx *sql.Tx) error {
		var size int64
		err := tx.QueryRowContext(ctx, `SELECT size FROM log_head WHERE id = 1`).Scan(&size)
		if err != nil {
			return fmt.Errorf("store: report: %w", err)
		}
		if q.size > size {
			return writ.FieldErrorf("checkpoint", "the checkpoint has %d entries but this database's log only %d: it is another log's", q.size, size)
		}
		if q.indexes, err = s.demandIndexes(ctx, tx); err != nil {
			return err
		}
		touched, err := s.touchedSince(ctx, tx, q.size)
		if err != nil {
			return err
		}
		// The demands changed since the checkpoint are not counted from
		// their rows but replayed; at the latest checkpoint there are none.
		excl := exclusion{}
		switch {
		case len(touched) == 0:
		case len(touched) <= 500:
			excl.sql = ` AND d.id NOT IN (` + placeholders(len(touched)) + `)`
			excl.args = touched
		default:
			excl.sql = ` AND d.id NOT IN (SELECT demand_id FROM events WHERE log_index >= ? AND demand_id IS NOT NULL)`
			excl.args = []any{q.size}
		}
		// The independent count, the reconciliation's total, and the
		// enterprise customers are read beside the GROUP BY.
		period := s.periodRows(q)
		beside := s.alongside(ctx, tx, func(db querier) error {
			err := db.QueryRowContext(ctx, s.q(`SELECT count(*), count(d.outcome) FROM demands d`+period.index+`
				WHERE `+period.where+excl.sql), excl.with(period.args...)...).Scan(&f.in.Counted, &f.in.ClosedCounted)
			if err != nil {
				return unavailableOr(err, "store: report count")
			}
			f.in.Customers, err = s.reportCustomers(ctx, db, q, excl)
			return err
		})
		f.in.Groups, err = s.reportGroups(ctx, tx, q, excl)
		if err := errors.Join(err, beside()); err != nil {
			return err
		}
		if err := s.reportNationalSecurity(ctx, tx, q, excl, &f); err != nil {
			return err
		}
		if f.in.UnknownStates, err = s.reportUnknownStates(ctx, tx, q, excl); err != nil {
			return err
		}
		if q.canary {
			err := tx.QueryRowContext(ctx, s.q(`SELECT count(*) FROM demands d`+period.index+` WHERE `+period.where+`
				AND (d.flags LIKE '%"INDEFINITE_NDO"%' OR d.flags LIKE '%"NDO_OVER_ONE_YEAR"%')`+excl.sql),
				excl.with(period.args...)...).Scan(&f.longGags)
			if err != nil {
				return unavailableOr(err, "store: canary")
			}
		}
		return s.replayTouched(ctx, tx, q, touched, &f)
	})
	f.in.Period, f.in.AsOf = q.period, q.asOf
	return f, err
}

// alongside runs read on a second connection in the snapshot of tx
// (exported to it), at the same time as what the caller goes on to read on
// tx, and returns a function that waits for it and says whether it failed.
// That is on PostgreSQL; SQLite cannot share a snapshot between
// connections, so there read runs on tx before alongside returns.
func (s *Store) alongside(ctx context.Context, tx *sql.Tx, read func(querier) error) (wait func() error) {
	if !s.postgres {
		err := read(tx)
		return func() error { return err }
	}
	var snapshot string
	if err := tx.QueryRowContext(ctx, `SELECT pg_export_snapshot()`).Scan(&snapshot); err != nil {
		return func() error { return unavailableOr(err, "store: report snapshot") }
	}
	if !snapshotID.MatchString(snapshot) {
		err := fmt.Errorf("store: report: PostgreSQL exported a snapshot named %q, not of the form expected", snapshot)
		return func() error { return err }
	}
	done := make(chan error, 1)
	go func() {
		other, err := s.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead})
		if err != nil {
			done <- unavailable(err)
			return
		}
		defer other.Rollback()
		if _, err := other.ExecContext(ctx, `SET TRANSACTION SNAPSHOT '`+snapshot+`'`); err != nil {
			done <- unavailableOr(err, "store: report snapshot")
			return
		}
		done <- read(other)
	}()
	return func() error { return <-done }
}

// snapshotID is the form of PostgreSQL's snapshot identifiers, which are
// written into SET TRANSACTION SNAPSHOT (it takes no parameters).
var snapshotID = regexp.MustCompile(`^[0-9A-F]+-[0-9A-F]+(-[0-9]+)?$`)

// exclusion leaves the demands changed since the checkpoint out of a query.
type exclusion struct {
	sql  string
	args []any
}

// with returns the query's arguments followed by the exclusion's.
func (e exclusion) with(args ...any) []any { return append(args, e.args...) }

func placeholders(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }

// snapshot runs fn in a read-only transaction that sees one state of the
// database throughout.
func (s *Store) snapshot(ctx context.Context, fn func(*sql.Tx) error) error {
	opts := &sql.TxOptions{ReadOnly: true}
	if s.postgres {
		opts.Isolation = sql.LevelRepeatableRead
	}
	tx, err := s.read.BeginTx(ctx, opts)
	if err != nil {
		return unavailable(err)
	}
	defer tx.Rollback()
	return fn(tx)
}

// touchedSince lists the demands with an event at or after a log index:
// their rows may no longer be what they were at a checkpoint of that size.
func (s *Store) touchedSince(ctx context.Context, db querier, size int64) ([]any, error) {
	return s.queryIDs(ctx, db, `SELECT DISTINCT demand_id FROM events WHERE log_index >= ? AND demand_id IS NOT NULL`, size)
}

// nationalSecurityFlag is the test of the NATIONAL_SECURITY flag on a
// demand's flags.
const nationalSecurityFlag = `d.flags LIKE '%"NATIONAL_SECURITY"%'`

// periodFilter is a condition on demands d with its arguments, and the
// index to read the demands it picks through ("" to leave it to the
// planner).
type periodFilter struct {
	where, index string
	args         []any
}

// periodRows picks a period's demands for the queries that read all of
// them. On SQLite that is the half_year column and demands_half_year,
// which holds a period's demands in the order of the report's groups; on
// PostgreSQL, whose hash aggregate needs no order, the time of receipt,
// through demands_report or demands_received as its planner chooses.
func (s *Store) periodRows(q reportQuery) periodFilter {
	if s.postgres {
		return periodFilter{where: `d.received_at >= ? AND d.received_at < ?`, args: []any{q.period.Start(), q.period.End()}}
	}
	return periodFilter{where: `d.half_year = ?`, index: s.indexedBy(q, "demands_half_year"), args: []any{q.period.String()}}
}

// reportGroups counts the period's demands that stand in their rows as of
// the checkpoint with one GROUP BY, keyed by country, outcome, instrument,
// data categories and flags (the columns of demands_half_year, in its
// order, so that SQLite groups without sorting); emergencies and delayed
// notices are summed. Groups that differ only in flags other than
// NATIONAL_SECURITY are then merged.
func (s *Store) reportGroups(ctx context.Context, db querier, q reportQuery, excl exclusion) ([]report.Group, error) {
	example := ""
	if q.examples {
		example = ", min(d.id)"
	}
	period := s.periodRows(q)
	query := `SELECT d.authority_country, d.outcome, d.instrument, d.data_categories, d.flags,
			count(*), sum(` + s.accountCount() + `), sum(CASE WHEN d.emergency THEN 1 ELSE 0 END),
			sum(CASE WHEN d.ndo AND (d.ndo_until = '' OR d.ndo_until > ?) THEN 1 ELSE 0 END)` + example + `
		FROM demands d` + period.index + `
		WHERE ` + period.where + excl.sql + `
		GROUP BY d.authority_country, d.outcome, d.instrument, d.data_categories, d.flags`
	args := append([]any{q.asOf.Format(time.DateOnly)}, excl.with(period.args...)...)
	rows, err := db.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, unavailableOr(err, "store: report")
	}
	defer rows.Close()
	type key struct {
		country, outcome, instrument, categories string
		nsFlag                                   bool
	}
	index := map[key]int{}
	var groups []report.Group
	for rows.Next() {
		var g report.Group
		var k key
		var outcome sql.NullString
		var flags string
		var accounts sql.NullInt64
		dest := []any{&k.country, &outcome, &k.instrument, &k.categories, &flags, &g.Demands, &accounts, &g.Emergency, &g.DelayedNotices}
		if q.examples {
			dest = append(dest, &g.ExampleID)
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("store: report: %w", err)
		}
		k.outcome, k.nsFlag = outcome.String, strings.Contains(flags, `"NATIONAL_SECURITY"`)
		g.Accounts = accounts.Int64
		if i, ok := index[k]; ok {
			m := &groups[i]
			m.Demands, m.Accounts, m.Emergency, m.DelayedNotices = m.Demands+g.Demands, m.Accounts+g.Accounts, m.Emergency+g.Emergency, m.DelayedNotices+g.DelayedNotices
			if g.ExampleID != 0 && (m.ExampleID == 0 || g.ExampleID < m.ExampleID) {
				m.ExampleID = g.ExampleID
			}
			continue
		}
		g.Country, g.Outcome, g.Instrument, g.NationalSecurityFlag = k.country, k.outcome, k.instrument, k.nsFlag
		if g.Categories, err = fromJSONText[string](k.categories); err != nil {
			// A list that is not JSON is a corrupt record: the report
			// names it rather than failing without saying where.
			g.Categories = []string{k.categories}
		}
		index[k] = len(groups)
		groups = append(groups, g)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: report: %w", err)
	}
	return groups, nil
}

// accountCount is how the database counts the accounts a demand names: on
// SQLite the JSON list's length, which demands_half_year indexes; on
// PostgreSQL the stored account_count.
func (s *Store) accountCount() string {
	if s.postgres {
		return "d.account_count"
	}
	return "json_array_length(d.accounts)"
}

// reportCustomers lists, by country, the enterprise and public-sector
// customers the period's demands name (national-security demands left
// out), through the demands_enterprise index from those customers.
func (s *Store) reportCustomers(ctx context.Context, db querier, q reportQuery, excl exclusion) ([]report.CustomerGroup, error) {
	// SQLite is told the plan: from the customers, into each one's
	// demands of the period by demands_enterprise. Left to itself it may
	// read every demand of the period and look up its customer.
	from := `customers c JOIN demands d ON d.customer_id = c.id WHERE`
	if !s.postgres {
		from = `customers c CROSS JOIN demands d` + s.indexedBy(q, "demands_enterprise") + ` WHERE d.customer_id = c.id AND`
	}
	rows, err := db.QueryContext(ctx, s.q(`SELECT d.authority_country, d.customer_id, count(*),
			max(CASE WHEN d.outcome IN ('`+writ.OutcomeContentDisclosed+`', '`+writ.OutcomeNonContentDisclosed+`') THEN 1 ELSE 0 END)
		FROM `+from+` c.kind IN ('enterprise', 'public_sector') AND d.received_at >= ? AND d.received_at < ? AND NOT (`+nationalSecurityFlag+`)`+excl.sql+`
		GROUP BY 1, 2`), excl.with(q.period.Start(), q.period.End())...)
	if err != nil {
		return nil, unavailableOr(err, "store: report customers")
	}
	defer rows.Close()
	var out []report.CustomerGroup
	for rows.Next() {
		var c report.CustomerGroup
		var withData int
		if err := rows.Scan(&c.Country, &c.Customer, &c.Demands, &withData); err != nil {
			return nil, fmt.Errorf("store: report customers: %w", err)
		}
		c.WithData = withData == 1
		out = append(out, c)
	}
	return out, rows.Err()
}

// reportNationalSecurity counts the period's demands from authorities of
// kind national_security, and names those among them whose instrument is
// not a national-security one by itself and that lack the
// NATIONAL_SECURITY flag. Such demands are few; the demands_authority
// index leads to them.
func (s *Store) reportNationalSecurity(ctx context.Context, db querier, q reportQuery, excl exclusion, f *reportFacts) error {
	agencies, err := s.nationalSecurityAgencies(ctx, db)
	if err != nil || len(agencies) == 0 {
		return err
	}
	nsInstruments := s.rules.NationalSecurityInstruments()
	args := append(append([]any{}, agencies...), q.period.Start(), q.period.End())
	rows, err := db.QueryContext(ctx, s.q(`SELECT d.id, d.instrument, CASE WHEN `+nationalSecurityFlag+` THEN 1 ELSE 0 END
		FROM demands d`+s.indexedBy(q, "demands_authority")+` WHERE d.agency_id IN (`+placeholders(len(agencies))+`)
		AND d.received_at >= ? AND d.received_at < ?`+excl.sql+` ORDER BY d.id`), excl.with(args...)...)
	if err != nil {
		return unavailableOr(err, "store: report")
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var instrument string
		var flagged int
		if err := rows.Scan(&id, &instrument, &flagged); err != nil {
			return fmt.Errorf("store: report: %w", err)
		}
		f.nsAuthority++
		if slices.Contains(nsInstruments, instrument) {
			continue
		}
		f.in.NationalSecurityAuthority++
		if flagged == 0 {
			f.in.Unflagged = append(f.in.Unflagged, id)
		}
	}
	return rows.Err()
}

// nationalSecurityAgencies lists the agencies of kind national_security.
func (s *Store) nationalSecurityAgencies(ctx context.Context, db querier) ([]any, error) {
	return s.queryIDs(ctx, db, `SELECT id FROM agencies WHERE kind = 'national_security' ORDER BY id`)
}

// queryIDs runs a query of one id column and returns the ids, as
// arguments for a later IN list.
func (s *Store) queryIDs(ctx context.Context, db querier, query string, args ...any) ([]any, error) {
	rows, err := db.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, unavailableOr(err, "store: report")
	}
	defer rows.Close()
	var ids []any
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("store: report: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// indexedBy tells SQLite which index to read a table through, where its
// planner, guided by statistics, might pick a narrower index and visit the
// table for every row; PostgreSQL plans for itself. A database without the
// index is left to its planner.
func (s *Store) indexedBy(q reportQuery, index string) string {
	if s.postgres || !q.indexes[index] {
		return ""
	}
	return " INDEXED BY " + index
}

// demandIndexes lists the demands table's indexes on SQLite.
func (s *Store) demandIndexes(ctx context.Context, db querier) (map[string]bool, error) {
	if s.postgres {
		return nil, nil
	}
	rows, err := db.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'demands'`)
	if err != nil {
		return nil, unavailableOr(err, "store: report")
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, fmt.Errorf("store: report: %w", err)
		}
		out[name] = true
	}
	return out, rows.Err()
}

// reportUnknownStates names demands of the period in a state that is not
// one of writ's. It walks the distinct states through the demands_state
// index, one seek each, and looks for the period's demands only in a
// state it does not know.
func (s *Store) reportUnknownStates(ctx context.Context, db querier, q reportQuery, excl exclusion) ([]int64, error) {
	// A loose index scan: each step seeks the next state in the index.
	rows, err := db.QueryContext(ctx, `WITH RECURSIVE s(state) AS (
			SELECT min(state) FROM demands
			UNION ALL
			SELECT (SELECT min(state) FROM demands WHERE state > s.state) FROM s WHERE s.state IS NOT NULL
		) SELECT state FROM s WHERE state IS NOT NULL`)
	if err != nil {
		return nil, unavailableOr(err, "store: report states")
	}
	var unknown []string
	for rows.Next() {
		var state string
		if err := rows.Scan(&state); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: report states: %w", err)
		}
		if !writ.State(state).Valid() {
			unknown = append(unknown, state)
		}
	}
	if err := rows.Close(); err != nil {
		return nil, fmt.Errorf("store: report states: %w", err)
	}
	var ids []int64
	for _, st := range unknown {
		rows, err := db.QueryContext(ctx, s.q(`SELECT d.id FROM demands d WHERE d.state = ? AND d.received_at >= ? AND d.received_at < ?`+excl.sql+`
			ORDER BY d.id LIMIT 20`), excl.with(st, q.period.Start(), q.period.End())...)
		if err != nil {
			return nil, unavailableOr(err, "store: report states")
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, fmt.Errorf("store: report states: %w", err)
			}
			ids = append(ids, id)
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
	}
	slices.Sort(ids)
	return ids, nil
}

// replayTouched adds to the facts the period's demands that changed since
// the checkpoint, as their events before it left them; those received
// after it have no such events and are left out.
func (s *Store) replayTouched(ctx context.Context, db querier, q reportQuery, touched []any, f *reportFacts) error {
	if len(touched) == 0 {
		return nil
	}
	r := newReplay(q.period)
	for start := 0; start < len(touched); start += 500 {
		part := touched[start:min(start+500, len(touched))]
		rows, err := db.QueryContext(ctx, s.q(`SELECT demand_id, kind, data FROM events
			WHERE demand_id IN (`+placeholders(len(part))+`) AND log_index < ? ORDER BY demand_id, log_index`), append(part, q.size)...)
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
			if err := r.apply(id, kind, []byte(data)); err != nil {
				rows.Close()
				return err
			}
		}
		if err := rows.Close(); err != nil {
			return fmt.Errorf("store: report replay: %w", err)
		}
	}
	if len(r.demands) == 0 {
		return nil
	}
	customers := []int64{}
	for _, d := range r.demands {
		customers = append(customers, d.customerID)
	}
	reg, err := s.reportRegistry(ctx, db, customers)
	if err != nil {
		return err
	}
	for _, d := range r.facts(reg) {
		f.add(d, reg, q.asOf, s.rules.LongNDOAfter())
	}
	return nil
}

// add counts one demand, known by its facts, into a report's input.
func (f *reportFacts) add(d *demandFacts, reg *reportRegistry, asOf time.Time, longNDO time.Duration) {
	in := &f.in
	in.Counted++
	g := report.Group{Country: d.country, Instrument: d.instrument, Categories: d.categories, NationalSecurityFlag: d.nsFlag,
		Demands: 1, Accounts: d.accounts, ExampleID: d.id}
	switch {
	case !d.state.Valid():
		in.UnknownStates = append(in.UnknownStates, d.id)
	case d.state == writ.StateClosed:
		in.ClosedCounted++
		g.Outcome = d.outcome
		if g.Outcome == "" {
			g.Outcome = "(none)"
		}
	}
	if d.emergency {
		g.Emergency = 1
	}
	if d.ndo {
		if d.ndoUntil == "" || d.ndoUntil > asOf.Format(time.DateOnly) {
			g.DelayedNotices = 1
		}
		until, err := time.Parse(time.DateOnly, d.ndoUntil)
		if d.ndoUntil == "" || err != nil || until.Sub(d.receivedAt) > longNDO {
			f.longGags++
		}
	}
	if reg.nsAgency[d.agencyID] {
		f.nsAuthority++
		if !slices.Contains(reg.nsInstruments, d.instrument) {
			in.NationalSecurityAuthority++
			if !d.nsFlag {
				in.Unflagged = append(in.Unflagged, d.id)
			}
		}
	}
	if reg.enterprise[d.customerID] && !d.nsFlag {
		in.Customers = append(in.Customers, report.CustomerGroup{Country: d.country, Customer: d.customerID, Demands: 1,
			WithData: g.Outcome == writ.OutcomeContentDisclosed || g.Outcome == writ.OutcomeNonContentDisclosed})
	}
	in.Groups = append(in.Groups, g)
}

// reportRegistry is what replayed demands need of agencies, customers and
// the rulebook; agencies and customers never change once registered.
type reportRegistry struct {
	agencyCountry map[int64]string
	nsAgency      map[int64]bool
	enterprise    map[int64]bool
	nsInstruments []string
}

// reportRegistry reads every agency, and which of the given customers
// (every customer when customers is nil) are enterprise or public-sector
// customers.
func (s *Store) reportRegistry(ctx context.Context, db querier, customers []int64) (*reportRegistry, error) {
	reg := &reportRegistry{agencyCountry: map[int64]string{}, nsAgency: map[int64]bool{}, enterprise: map[int64]bool{},
		nsInstruments: s.rules.NationalSecurityInstruments()}
	rows, err := db.QueryContext(ctx, `SELECT id, country, kind FROM agencies`)
	if err != nil {
		return nil, fmt.Errorf("store: report: %w", err)
	}
	for rows.Next() {
		var id int64
		var country, kind string
		if err := rows.Scan(&id, &country, &kind); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: report: %w", err)
		}
		reg.agencyCountry[id], reg.nsAgency[id] = country, kind == "national_security"
	}
	if err := rows.Close(); err != nil {
		return nil, err
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
			reg.enterprise[id] = true
		}
		return rows.Err()
	}
	if customers == nil {
		return reg, collect(db.QueryContext(ctx, query))
	}
	for start := 0; start < len(customers); start += 500 {
		part := customers[start:min(start+500, len(customers))]
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = id
		}
		if err := collect(db.QueryContext(ctx, s.q(query+` AND id IN (`+placeholders(len(part))+`)`), args...)); err != nil {
			return nil, err
		}
	}
	return reg, nil
}

// buildReport builds the report from its input and, when it does not
// reconcile, reads the input again naming a demand of every group, so
// that the error says which records are at fault.
func (s *Store) buildReport(ctx context.Context, q reportQuery, cp report.Checkpoint) (*report.Report, error) {
	f, err := s.reportInput(ctx, q)
	if err != nil {
		return nil, err
	}
	f.in.Checkpoint = cp
	r, err := report.Build(s.rules, f.in)
	var rec *report.ReconcileError
	if !errors.As(err, &rec) {
		return r, err
	}
	q.examples = true
	if f, err = s.reportInput(ctx, q); err != nil {
		return nil, err
	}
	f.in.Checkpoint = cp
	return report.Build(s.rules, f.in)
}
