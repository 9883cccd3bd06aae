package store

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"

	"writ"
	"writ/auditlog"
	"writ/report"
	"writ/rules"
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
	// by; the store's clock when zero. Band figures are given only when it
	// is after the period's end.
	AsOf time.Time
	// Bands is the code of the structure of 50 U.S.C. 1874(a) the bands
	// follow (a1, a2, a3, a4); the rulebook's
	// transparency.national_security_bands when "".
	Bands string
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
	structure, err := s.BandStructure(opts.Bands)
	if err != nil {
		return nil, err
	}
	return s.buildReport(ctx, reportQuery{period: opts.Period, size: cp.TreeSize, asOf: asOf, structure: structure,
		include: s.rules.Transparency().IncludeForeignNationalSecurity}, cp)
}

// BandStructure is the structure of 50 U.S.C. 1874(a) a report follows:
// the one code names, or the rulebook's when code is "". EINVALID naming
// the field "bands" for a code that names none. Anyone may ask.
func (s *Store) BandStructure(code string) (rules.BandStructure, error) {
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

// PublishReport records a report as published: its exact bytes, and an
// event report.published with their SHA-256 appended to the audit log in
// the same transaction. The report must be of the current schema (a report
// of an older one is EINVALID naming "schema"), parse and reconcile, and be
// of a half-year that has ended, computed after its end (ECONFLICT
// otherwise: a preliminary report is for the legal team, never published).
// A report published again for the same period replaces the earlier one,
// which stays public; the event names the one it replaces. The legal team
// only (EFORBIDDEN).
func (s *Store) PublishReport(ctx context.Context, actor writ.Actor, published []byte) (Publication, error) {
	r, err := report.Parse(published)
	if err != nil {
		return Publication{}, err
	}
	if r.Schema != report.Schema {
		return Publication{}, writ.FieldErrorf("schema", "this writ publishes %s reports, not %s: build the report of %s again", report.Schema, r.Schema, r.Period)
	}
	if err := report.Reconcile(r); err != nil {
		return Publication{}, err
	}
	now := s.nowUTC()
	switch {
	case now.Before(r.PeriodEnd):
		return Publication{}, writ.Errorf(writ.ECONFLICT, "the half-year %s has not ended (it ends %s): a preliminary report may be computed, never published",
			r.Period, r.PeriodEnd.UTC().Format("2006-01-02 15:04 UTC"))
	case r.Preliminary || r.AsOf.Before(r.PeriodEnd):
		return Publication{}, writ.Errorf(writ.ECONFLICT, "the report was computed on %s, before its half-year ended: compute it again",
			r.AsOf.UTC().Format("2006-01-02 15:04 UTC"))
	case r.AsOf.After(now):
		return Publication{}, writ.FieldErrorf("as_of", "the report says it was computed on %s, which is in the future", r.AsOf.UTC().Format("2006-01-02 15:04 UTC"))
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

// Publication is a published report or canary. Replaces is the SHA-256
// of the earlier publication of its period it replaces, if any.
type Publication struct {
	Kind           string    `json:"kind"`
	Period         string    `json:"period"`
	SHA256         string    `json:"sha256"`
	Body           []byte    `json:"-"`
	CheckpointSize int64     `json:"checkpoint_size"`
	LogIndex       int64     `json:"log_index"`
	PublishedAt    time.Time `json:"published_at"`
	Replaces       string    `json:"replaces"`
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
		event := map[string]any{"period": period, "sha256": p.SHA256, "checkpoint_size": size}
		// The log says which publication this one replaces, so that
		// nobody can swap a period's figures without it showing.
		var replaced int64
		err = tx.QueryRowContext(ctx, s.q(`SELECT sha256, log_index FROM publications WHERE kind = ? AND period = ? ORDER BY id DESC LIMIT 1`), kind, period).
			Scan(&p.Replaces, &replaced)
		switch {
		case err == nil:
			event["replaces"], event["replaces_log_index"] = p.Replaces, replaced
		case !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("store: publish: %w", err)
		}
		_, err = tx.ExecContext(ctx, s.q(`INSERT INTO publications (kind, period, sha256, body, checkpoint_size, log_index, published_at, replaces)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`), kind, period, p.SHA256, string(body), size, p.LogIndex, p.PublishedAt, p.Replaces)
		if err != nil {
			return fmt.Errorf("store: publish: %w", err)
		}
		return s.appendEvent(ctx, tx, actor, nil, kind+".published", event)
	})
	return p, err
}

// Publications lists what was published of a kind ("report" or "canary"),
// the latest of each period, newest period first. Public data.
func (s *Store) Publications(ctx context.Context, kind string) ([]Publication, error) {
	return s.publications(ctx, `kind = ? AND id = (SELECT max(id) FROM publications q WHERE q.kind = p.kind AND q.period = p.period)
		ORDER BY period DESC`, kind)
}

// PublicationVersions lists every publication of a kind for a period,
// the latest first: the one in force, then those it replaced. Public data.
func (s *Store) PublicationVersions(ctx context.Context, kind, period string) ([]Publication, error) {
	return s.publications(ctx, `kind = ? AND period = ? ORDER BY id DESC`, kind, period)
}

func (s *Store) publications(ctx context.Context, where string, args ...any) ([]Publication, error) {
	rows, err := s.read.QueryContext(ctx, s.q(`SELECT `+publicationColumns+` FROM publications p WHERE `+where), args...)
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
	query := `SELECT ` + publicationColumns + ` FROM publications WHERE kind = ?`
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

const publicationColumns = `kind, period, sha256, body, checkpoint_size, log_index, published_at, replaces`

func scanPublication(row interface{ Scan(...any) error }) (Publication, error) {
	var p Publication
	var body string
	if err := row.Scan(&p.Kind, &p.Period, &p.SHA256, &body, &p.CheckpointSize, &p.LogIndex, &p.PublishedAt, &p.Replaces); err != nil {
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

// BuildCanary makes the warrant canary of a period, issued now, from the
// records as of the checkpoint: the input of the period's report, with the
// rulebook's band structure (report.BuildCanary says what it states). The
// legal team and auditors only (EFORBIDDEN).
func (s *Store) BuildCanary(ctx context.Context, actor writ.Actor, opts CanaryOptions) (*report.Canary, error) {
	if !actor.Role.SeesAll() {
		return nil, writ.Errorf(writ.EFORBIDDEN, "only the legal team and auditors may build warrant canaries")
	}
	cp, err := s.reportCheckpoint(opts.Checkpoint, opts.Verifier)
	if err != nil {
		return nil, err
	}
	tr := s.rules.Transparency()
	in, err := s.reportInput(ctx, reportQuery{period: opts.Period, size: cp.TreeSize, asOf: s.nowUTC().Truncate(time.Second),
		structure: tr.Structure, include: tr.IncludeForeignNationalSecurity})
	if err != nil {
		return nil, err
	}
	in.Checkpoint = cp
	expires := opts.Expires
	if expires.IsZero() {
		expires = report.DefaultCanaryExpiry(opts.Period)
	}
	return report.BuildCanary(s.rules, in, expires)
}

// ReportBaseline runs the plain SQL GROUP BY that computes a report's
// table — by country and outcome group: demands, accounts, emergency
// demands and outstanding delayed notices, demands with the
// NATIONAL_SECURITY flag left out — straight from the period's rows, with
// no checkpoint, no replay, no other breakdown and no reconciliation, and
// returns how many rows it gave. (The report itself sorts the few demands
// of national-security authorities one by one: those of a US authority
// that are not national-security process count in its table.) It picks the period's rows as the report does (periodRows), so
// that it has the same index to read them through, and is left to the
// database's planner. It is what the benchmarks compare BuildReport with.
func (s *Store) ReportBaseline(ctx context.Context, p report.Period, asOf time.Time) (int, error) {
	period := s.periodRows(reportQuery{}, p)
	rows, err := s.read.QueryContext(ctx, s.q(`SELECT d.authority_country, COALESCE(d.outcome, 'pending'), count(*), sum(`+s.accountCount()+`),
			sum(CASE WHEN d.emergency THEN 1 ELSE 0 END), sum(CASE WHEN d.ndo AND (d.ndo_until = '' OR d.ndo_until > ?) THEN 1 ELSE 0 END)
		FROM demands d WHERE `+period.where+` AND d.flags NOT LIKE '%"NATIONAL_SECURITY"%'
		GROUP BY 1, 2`), append([]any{asOf.Format(time.DateOnly)}, period.args...)...)
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
