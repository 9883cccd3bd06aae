package store

import "context"

// RefreshStatistics brings the database's statistics of writ's tables up
// to date after many rows were written at once (a bulk import), so that
// PostgreSQL plans from what the tables now hold whether or not its
// autovacuum runs (without them it takes a few urgent demands for half a
// million), and marks the new rows visible to all in its visibility map,
// so that a count reads an index alone (VACUUM (ANALYZE)). On
// SQLite it does nothing: writ's queries there are written for its
// planner without statistics (partial indexes, INDEXED BY where SQLite
// would guess wrong).
func (s *Store) RefreshStatistics(ctx context.Context) error {
	if !s.postgres {
		return nil
	}
	if _, err := s.write.ExecContext(ctx, `VACUUM (ANALYZE) `+importedTables); err != nil {
		return unavailableOr(err, "store: refresh statistics")
	}
	return nil
}

// importedTables are the tables a bulk import fills on PostgreSQL, itself
// or through the search's triggers (demand_search, and search_words from
// it) and the log.
const importedTables = `demands, demand_accounts, assessments, deadlines, notices, notice_deliveries, callbacks, decisions,
	challenges, disclosures, events, demand_search, search_words`
