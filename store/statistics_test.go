package store_test

import (
	"context"
	"testing"
	"time"
)

// After a bulk import the statistics are refreshed: on PostgreSQL the
// imported tables are analysed (and vacuumed), on SQLite nothing is done.
func TestRefreshStatistics(t *testing.T) {
	for name, o := range map[string]*opener{"SQLite": {}, "Postgres": {postgres: true}} {
		t.Run(name, func(t *testing.T) {
			st := o.open(t, time.Now)
			if err := st.RefreshStatistics(context.Background()); err != nil {
				t.Fatal(err)
			}
			if !o.postgres {
				return
			}
			var analysed int
			if err := o.raw(t).QueryRow(`SELECT count(*) FROM pg_stat_user_tables WHERE schemaname = current_schema()
				AND relname IN ('demands', 'notices', 'notice_deliveries') AND last_analyze IS NOT NULL`).Scan(&analysed); err != nil {
				t.Fatal(err)
			}
			if analysed != 3 {
				t.Fatalf("%d of the imported tables analysed, want 3", analysed)
			}
		})
	}
}
