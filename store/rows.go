package store

import (
	"context"
	"database/sql"
	"strings"
)

// tableRows are rows for one table, their values in one flat list.
type tableRows struct {
	table   string
	columns []string
	values  []any
}

func newTableRows(table string, columns []string, rows int) *tableRows {
	return &tableRows{table: table, columns: columns, values: make([]any, 0, rows*len(columns))}
}

func (t *tableRows) add(values ...any) { t.values = append(t.values, values...) }

// maxParameters is how many bound parameters one statement carries.
// PostgreSQL allows 65535. SQLite allows 32766, but finds a numbered
// parameter's name by walking a list of all of them, when it parses "$N"
// and again when each value is bound, so a statement's cost grows with the
// square of its parameters: near the limit, that walk was most of a bulk
// import's time. A thousand keeps it small and the statements still few.
func (s *Store) maxParameters() int {
	if s.postgres {
		return 65535
	}
	return 1000
}

// insertTableRows inserts the rows with multi-row INSERT statements of as
// many rows as the limit on parameters allows. Every full statement has
// the same text, so it is prepared once and run again for each chunk.
func (s *Store) insertTableRows(ctx context.Context, tx *sql.Tx, t *tableRows) error {
	width := len(t.columns)
	total := len(t.values) / width
	if total == 0 {
		return nil
	}
	per := min(s.maxParameters()/width, 1000)
	statement := func(rows int) string {
		tuples := make([]string, rows)
		for i := range tuples {
			tuples[i] = "(" + ordinals(i*width+1, width) + ")"
		}
		return "INSERT INTO " + t.table + " (" + strings.Join(t.columns, ", ") + ") VALUES " + strings.Join(tuples, ", ")
	}
	full := total / per
	if full > 1 {
		stmt, err := tx.PrepareContext(ctx, statement(per))
		if err != nil {
			return err
		}
		defer stmt.Close()
		for c := range full {
			if _, err := stmt.ExecContext(ctx, t.values[c*per*width:(c+1)*per*width]...); err != nil {
				return err
			}
		}
	} else if full == 1 {
		if _, err := tx.ExecContext(ctx, statement(per), t.values[:per*width]...); err != nil {
			return err
		}
	}
	if rest := total - full*per; rest > 0 {
		if _, err := tx.ExecContext(ctx, statement(rest), t.values[full*per*width:]...); err != nil {
			return err
		}
	}
	return nil
}
