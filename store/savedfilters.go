package store

import (
	"context"
	"fmt"
	"strings"

	"writ"
)

// maxSavedFilters bounds how many filters one user keeps.
const maxSavedFilters = 50

// SaveFilter keeps a named queue filter for the signed-in user, replacing
// one of the same name. The legal team and auditors only (EFORBIDDEN);
// EINVALID for an empty or overlong name or query.
func (s *Store) SaveFilter(ctx context.Context, actor writ.Actor, name, query string) (writ.SavedFilter, error) {
	f := writ.SavedFilter{Name: strings.TrimSpace(name), Query: strings.TrimPrefix(strings.TrimSpace(query), "?")}
	if !actor.Role.SeesAll() || actor.UserID == 0 {
		return f, writ.Errorf(writ.EFORBIDDEN, "only the legal team and auditors keep queue filters")
	}
	switch {
	case f.Name == "" || len(f.Name) > 100:
		return f, writ.FieldErrorf("name", "name the filter in 1 to 100 characters")
	case len(f.Query) > 2000:
		return f, writ.FieldErrorf("query", "at most 2000 characters")
	}
	var n int
	if err := s.read.QueryRowContext(ctx, `SELECT count(*) FROM saved_filters WHERE user_id = $1`, actor.UserID).Scan(&n); err != nil {
		return f, unavailableOr(err, "store: saved filters")
	}
	if n >= maxSavedFilters {
		return f, writ.Errorf(writ.ECONFLICT, "you keep %d filters already: delete one first", n)
	}
	err := s.write.QueryRowContext(ctx, `INSERT INTO saved_filters (user_id, name, query) VALUES ($1, $2, $3)
		ON CONFLICT (user_id, name) DO UPDATE SET query = excluded.query RETURNING id`, actor.UserID, f.Name, f.Query).Scan(&f.ID)
	if err != nil {
		return f, unavailableOr(err, "store: save filter")
	}
	return f, nil
}

// SavedFilters lists the signed-in user's filters by name.
func (s *Store) SavedFilters(ctx context.Context, actor writ.Actor) ([]writ.SavedFilter, error) {
	out := []writ.SavedFilter{}
	rows, err := s.read.QueryContext(ctx, `SELECT id, name, query FROM saved_filters WHERE user_id = $1 ORDER BY name`, actor.UserID)
	if err != nil {
		return out, unavailableOr(err, "store: saved filters")
	}
	defer rows.Close()
	for rows.Next() {
		var f writ.SavedFilter
		if err := rows.Scan(&f.ID, &f.Name, &f.Query); err != nil {
			return out, fmt.Errorf("store: saved filters: %w", err)
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// DeleteFilter deletes one of the signed-in user's filters; ENOTFOUND for
// another user's or one that does not exist.
func (s *Store) DeleteFilter(ctx context.Context, actor writ.Actor, id int64) error {
	res, err := s.write.ExecContext(ctx, `DELETE FROM saved_filters WHERE id = $1 AND user_id = $2`, id, actor.UserID)
	if err != nil {
		return unavailableOr(err, "store: delete filter")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return writ.Errorf(writ.ENOTFOUND, "there is no saved filter %d", id)
	}
	return nil
}
