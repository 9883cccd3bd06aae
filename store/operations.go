package store

import (
	"context"
	"database/sql"
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Operations is what an operator's monitoring reads of the database at
// one moment: how much work there is and how old the oldest of it is.
// OperationsCounts reads it; package ops turns it into metrics.
type Operations struct {
	// DemandsByState counts demands by state.
	DemandsByState map[string]int64
	// OpenDeadlines counts deadlines still owed; OverdueDeadlines those of
	// them whose time has passed on a demand not closed.
	OpenDeadlines, OverdueDeadlines int64
	// Jobs counts River's jobs by kind and state.
	Jobs []JobCount
	// Deliveries counts notice deliveries by channel and state (failed
	// ones are state "failed"); DeliveryAttempts sums their tries by
	// channel.
	Deliveries       []DeliveryCount
	DeliveryAttempts map[string]int64
	// LogSize is the number of entries in the audit log; LastCheckpoint
	// when the latest checkpoint was signed (zero when none was).
	LogSize        int64
	LastCheckpoint time.Time
}

// JobCount is the number of River jobs of one kind in one state, and
// when the oldest of them was created (for the states a job waits or
// runs in; zero for finished ones).
type JobCount struct {
	Kind, State string
	Count       int64
	Oldest      time.Time
}

// DeliveryCount is the number of notice deliveries on one channel in one
// state.
type DeliveryCount struct {
	Channel, State string
	Count          int64
}

// PendingJobStates are River's states in which a job's age matters: it
// waits or runs.
var PendingJobStates = []string{"available", "running", "retryable", "scheduled"}

// DeliveryChannels and DeliveryStates are the channels and states of a
// notice delivery (table notice_deliveries).
var (
	DeliveryChannels = []string{"email", "webhook", "recorded"}
	DeliveryStates   = []string{"pending", "sent", "delivered", "failed", "cancelled"}
)

// OperationsCounts reads the counts behind writ's metrics. Each is one
// grouped query; callers cache the result (a scrape every few seconds of
// a database of a million demands must not rescan it every time).
func (s *Store) OperationsCounts(ctx context.Context) (Operations, error) {
	out := Operations{DemandsByState: map[string]int64{}, DeliveryAttempts: map[string]int64{}}
	db := s.read
	if err := eachRow(ctx, db, `SELECT state, count(*) FROM demands GROUP BY state`, nil, func(r *sql.Rows) error {
		var state string
		var n int64
		if err := r.Scan(&state, &n); err != nil {
			return err
		}
		out.DemandsByState[state] = n
		return nil
	}); err != nil {
		return out, err
	}
	now := s.nowUTC()
	if err := db.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM deadlines WHERE status = 'open'),
		(SELECT count(*) FROM deadlines dl JOIN demands d ON d.id = dl.demand_id WHERE dl.status = 'open' AND dl.due < $1 AND d.state <> 'closed'),
		(SELECT size FROM log_head WHERE id = 1)`, now).Scan(&out.OpenDeadlines, &out.OverdueDeadlines, &out.LogSize); err != nil {
		return out, unavailableOr(err, "store: operations")
	}
	var issued sql.NullTime
	if err := db.QueryRowContext(ctx, `SELECT issued_at FROM checkpoints ORDER BY size DESC LIMIT 1`).Scan(&issued); err != nil && err != sql.ErrNoRows {
		return out, unavailableOr(err, "store: operations: checkpoint")
	}
	out.LastCheckpoint = issued.Time
	if err := eachRow(ctx, db, `SELECT kind, state, count(*) FROM river_job GROUP BY kind, state ORDER BY kind, state`, nil, func(r *sql.Rows) error {
		var j JobCount
		if err := r.Scan(&j.Kind, &j.State, &j.Count); err != nil {
			return err
		}
		out.Jobs = append(out.Jobs, j)
		return nil
	}); err != nil {
		return out, err
	}
	for i, j := range out.Jobs {
		if !slices.Contains(PendingJobStates, j.State) {
			continue
		}
		// Not min(): the column's type, which the SQLite driver reads a
		// time by, does not survive an aggregate.
		var oldest sql.NullTime
		if err := db.QueryRowContext(ctx, `SELECT created_at FROM river_job WHERE kind = $1 AND state = $2 ORDER BY created_at LIMIT 1`, j.Kind, j.State).Scan(&oldest); err != nil && err != sql.ErrNoRows {
			return out, unavailableOr(err, "store: operations: jobs")
		}
		out.Jobs[i].Oldest = oldest.Time
	}
	err := eachRow(ctx, db, `SELECT channel, state, count(*), COALESCE(sum(attempts), 0) FROM notice_deliveries GROUP BY channel, state ORDER BY channel, state`, nil, func(r *sql.Rows) error {
		var d DeliveryCount
		var attempts int64
		if err := r.Scan(&d.Channel, &d.State, &d.Count, &attempts); err != nil {
			return err
		}
		out.Deliveries = append(out.Deliveries, d)
		out.DeliveryAttempts[d.Channel] += attempts
		return nil
	})
	return out, err
}

// eachRow runs query and calls fn for every row.
func eachRow(ctx context.Context, db *sql.DB, query string, args []any, fn func(*sql.Rows) error) error {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return unavailableOr(err, "store: operations")
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return fmt.Errorf("store: operations: %w", err)
		}
	}
	if err := rows.Err(); err != nil {
		return unavailableOr(err, "store: operations")
	}
	return nil
}

// PendingMigrations names writ's migrations the database has not applied
// (none once Migrate ran): a server whose code is newer than its database
// is not ready to serve.
func (s *Store) PendingMigrations(ctx context.Context) ([]string, error) {
	names, err := s.migrationFiles()
	if err != nil {
		return nil, err
	}
	applied := map[int]bool{}
	if err := eachRow(ctx, s.read, `SELECT version FROM schema_migrations`, nil, func(r *sql.Rows) error {
		var v int
		if err := r.Scan(&v); err != nil {
			return err
		}
		applied[v] = true
		return nil
	}); err != nil {
		return nil, err
	}
	var pending []string
	for _, name := range names {
		base := path.Base(name)
		v, _ := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if !applied[v] {
			pending = append(pending, base)
		}
	}
	return pending, nil
}
