package store

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"writ"
)

// jsonText encodes a list for a JSON text column; nil becomes [].
func jsonText[T any](v []T) string {
	if v == nil {
		return "[]"
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// fromJSONText decodes a JSON text column written by jsonText.
func fromJSONText[T any](s string) ([]T, error) {
	out := []T{}
	if s == "" {
		return out, nil
	}
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		return nil, fmt.Errorf("store: corrupt list %q: %w", s, err)
	}
	return out, nil
}

// nullTime converts a pointer to a time for a nullable column.
func nullTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC()
}

// timePtr converts a nullable column to a pointer, in UTC.
func timePtr(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	u := t.Time.UTC()
	return &u
}

func int64Ptr(n sql.NullInt64) *int64 {
	if !n.Valid {
		return nil
	}
	v := n.Int64
	return &v
}

func nullInt64(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

func boolPtr(b sql.NullBool) *bool {
	if !b.Valid {
		return nil
	}
	v := b.Bool
	return &v
}

func nullBool(p *bool) any {
	if p == nil {
		return nil
	}
	return *p
}

// limit clamps a page size: 50 by default, 500 at most.
func limit(n int) int {
	switch {
	case n <= 0:
		return 50
	case n > 500:
		return 500
	}
	return n
}

// Cursors are opaque to clients: base64 of "kind:fields…".
func encodeCursor(parts ...string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strings.Join(parts, ":")))
}

func decodeCursor(c string) ([]string, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return nil, writ.FieldErrorf("cursor", "not a cursor this server issued")
	}
	return strings.Split(string(b), ":"), nil
}

// idCursor decodes a cursor that holds only an id.
func idCursor(c string) (int64, error) {
	if c == "" {
		return 0, nil
	}
	parts, err := decodeCursor(c)
	if err != nil {
		return 0, err
	}
	if len(parts) != 2 || parts[0] != "i" {
		return 0, writ.FieldErrorf("cursor", "not a cursor this server issued")
	}
	id, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil {
		return 0, writ.FieldErrorf("cursor", "not a cursor this server issued")
	}
	return id, nil
}

func notFound(what string, id int64) error {
	return writ.Errorf(writ.ENOTFOUND, "%s %d not found", what, id)
}

// collectPage reads up to n items from rows, which the query asked for n+1
// of, and sets the next cursor when there was one more.
func collectPage[T any](rows *sql.Rows, n int, scan func(*sql.Rows) (T, error), cursorOf func(T) string) (writ.Page[T], error) {
	defer rows.Close()
	page := writ.Page[T]{Items: []T{}}
	for rows.Next() {
		item, err := scan(rows)
		if err != nil {
			return page, fmt.Errorf("store: %w", err)
		}
		page.Items = append(page.Items, item)
	}
	if err := rows.Err(); err != nil {
		return page, fmt.Errorf("store: %w", err)
	}
	if len(page.Items) > n {
		page.Items = page.Items[:n]
		page.NextCursor = cursorOf(page.Items[n-1])
	}
	return page, nil
}

// idCursorOf is the cursor after an item with the given id.
func idCursorOf(id int64) string { return encodeCursor("i", strconv.FormatInt(id, 10)) }

// queryColumn runs a query of one column and returns its values, the
// failure named by what (EUNAVAILABLE when the database was busy).
func queryColumn[T any](ctx context.Context, db querier, what, query string, args ...any) ([]T, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, unavailableOr(err, what)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var v T
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, unavailableOr(err, what)
	}
	return out, nil
}
