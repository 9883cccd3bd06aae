package storetest

import (
	"context"
	"database/sql"
	"fmt"

	"writ"
	"writ/store"
)

// FillDemands fills the migrated store s, whose database dsn names, with
// n demands received over the ten years 2017–2026 from authorities of
// twenty countries, for the report benchmarks: rows as intake and the
// state machine leave them, written by one INSERT … SELECT, without the
// events that would put them in the log. For benchmarks only: such a
// store's log does not account for its demands. A store that holds n
// demands already is left as it is (filled is false); one that holds
// another number is an error.
func FillDemands(ctx context.Context, s *store.Store, dsn string, n int) (filled bool, err error) {
	// The rows go in through a connection of their own: the store's are
	// for the store's own statements.
	driver, source := "sqlite", "file:"+dsn+"?_pragma=busy_timeout(10000)"
	if s.Postgres() {
		driver, source = "pgx", dsn
	}
	db, err := sql.Open(driver, source)
	if err != nil {
		return false, err
	}
	defer db.Close()
	var held int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM demands`).Scan(&held); err != nil {
		return false, fmt.Errorf("fill demands: %w", err)
	}
	switch held {
	case n:
		return false, nil
	case 0:
	default:
		return false, fmt.Errorf("fill demands: %s holds %d demands, not %d: make it afresh", dsn, held, n)
	}
	countries := []string{"US", "DE", "FR", "GB", "IE", "NL", "BR", "IN", "AU", "CA", "ES", "IT", "PL", "SE", "JP", "KR", "MX", "AR", "BE", "AT"}
	var agencies []int64
	for _, c := range countries {
		a, err := s.CreateAgency(ctx, writ.System(), store.AgencyInput{Name: "Bench authority " + c, Country: c, Kind: "law_enforcement", Verified: true, Verification: "bench"})
		if err != nil {
			return false, err
		}
		agencies = append(agencies, a.ID)
	}
	nsa, err := s.CreateAgency(ctx, writ.System(), store.AgencyInput{Name: "Bench national security", Country: "US", Kind: "national_security", Verified: true, Verification: "bench"})
	if err != nil {
		return false, err
	}
	var customers []int64
	for i := range 50 {
		// One customer in ten is an organisation: more than the share of
		// demands naming enterprise customers in the industry's reports.
		kind := "consumer"
		switch i % 10 {
		case 0:
			kind = "enterprise"
		case 5:
			kind = "public_sector"
		}
		c, err := s.CreateCustomer(ctx, writ.System(), store.CustomerInput{Name: fmt.Sprintf("Bench customer %d", i), Kind: kind, HomeCountry: "US",
			LegalContact: "legal@example.com", KeyCustody: "provider_managed", DataLocations: []writ.DataLocation{{Region: "us-east-1", Country: "US"}},
			Accounts: []string{fmt.Sprintf("user%d@bench.example", i)}})
		if err != nil {
			return false, err
		}
		customers = append(customers, c.ID)
	}
	// Demand i comes from country i % 20 (agency i % 20), names customer
	// i % 50, and was received at an even pace over the decade; one in
	// two hundred is a national security letter, from the US national
	// security authority.
	countryOf := "CASE i % 20"
	for i, c := range countries {
		countryOf += fmt.Sprintf(" WHEN %d THEN '%s'", i, c)
	}
	countryOf += " END"
	agencyOf := "CASE i % 20"
	for i, a := range agencies {
		agencyOf += fmt.Sprintf(" WHEN %d THEN %d", i, a)
	}
	agencyOf += " END"
	customerOf := "CASE i % 50"
	for i, c := range customers {
		customerOf += fmt.Sprintf(" WHEN %d THEN %d", i, c)
	}
	customerOf += " END"
	const decade = 10 * 365.25 * 86400
	start := "1483228800" // 2017-01-01
	received := fmt.Sprintf("strftime('%%Y-%%m-%%d %%H:%%M:%%S', %s + CAST(i * %f / %d AS INTEGER), 'unixepoch') || ' +0000 UTC'", start, decade, n)
	series := fmt.Sprintf("WITH RECURSIVE g(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM g WHERE i + 1 < %d) ", n)
	from := "g"
	yes, no := "1", "0"
	if s.Postgres() {
		received = fmt.Sprintf("to_timestamp(%s + floor(i * %f / %d))", start, decade, n)
		series, from, yes, no = "", fmt.Sprintf("generate_series(0, %d) AS g(i)", n-1), "TRUE", "FALSE"
	}
	query := series + `INSERT INTO demands (group_id, agency_id, customer_id, channel, received_at, instrument, issued_by, data_categories, accounts,
		state, outcome, authority_country, flags, emergency, ndo, ndo_until, updated_at)
		SELECT 0, CASE WHEN i % 200 = 0 THEN ` + fmt.Sprint(nsa.ID) + ` ELSE ` + agencyOf + ` END, ` + customerOf + `, 'api', ` + received + `,
			CASE WHEN i % 200 = 0 THEN 'us_nsl' WHEN i % 3 = 0 THEN 'us_search_warrant' ELSE 'us_subpoena' END, 'judge',
			CASE WHEN i % 3 = 0 THEN '["content"]' ELSE '["subscriber"]' END,
			CASE WHEN i % 4 = 0 THEN '["a@bench.example","b@bench.example"]' ELSE '["a@bench.example"]' END,
			CASE WHEN i % 7 = 0 THEN 'in_review' ELSE 'closed' END,
			CASE WHEN i % 7 = 0 THEN NULL ELSE CASE i % 6 WHEN 0 THEN 'content_disclosed' WHEN 1 THEN 'non_content_disclosed' WHEN 2 THEN 'no_data'
				WHEN 3 THEN 'rejected' WHEN 4 THEN 'redirected' ELSE 'withdrawn' END END,
			CASE WHEN i % 200 = 0 THEN 'US' ELSE ` + countryOf + ` END,
			CASE WHEN i % 200 = 0 THEN '["NATIONAL_SECURITY"]' ELSE '[]' END,
			CASE WHEN i % 50 = 0 THEN ` + yes + ` ELSE ` + no + ` END, CASE WHEN i % 10 = 0 THEN ` + yes + ` ELSE ` + no + ` END,
			CASE WHEN i % 10 = 0 THEN '2027-06-30' ELSE '' END, ` + received + `
		FROM ` + from
	if err := fillIn(ctx, db, s.Postgres(), query); err != nil {
		return false, fmt.Errorf("fill demands: %w", err)
	}
	// As after any bulk load: statistics for the planner and, on
	// PostgreSQL, the visibility map that lets it answer from the index
	// alone.
	analyze := `ANALYZE`
	if s.Postgres() {
		analyze = `VACUUM ANALYZE demands`
	}
	if _, err := db.ExecContext(ctx, analyze); err != nil {
		return false, fmt.Errorf("fill demands: %w", err)
	}
	return true, nil
}

// fillIn runs the filling statement in a transaction. On PostgreSQL it
// leaves out the search index's triggers (session_replication_role,
// which needs a superuser, as a benchmark's server has): they run a
// function per row that made a 10M set take hours, and neither the report
// nor its plain GROUP BY reads the search index. SQLite's triggers, a
// fraction of its fill, stay.
func fillIn(ctx context.Context, db *sql.DB, postgres bool, query string) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if postgres {
		if _, err := tx.ExecContext(ctx, `SET LOCAL session_replication_role = replica`); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, query); err != nil {
		return err
	}
	return tx.Commit()
}
