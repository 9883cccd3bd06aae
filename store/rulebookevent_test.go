package store_test

import (
	"strings"
	"testing"
	"time"

	"writ/store"
)

// The latest rulebook event, which every server reads as it starts, is
// found through its own index, not by reading the log back from its head
// (on PostgreSQL with a million demands' events that outlasted the
// statement timeout and writ serve did not start).
func TestLastRulebookEventReadsItsOwnIndex(t *testing.T) {
	for name, o := range map[string]*opener{"SQLite": {}, "Postgres": {postgres: true}} {
		t.Run(name, func(t *testing.T) {
			o.open(t, time.Now)
			db := o.raw(t)
			tx, err := db.Begin()
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback()
			explain := "EXPLAIN QUERY PLAN "
			if o.postgres {
				// A table as small as a test's is read whole unless
				// that is ruled out; the choice between the indexes is
				// the planner's.
				if _, err := tx.Exec(`SET LOCAL enable_seqscan = off`); err != nil {
					t.Fatal(err)
				}
				explain = "EXPLAIN "
			}
			rows, err := tx.Query(explain + store.LastRulebookEvent)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			cols, _ := rows.Columns()
			var plan strings.Builder
			for rows.Next() {
				vals := make([]any, len(cols))
				for i := range vals {
					vals[i] = new(any)
				}
				if err := rows.Scan(vals...); err != nil {
					t.Fatal(err)
				}
				for _, v := range vals {
					plan.WriteString(strings.TrimSpace(toString(*v.(*any))) + " ")
				}
				plan.WriteString("\n")
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(plan.String(), "events_rulebook") {
				t.Fatalf("the latest rulebook event is not read through events_rulebook:\n%s", plan.String())
			}
		})
	}
}

func toString(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case []byte:
		return string(v)
	}
	return ""
}
