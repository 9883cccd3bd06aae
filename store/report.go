package store

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"

	"writ"
	"writ/auditlog"
	"writ/report"
)

// Transparency reports are computed from the records as of a checkpoint of
// the audit log. "As of the checkpoint of size N" means: the records as
// the log's first N entries left them. Every change to a demand appends an
// event in the transaction that makes it, so a demand with no event at
// index N or later stands in its row exactly as it stood at the
// checkpoint, and is counted from the row. A demand with a later event is
// replayed from its events before N instead — or left out, if it had none,
// having been received after the checkpoint. Building a report at the
// latest checkpoint therefore costs one GROUP BY over the period's rows,
// and a report of an older checkpoint gives the same figures as it did
// then.

// ReportOptions say which report to build.
type ReportOptions struct {
	Period report.Period
	// Checkpoint is the signed checkpoint note to compute the report at.
	Checkpoint []byte
	// Verifier checks the checkpoint's signature.
	Verifier note.Verifier
	// AsOf is the time the report states and judges non-disclosure orders
	// by; the store's clock when zero.
	AsOf time.Time
}

// BuildReport computes the transparency report of a period as of a
// checkpoint, and reconciles it (a *report.ReconcileError when the
// records do not add up). The legal team and auditors only (EFORBIDDEN):
// building reads every demand.
func (s *Store) BuildReport(ctx context.Context, actor writ.Actor, opts ReportOptions) (*report.Report, error) {
	if !actor.Role.SeesAll() {
		return nil, writ.Errorf(writ.EFORBIDDEN, "only the legal team and auditors may build transparency reports")
	}
	cp, err := s.reportCheckpoint(opts.Checkpoint, opts.Verifier)
	if err != nil {
		return nil, err
	}
	asOf := opts.AsOf
	if asOf.IsZero() {
		asOf = s.nowUTC()
	}
	asOf = asOf.UTC().Truncate(time.Second)
	in, err := s.reportInput(ctx, opts.Period, cp, asOf)
	if err != nil {
		return nil, err
	}
	return report.Build(s.rules, in)
}

// reportCheckpoint opens a signed checkpoint for a report.
func (s *Store) reportCheckpoint(signed []byte, verifier note.Verifier) (report.Checkpoint, error) {
	if verifier == nil {
		return report.Checkpoint{}, writ.FieldErrorf("checkpoint", "a report needs the log's verifier key to check its checkpoint")
	}
	cp, err := auditlog.OpenCheckpoint(signed, verifier)
	if err != nil {
		return report.Checkpoint{}, writ.FieldErrorf("checkpoint", "%v", err)
	}
	return report.Checkpoint{Origin: cp.Origin, TreeSize: cp.Size, RootHash: base64.StdEncoding.EncodeToString(cp.Root[:]), Note: string(signed)}, nil
}

// reportInput reads the groups of a period's demands as of the checkpoint,
// and the independent counts, in one read transaction so that they agree.
func (s *Store) reportInput(ctx context.Context, p report.Period, cp report.Checkpoint, asOf time.Time) (report.Input, error) {
	in := report.Input{Period: p, AsOf: asOf, Checkpoint: cp}
	err := s.snapshot(ctx, func(tx *sql.Tx) error {
		var size int64
		if err := tx.QueryRowContext(ctx, `SELECT size FROM log_head WHERE id = 1`).Scan(&size); err != nil {
			return fmt.Errorf("store: report: %w", err)
		}
		if cp.TreeSize > size {
			return writ.FieldErrorf("checkpoint", "the checkpoint has %d entries but this database's log only %d: it is another log's", cp.TreeSize, size)
		}
		var err error
		if in.Groups, err = s.reportGroups(ctx, tx, p, cp.TreeSize, asOf); err != nil {
			return err
		}
		err = tx.QueryRowContext(ctx, s.q(`SELECT count(*), count(d.outcome) FROM demands d
			WHERE d.received_at >= ? AND d.received_at < ? AND d.id NOT IN (`+touchedSince+`)`),
			p.Start(), p.End(), cp.TreeSize).Scan(&in.Counted, &in.ClosedCounted)
		if err != nil {
			return fmt.Errorf("store: report count: %w", err)
		}
		// The demands changed since the checkpoint, as they stood at it.
		replayed, err := s.replayTouched(ctx, tx, p, cp.TreeSize)
		if err != nil {
			return err
		}
		reg, err := s.reportRegistry(ctx, tx)
		if err != nil {
			return err
		}
		for _, f := range replayed {
			in.Groups = append(in.Groups, f.group(reg, asOf, s.rules.LongNDOAfter()))
			in.Counted++
			if f.state == writ.StateClosed {
				in.ClosedCounted++
			}
		}
		return nil
	})
	return in, err
}

// touchedSince selects the demands with an event at or after a log index:
// their rows may no longer be what they were at a checkpoint of that size.
const touchedSince = `SELECT demand_id FROM events WHERE log_index >= ? AND demand_id IS NOT NULL`

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

// reportGroups counts the period's demands that stand in their rows as of
// the checkpoint, in groups of everything a report or a canary tells apart,
// with one GROUP BY.
func (s *Store) reportGroups(ctx context.Context, db querier, p report.Period, size int64, asOf time.Time) ([]report.Group, error) {
	nsAgencies, err := s.nationalSecurityAgencies(ctx, db)
	if err != nil {
		return nil, err
	}
	nsAgency := "0"
	args := []any{asOf.Format(time.DateOnly)}
	if len(nsAgencies) > 0 {
		nsAgency = `CASE WHEN d.agency_id IN (` + strings.TrimSuffix(strings.Repeat("?, ", len(nsAgencies)), ", ") + `) THEN 1 ELSE 0 END`
		args = append(args, nsAgencies...)
	}
	args = append(args, p.Start(), p.End(), size)
	query := `SELECT d.authority_country, d.state, COALESCE(d.outcome, ''), d.instrument, d.data_categories, d.emergency,
			CASE WHEN d.ndo AND (d.ndo_until = '' OR d.ndo_until > ?) THEN 1 ELSE 0 END,
			CASE WHEN d.flags LIKE '%"INDEFINITE_NDO"%' OR d.flags LIKE '%"NDO_OVER_ONE_YEAR"%' THEN 1 ELSE 0 END,
			CASE WHEN d.flags LIKE '%"NATIONAL_SECURITY"%' THEN 1 ELSE 0 END,
			` + nsAgency + `,
			CASE WHEN d.customer_id IN (SELECT id FROM customers WHERE kind IN ('enterprise', 'public_sector')) THEN d.customer_id ELSE 0 END,
			count(*), sum(d.account_count), min(d.id)
		FROM demands d
		WHERE d.received_at >= ? AND d.received_at < ? AND d.id NOT IN (` + touchedSince + `)
		GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11`
	rows, err := db.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, unavailableOr(err, "store: report")
	}
	defer rows.Close()
	var groups []report.Group
	for rows.Next() {
		var g report.Group
		var state, categories string
		var delayed, longGag, nsFlag, nsAuthority int
		var accounts sql.NullInt64
		if err := rows.Scan(&g.Country, &state, &g.Outcome, &g.Instrument, &categories, &g.Emergency, &delayed, &longGag,
			&nsFlag, &nsAuthority, &g.EnterpriseCustomer, &g.Demands, &accounts, &g.ExampleID); err != nil {
			return nil, fmt.Errorf("store: report: %w", err)
		}
		g.State, g.Accounts = writ.State(state), accounts.Int64
		g.DelayedNotice, g.LongGag, g.NationalSecurityFlag, g.NationalSecurityAuthority = delayed == 1, longGag == 1, nsFlag == 1, nsAuthority == 1
		if g.Categories, err = fromJSONText[string](categories); err != nil {
			// A list that is not JSON is a corrupt record: the report
			// names it rather than failing without saying where.
			g.Categories = []string{categories}
		}
		groups = append(groups, g)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: report: %w", err)
	}
	return groups, nil
}

// nationalSecurityAgencies lists the agencies of kind national_security.
func (s *Store) nationalSecurityAgencies(ctx context.Context, db querier) ([]any, error) {
	rows, err := db.QueryContext(ctx, `SELECT id FROM agencies WHERE kind = 'national_security' ORDER BY id`)
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

// reportRegistry is what replayed demands need of agencies and customers,
// which never change once registered.
type reportRegistry struct {
	agencyCountry map[int64]string
	nsAgency      map[int64]bool
	enterprise    map[int64]bool
}

func (s *Store) reportRegistry(ctx context.Context, db querier) (*reportRegistry, error) {
	reg := &reportRegistry{agencyCountry: map[int64]string{}, nsAgency: map[int64]bool{}, enterprise: map[int64]bool{}}
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
	rows, err = db.QueryContext(ctx, `SELECT id FROM customers WHERE kind IN ('enterprise', 'public_sector')`)
	if err != nil {
		return nil, fmt.Errorf("store: report: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("store: report: %w", err)
		}
		reg.enterprise[id] = true
	}
	return reg, rows.Err()
}

// demandFacts is what a report counts of one demand.
type demandFacts struct {
	id                   int64
	receivedAt           time.Time
	agencyID, customerID int64
	country              string
	state                writ.State
	outcome              string
	instrument           string
	categories           []string
	accounts             int64
	emergency            bool
	ndo                  bool
	ndoUntil             string
	nsFlag               bool
}

// group is the report group of one demand.
func (f *demandFacts) group(reg *reportRegistry, asOf time.Time, longNDO time.Duration) report.Group {
	g := report.Group{Country: f.country, State: f.state, Outcome: f.outcome, Instrument: f.instrument,
		Categories: f.categories, Emergency: f.emergency, NationalSecurityFlag: f.nsFlag,
		NationalSecurityAuthority: reg.nsAgency[f.agencyID], Demands: 1, Accounts: f.accounts, ExampleID: f.id}
	if f.ndo {
		g.DelayedNotice = f.ndoUntil == "" || f.ndoUntil > asOf.Format(time.DateOnly)
		until, err := time.Parse(time.DateOnly, f.ndoUntil)
		g.LongGag = f.ndoUntil == "" || err != nil || until.Sub(f.receivedAt) > longNDO
	}
	if reg.enterprise[f.customerID] {
		g.EnterpriseCustomer = f.customerID
	}
	return g
}

// replayTouched rebuilds, from their events before the checkpoint, the
// period's demands that changed since (those received after it have no
// such events and drop out).
func (s *Store) replayTouched(ctx context.Context, db querier, p report.Period, size int64) ([]*demandFacts, error) {
	rows, err := db.QueryContext(ctx, s.q(`SELECT e.demand_id, e.kind, e.data FROM events e
		WHERE e.demand_id IN (`+touchedSince+`) AND e.log_index < ? ORDER BY e.log_index`), size, size)
	if err != nil {
		return nil, unavailableOr(err, "store: report replay")
	}
	defer rows.Close()
	r := newReplay(p)
	for rows.Next() {
		var id int64
		var kind, data string
		if err := rows.Scan(&id, &kind, &data); err != nil {
			return nil, fmt.Errorf("store: report replay: %w", err)
		}
		if err := r.apply(id, kind, []byte(data)); err != nil {
			return nil, err
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: report replay: %w", err)
	}
	reg, err := s.reportRegistry(ctx, db)
	if err != nil {
		return nil, err
	}
	return r.facts(reg), nil
}

// replay rebuilds demands' facts from their events, in log order, keeping
// those received in the period.
type replay struct {
	period  report.Period
	demands map[int64]*demandFacts
	order   []int64
}

func newReplay(p report.Period) *replay { return &replay{period: p, demands: map[int64]*demandFacts{}} }

// apply takes one event of a demand into account.
func (r *replay) apply(id int64, kind string, data []byte) error {
	fail := func(err error) error { return fmt.Errorf("store: replay of demand %d: %s event: %w", id, kind, err) }
	switch kind {
	case "demand.received", "demand.imported":
		var e struct {
			Demand writ.Demand `json:"demand"`
		}
		if err := json.Unmarshal(data, &e); err != nil {
			return fail(err)
		}
		d := e.Demand
		if !r.period.Contains(d.ReceivedAt) {
			return nil
		}
		f := &demandFacts{id: id, receivedAt: d.ReceivedAt.UTC(), agencyID: d.AgencyID, customerID: d.CustomerID,
			state: d.State, outcome: d.Outcome, instrument: d.Instrument, categories: d.DataCategories,
			accounts: int64(len(d.Accounts)), emergency: d.Emergency != nil, nsFlag: slices.Contains(d.Flags, "NATIONAL_SECURITY")}
		if f.categories == nil {
			f.categories = []string{}
		}
		if d.Nondisclosure != nil {
			f.ndo, f.ndoUntil = true, d.Nondisclosure.Until
		}
		if _, seen := r.demands[id]; !seen {
			r.order = append(r.order, id)
		}
		r.demands[id] = f
	case "demand.updated":
		f := r.demands[id]
		if f == nil {
			return nil
		}
		var e struct {
			Changes map[string]json.RawMessage `json:"changes"`
		}
		if err := json.Unmarshal(data, &e); err != nil {
			return fail(err)
		}
		if raw, ok := e.Changes["nondisclosure"]; ok {
			var n *writ.Nondisclosure
			if err := json.Unmarshal(raw, &n); err != nil {
				return fail(err)
			}
			f.ndo, f.ndoUntil = n != nil, ""
			if n != nil {
				f.ndoUntil = n.Until
			}
		}
	case "demand.transition":
		f := r.demands[id]
		if f == nil {
			return nil
		}
		var e struct {
			To      writ.State `json:"to"`
			Outcome string     `json:"outcome"`
		}
		if err := json.Unmarshal(data, &e); err != nil {
			return fail(err)
		}
		f.state = e.To
		if e.To == writ.StateClosed {
			f.outcome = e.Outcome
		}
	}
	return nil
}

// facts returns the replayed demands in the order they were received,
// each with its authority's country from the registry.
func (r *replay) facts(reg *reportRegistry) []*demandFacts {
	out := make([]*demandFacts, 0, len(r.order))
	for _, id := range r.order {
		f := r.demands[id]
		f.country = reg.agencyCountry[f.agencyID]
		out = append(out, f)
	}
	return out
}

// PublishReport records a report as published: its exact bytes, and an
// event report.published with their SHA-256 appended to the audit log in
// the same transaction. The report must parse and reconcile. The legal
// team only (EFORBIDDEN).
func (s *Store) PublishReport(ctx context.Context, actor writ.Actor, published []byte) (Publication, error) {
	r, err := report.Parse(published)
	if err != nil {
		return Publication{}, err
	}
	if err := report.Reconcile(r); err != nil {
		return Publication{}, err
	}
	return s.publish(ctx, actor, "report", r.Period, r.Checkpoint.TreeSize, published)
}

// PublishCanary records a signed warrant canary as published, as
// PublishReport does a report. The canary must verify with the verifier
// and not have expired.
func (s *Store) PublishCanary(ctx context.Context, actor writ.Actor, signed []byte, verifier note.Verifier) (Publication, error) {
	c, err := report.OpenCanary(signed, verifier, s.nowUTC())
	if err != nil {
		return Publication{}, err
	}
	return s.publish(ctx, actor, "canary", c.Period.String(), c.Checkpoint.TreeSize, signed)
}

// Publication is a published report or canary.
type Publication struct {
	Kind           string    `json:"kind"`
	Period         string    `json:"period"`
	SHA256         string    `json:"sha256"`
	Body           []byte    `json:"-"`
	CheckpointSize int64     `json:"checkpoint_size"`
	LogIndex       int64     `json:"log_index"`
	PublishedAt    time.Time `json:"published_at"`
}

func (s *Store) publish(ctx context.Context, actor writ.Actor, kind, period string, size int64, body []byte) (Publication, error) {
	if !actor.Role.LegalTeam() {
		return Publication{}, writ.Errorf(writ.EFORBIDDEN, "only the legal team may publish a %s", kind)
	}
	p := Publication{Kind: kind, Period: period, SHA256: report.SHA256(body), Body: body, CheckpointSize: size, PublishedAt: s.nowUTC()}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, s.q(`SELECT count(*) FROM publications WHERE kind = ? AND sha256 = ?`), kind, p.SHA256).Scan(&n); err != nil {
			return fmt.Errorf("store: publish: %w", err)
		}
		if n > 0 {
			return writ.Errorf(writ.ECONFLICT, "this %s (sha256 %s) is published already", kind, p.SHA256)
		}
		var err error
		if p.LogIndex, err = s.lockLogHead(ctx, tx); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, s.q(`INSERT INTO publications (kind, period, sha256, body, checkpoint_size, log_index, published_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`), kind, period, p.SHA256, string(body), size, p.LogIndex, p.PublishedAt)
		if err != nil {
			return fmt.Errorf("store: publish: %w", err)
		}
		return s.appendEvent(ctx, tx, actor, nil, kind+".published",
			map[string]any{"period": period, "sha256": p.SHA256, "checkpoint_size": size})
	})
	return p, err
}

// Publications lists what was published of a kind ("report" or "canary"),
// the latest of each period, newest period first. Public data.
func (s *Store) Publications(ctx context.Context, kind string) ([]Publication, error) {
	rows, err := s.read.QueryContext(ctx, s.q(`SELECT kind, period, sha256, body, checkpoint_size, log_index, published_at FROM publications p
		WHERE kind = ? AND id = (SELECT max(id) FROM publications q WHERE q.kind = p.kind AND q.period = p.period)
		ORDER BY period DESC`), kind)
	if err != nil {
		return nil, unavailableOr(err, "store: publications")
	}
	defer rows.Close()
	out := []Publication{}
	for rows.Next() {
		p, err := scanPublication(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// LatestPublication returns the latest publication of a kind for a period,
// or for any period when period is "". ENOTFOUND when there is none.
func (s *Store) LatestPublication(ctx context.Context, kind, period string) (Publication, error) {
	query := `SELECT kind, period, sha256, body, checkpoint_size, log_index, published_at FROM publications WHERE kind = ?`
	args := []any{kind}
	if period != "" {
		query += ` AND period = ?`
		args = append(args, period)
	}
	p, err := scanPublication(s.read.QueryRowContext(ctx, s.q(query+` ORDER BY id DESC LIMIT 1`), args...))
	if errors.Is(err, sql.ErrNoRows) {
		if period == "" {
			return p, writ.Errorf(writ.ENOTFOUND, "no %s has been published yet", kind)
		}
		return p, writ.Errorf(writ.ENOTFOUND, "no %s has been published for %s", kind, period)
	}
	return p, err
}

func scanPublication(row interface{ Scan(...any) error }) (Publication, error) {
	var p Publication
	var body string
	if err := row.Scan(&p.Kind, &p.Period, &p.SHA256, &body, &p.CheckpointSize, &p.LogIndex, &p.PublishedAt); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return p, err
		}
		return p, fmt.Errorf("store: publication: %w", err)
	}
	p.Body, p.PublishedAt = []byte(body), p.PublishedAt.UTC()
	return p, nil
}

// CanaryOptions say which warrant canary to build.
type CanaryOptions struct {
	Period report.Period
	// Checkpoint is the signed checkpoint note the canary speaks as of.
	Checkpoint []byte
	Verifier   note.Verifier
	// Expires is when the canary stops holding; report.DefaultCanaryExpiry
	// when zero.
	Expires time.Time
}

// BuildCanary makes the warrant canary of a period: every statement that
// no demand received in the period (national-security ones included)
// falsifies, as of the checkpoint, issued now. The legal team and auditors
// only (EFORBIDDEN).
func (s *Store) BuildCanary(ctx context.Context, actor writ.Actor, opts CanaryOptions) (*report.Canary, error) {
	if !actor.Role.SeesAll() {
		return nil, writ.Errorf(writ.EFORBIDDEN, "only the legal team and auditors may build warrant canaries")
	}
	cp, err := s.reportCheckpoint(opts.Checkpoint, opts.Verifier)
	if err != nil {
		return nil, err
	}
	now := s.nowUTC()
	in, err := s.reportInput(ctx, opts.Period, cp, now)
	if err != nil {
		return nil, err
	}
	expires := opts.Expires
	if expires.IsZero() {
		expires = report.DefaultCanaryExpiry(opts.Period)
	}
	return report.BuildCanary(s.rules, opts.Period, now, expires, cp, in.Groups)
}

// ReportBaseline runs the plain SQL GROUP BY that computes a report's table
// straight from the period's rows — demands, accounts, emergency demands
// and outstanding delayed notices by country and outcome group — with no
// checkpoint, no replay, no national-security split and no reconciliation,
// and returns how many rows it gave. It is what the benchmarks compare
// BuildReport with.
func (s *Store) ReportBaseline(ctx context.Context, p report.Period, asOf time.Time) (int, error) {
	rows, err := s.read.QueryContext(ctx, s.q(`SELECT authority_country, COALESCE(outcome, 'pending'), count(*), sum(account_count),
			sum(CASE WHEN emergency THEN 1 ELSE 0 END), sum(CASE WHEN ndo AND (ndo_until = '' OR ndo_until > ?) THEN 1 ELSE 0 END)
		FROM demands WHERE received_at >= ? AND received_at < ? GROUP BY 1, 2`), asOf.Format(time.DateOnly), p.Start(), p.End())
	if err != nil {
		return 0, unavailableOr(err, "store: report baseline")
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var country, group string
		var demands, accounts, emergency, delayed int64
		if err := rows.Scan(&country, &group, &demands, &accounts, &emergency, &delayed); err != nil {
			return n, err
		}
		n++
	}
	return n, rows.Err()
}
