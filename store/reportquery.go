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
	"writ/rules"
)

// The queries a report is computed with. The one that reads every demand
// of the period is the GROUP BY of reportGroups, answered from one index
// alone (periodRows); the others read only what is rare (demands
// of national-security authorities, of enterprise customers, in an unknown
// state, changed since the checkpoint) through indexes that lead to it.
// Where the report's bands cover other half-years (FISA process under a1
// and a2, the year before under a4), the same GROUP BY, count and authority
// query read those half-years' US national-security process.

// reportQuery says what to read.
type reportQuery struct {
	period report.Period
	size   int64 // the checkpoint's tree size
	asOf   time.Time
	// structure is the structure of 50 U.S.C. 1874(a) the bands follow,
	// and include whether demands of foreign national-security authorities
	// are counted.
	structure rules.BandStructure
	include   bool
	// examples names a demand of every group, for the errors of a report
	// that does not reconcile; it costs a little, so it is asked for only
	// then.
	examples bool
	// indexes are the demands table's indexes (SQLite only), so that a
	// query names only an index the database has.
	indexes map[string]bool
}

// scope is the demands one pass of the queries reads: a half-year's, or,
// with usOnly, only those of them made with an instrument of US
// national-security process (a half-year before the report's that its
// bands cover).
type scope struct {
	period report.Period
	usOnly bool
}

// filter is the condition that keeps the scope's instruments, with its
// arguments.
func (s *Store) filter(sc scope) (string, []any) {
	if !sc.usOnly {
		return "", nil
	}
	codes := s.rules.Transparency().USNationalSecurityInstruments()
	args := make([]any, len(codes))
	for i, c := range codes {
		args[i] = c
	}
	return ` AND d.instrument IN (` + placeholders(len(codes)) + `)`, args
}

// reportInput reads everything a report of the period as of the
// checkpoint needs, in one read transaction so that it all agrees.
func (s *Store) reportInput(ctx context.Context, q reportQuery) (report.Input, error) {
	in := report.Input{Period: q.period, AsOf: q.asOf, Structure: q.structure, IncludeForeignNationalSecurity: q.include}
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
		main := scope{period: q.period}
		beside := s.alongside(ctx, tx, func(db querier) error {
			var err error
			if in.Counted, in.ClosedCounted, err = s.reportCount(ctx, db, q, main, excl); err != nil {
				return err
			}
			in.Customers, err = s.reportCustomers(ctx, db, q, excl)
			return err
		})
		in.Groups, err = s.reportGroups(ctx, tx, q, main, excl)
		if err := errors.Join(err, beside()); err != nil {
			return err
		}
		if in.Authority, err = s.reportAuthority(ctx, tx, q, main, excl); err != nil {
			return err
		}
		if in.UnknownStates, err = s.reportUnknownStates(ctx, tx, q, excl); err != nil {
			return err
		}
		for _, p := range report.OtherBandPeriods(q.structure, q.period, q.asOf) {
			sc := scope{period: p, usOnly: true}
			e := report.EarlierPeriod{Period: p}
			if e.Counted, _, err = s.reportCount(ctx, tx, q, sc, excl); err != nil {
				return err
			}
			if e.Groups, err = s.reportGroups(ctx, tx, q, sc, excl); err != nil {
				return err
			}
			if e.Authority, err = s.reportAuthority(ctx, tx, q, sc, excl); err != nil {
				return err
			}
			in.Earlier = append(in.Earlier, e)
		}
		return s.replayTouched(ctx, tx, q, touched, &in)
	})
	return in, err
}

// reportCount is the independent count of a scope's demands, and of the
// closed ones among them, that the groups are reconciled with: another
// query than the GROUP BY.
func (s *Store) reportCount(ctx context.Context, db querier, q reportQuery, sc scope, excl exclusion) (all, closed int64, err error) {
	period := s.periodRows(q, sc.period)
	filter, args := s.filter(sc)
	err = db.QueryRowContext(ctx, s.q(`SELECT count(*), count(d.outcome) FROM demands d`+period.index+`
		WHERE `+period.where+filter+excl.sql), excl.with(append(period.args, args...)...)...).Scan(&all, &closed)
	if err != nil {
		return 0, 0, unavailableOr(err, "store: report count")
	}
	return all, closed, nil
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

// periodRows picks a half-year's demands for the queries that read all of
// them. On SQLite that is the half_year column and demands_half_year,
// which holds a period's demands in the order of the report's groups; on
// PostgreSQL, whose hash aggregate needs no order, the time of receipt,
// through demands_report or demands_received as its planner chooses.
func (s *Store) periodRows(q reportQuery, p report.Period) periodFilter {
	if s.postgres {
		return periodFilter{where: `d.received_at >= ? AND d.received_at < ?`, args: []any{p.Start(), p.End()}}
	}
	return periodFilter{where: `d.half_year = ?`, index: s.indexedBy(q, "demands_half_year"), args: []any{p.String()}}
}

// longGagFlags are the flags of a non-disclosure order without end or
// longer than the rulebook's long_ndo_after.
var longGagFlags = []string{`"` + rules.FlagIndefiniteNDO + `"`, `"` + rules.FlagNDOOverOneYear + `"`}

// hasLongGag reports whether a demand's flags, as stored, name a long
// non-disclosure order.
func hasLongGag(flags string) bool {
	return slices.ContainsFunc(longGagFlags, func(f string) bool { return strings.Contains(flags, f) })
}

// reportGroups counts a scope's demands that stand in their rows as of the
// checkpoint with one GROUP BY, keyed by country, outcome, instrument,
// data categories and flags (the columns of demands_half_year, in its
// order, so that SQLite groups without sorting); emergencies and delayed
// notices are summed, and long non-disclosure orders read from the flags.
// Groups that differ only in flags other than NATIONAL_SECURITY are then
// merged.
func (s *Store) reportGroups(ctx context.Context, db querier, q reportQuery, sc scope, excl exclusion) ([]report.Group, error) {
	example := ""
	if q.examples {
		example = ", min(d.id)"
	}
	period := s.periodRows(q, sc.period)
	filter, filterArgs := s.filter(sc)
	query := `SELECT d.authority_country, d.outcome, d.instrument, d.data_categories, d.flags,
			count(*), sum(` + s.accountCount() + `), sum(CASE WHEN d.emergency THEN 1 ELSE 0 END),
			sum(CASE WHEN d.ndo AND (d.ndo_until = '' OR d.ndo_until > ?) THEN 1 ELSE 0 END)` + example + `
		FROM demands d` + period.index + `
		WHERE ` + period.where + filter + excl.sql + `
		GROUP BY d.authority_country, d.outcome, d.instrument, d.data_categories, d.flags`
	args := append([]any{q.asOf.Format(time.DateOnly)}, excl.with(append(period.args, filterArgs...)...)...)
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
		if hasLongGag(flags) {
			g.LongGags = g.Demands
		}
		if i, ok := index[k]; ok {
			m := &groups[i]
			m.Demands, m.Accounts, m.Emergency, m.DelayedNotices = m.Demands+g.Demands, m.Accounts+g.Accounts, m.Emergency+g.Emergency, m.DelayedNotices+g.DelayedNotices
			m.LongGags += g.LongGags
			if g.ExampleID != 0 && (m.ExampleID == 0 || g.ExampleID < m.ExampleID) {
				m.ExampleID = g.ExampleID
			}
			continue
		}
		g.Country, g.Outcome, g.Instrument, g.NationalSecurityFlag = k.country, k.outcome, k.instrument, k.nsFlag
		g.Categories = categoriesOf(k.categories)
		index[k] = len(groups)
		groups = append(groups, g)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: report: %w", err)
	}
	return groups, nil
}

// categoriesOf reads a demand's data categories as stored. A list that is
// not JSON is a corrupt record: the report names it rather than failing
// without saying where.
func categoriesOf(stored string) []string {
	list, err := fromJSONText[string](stored)
	if err != nil {
		return []string{stored}
	}
	return list
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

// reportAuthority reads, one by one, a scope's demands from authorities of
// kind national_security, with what the report needs to place each: where
// they are counted depends on the authority's country, which the groups
// do not tell. Such demands are few; the demands_authority index leads to
// them.
func (s *Store) reportAuthority(ctx context.Context, db querier, q reportQuery, sc scope, excl exclusion) ([]report.AuthorityDemand, error) {
	agencies, err := s.nationalSecurityAgencies(ctx, db)
	if err != nil || len(agencies) == 0 {
		return nil, err
	}
	filter, filterArgs := s.filter(sc)
	args := append(append(append([]any{}, agencies...), sc.period.Start(), sc.period.End()), filterArgs...)
	rows, err := db.QueryContext(ctx, s.q(`SELECT d.id, d.authority_country, d.outcome, d.instrument, d.data_categories, d.flags, `+s.accountCount()+`,
			d.emergency, d.ndo, d.ndo_until, d.customer_id, CASE WHEN c.kind IN ('enterprise', 'public_sector') THEN 1 ELSE 0 END
		FROM demands d`+s.indexedBy(q, "demands_authority")+` LEFT JOIN customers c ON c.id = d.customer_id
		WHERE d.agency_id IN (`+placeholders(len(agencies))+`) AND d.received_at >= ? AND d.received_at < ?`+filter+excl.sql+` ORDER BY d.id`),
		excl.with(args...)...)
	if err != nil {
		return nil, unavailableOr(err, "store: report")
	}
	defer rows.Close()
	asOf := q.asOf.Format(time.DateOnly)
	var out []report.AuthorityDemand
	for rows.Next() {
		a := report.AuthorityDemand{Group: report.Group{Demands: 1}}
		var outcome sql.NullString
		var categories, flags, until string
		var accounts sql.NullInt64
		var emergency, ndo bool
		var customer sql.NullInt64
		var enterprise int
		if err := rows.Scan(&a.ExampleID, &a.Country, &outcome, &a.Instrument, &categories, &flags, &accounts,
			&emergency, &ndo, &until, &customer, &enterprise); err != nil {
			return nil, fmt.Errorf("store: report: %w", err)
		}
		a.Outcome, a.Categories, a.Accounts = outcome.String, categoriesOf(categories), accounts.Int64
		a.NationalSecurityFlag = strings.Contains(flags, `"NATIONAL_SECURITY"`)
		if emergency {
			a.Emergency = 1
		}
		if ndo && (until == "" || until > asOf) {
			a.DelayedNotices = 1
		}
		if hasLongGag(flags) {
			a.LongGags = 1
		}
		if enterprise == 1 {
			a.EnterpriseCustomer = customer.Int64
		}
		out = append(out, a)
	}
	return out, rows.Err()
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

// replayTouched adds to the input the demands of its half-years that
// changed since the checkpoint, as their events before it left them; those
// received after it have no such events and are left out.
func (s *Store) replayTouched(ctx context.Context, db querier, q reportQuery, touched []any, in *report.Input) error {
	if len(touched) == 0 {
		return nil
	}
	r := newReplay(inputPeriods(in)...)
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
		addFacts(in, d, reg, s.rules.LongNDOAfter())
	}
	return nil
}

// inputPeriods are the half-years an input counts demands of: the report's
// and the earlier ones its bands cover.
func inputPeriods(in *report.Input) []report.Period {
	out := []report.Period{in.Period}
	for _, e := range in.Earlier {
		out = append(out, e.Period)
	}
	return out
}

// addFacts counts one demand, known by its facts, into a report's input:
// into the report's half-year, or, when it is US national-security
// process, into the earlier half-year of in.Earlier it was received in.
// Non-disclosure orders are judged at in.AsOf.
func addFacts(in *report.Input, d *demandFacts, reg *reportRegistry, longNDO time.Duration) {
	g := report.Group{Country: d.country, Instrument: d.instrument, Categories: d.categories, NationalSecurityFlag: d.nsFlag,
		Demands: 1, Accounts: d.accounts, ExampleID: d.id}
	if d.state == writ.StateClosed {
		g.Outcome = d.outcome
		if g.Outcome == "" {
			g.Outcome = "(none)"
		}
	}
	if d.emergency {
		g.Emergency = 1
	}
	if d.ndo {
		if d.ndoUntil == "" || d.ndoUntil > in.AsOf.Format(time.DateOnly) {
			g.DelayedNotices = 1
		}
		until, err := time.Parse(time.DateOnly, d.ndoUntil)
		if d.ndoUntil == "" || err != nil || until.Sub(d.receivedAt) > longNDO {
			g.LongGags = 1
		}
	}
	var authority []report.AuthorityDemand
	if reg.nsAgency[d.agencyID] {
		a := report.AuthorityDemand{Group: g}
		if reg.enterprise[d.customerID] {
			a.EnterpriseCustomer = d.customerID
		}
		authority = append(authority, a)
	}
	if p := report.PeriodOf(d.receivedAt); p != in.Period {
		i := slices.IndexFunc(in.Earlier, func(e report.EarlierPeriod) bool { return e.Period == p })
		if i < 0 || !slices.Contains(reg.usInstruments, d.instrument) {
			return
		}
		e := &in.Earlier[i]
		e.Counted++
		e.Groups = append(e.Groups, g)
		e.Authority = append(e.Authority, authority...)
		return
	}
	in.Counted++
	switch {
	case !d.state.Valid():
		in.UnknownStates = append(in.UnknownStates, d.id)
	case d.state == writ.StateClosed:
		in.ClosedCounted++
	}
	in.Authority = append(in.Authority, authority...)
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
	usInstruments []string
}

// reportRegistry reads every agency, and which of the given customers
// (every customer when customers is nil) are enterprise or public-sector
// customers.
func (s *Store) reportRegistry(ctx context.Context, db querier, customers []int64) (*reportRegistry, error) {
	reg := &reportRegistry{agencyCountry: map[int64]string{}, nsAgency: map[int64]bool{}, enterprise: map[int64]bool{},
		usInstruments: s.rules.Transparency().USNationalSecurityInstruments()}
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
	in, err := s.reportInput(ctx, q)
	if err != nil {
		return nil, err
	}
	in.Checkpoint = cp
	r, err := report.Build(s.rules, in)
	var rec *report.ReconcileError
	if !errors.As(err, &rec) {
		return r, err
	}
	q.examples = true
	if in, err = s.reportInput(ctx, q); err != nil {
		return nil, err
	}
	in.Checkpoint = cp
	return report.Build(s.rules, in)
}
