package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"

	"writ"
)

// Publish records a transparency report or warrant canary as published:
// p.Body, its exact bytes, of kind p.Kind for p.Period computed at a
// checkpoint of size p.CheckpointSize, and an event report.published (or
// canary.published) with their SHA-256 appended to the audit log in the
// same transaction. A publication of the same period replaces the earlier
// one, which stays public; the event names the one it replaces. The same
// bytes are published once (ECONFLICT). It returns the publication as
// recorded. The legal team only (EFORBIDDEN); package report checks what is
// published before it calls Publish.
func (s *Store) Publish(ctx context.Context, actor writ.Actor, p writ.Publication) (writ.Publication, error) {
	kind, period, size, body := p.Kind, p.Period, p.CheckpointSize, p.Body
	if !actor.Role.LegalTeam() {
		return writ.Publication{}, writ.Errorf(writ.EFORBIDDEN, "only the legal team may publish a %s", kind)
	}
	sum := sha256.Sum256(body)
	p = writ.Publication{Kind: kind, Period: period, SHA256: hex.EncodeToString(sum[:]), Body: body, CheckpointSize: size, PublishedAt: s.nowUTC()}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM publications WHERE kind = $1 AND sha256 = $2`, kind, p.SHA256).Scan(&n); err != nil {
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
		err = tx.QueryRowContext(ctx, `SELECT sha256, log_index FROM publications WHERE kind = $1 AND period = $2 ORDER BY id DESC LIMIT 1`, kind, period).
			Scan(&p.Replaces, &replaced)
		switch {
		case err == nil:
			event["replaces"], event["replaces_log_index"] = p.Replaces, replaced
		case !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("store: publish: %w", err)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO publications (kind, period, sha256, body, checkpoint_size, log_index, published_at, replaces)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, kind, period, p.SHA256, string(body), size, p.LogIndex, p.PublishedAt, p.Replaces)
		if err != nil {
			return fmt.Errorf("store: publish: %w", err)
		}
		return s.appendEvent(ctx, tx, actor, nil, kind+".published", event)
	})
	return p, err
}

// Publications lists what was published of a kind ("report" or "canary"),
// the latest of each period, newest period first. Public data.
func (s *Store) Publications(ctx context.Context, kind string) ([]writ.Publication, error) {
	return s.publications(ctx, `kind = $1 AND id = (SELECT max(id) FROM publications q WHERE q.kind = p.kind AND q.period = p.period)
		ORDER BY period DESC`, kind)
}

// PublicationVersions lists every publication of a kind for a period,
// the latest first: the one in force, then those it replaced. Public data.
func (s *Store) PublicationVersions(ctx context.Context, kind, period string) ([]writ.Publication, error) {
	return s.publications(ctx, `kind = $1 AND period = $2 ORDER BY id DESC`, kind, period)
}

func (s *Store) publications(ctx context.Context, where string, args ...any) ([]writ.Publication, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+publicationColumns+` FROM publications p WHERE `+where, args...)
	if err != nil {
		return nil, unavailableOr(err, "store: publications")
	}
	defer rows.Close()
	out := []writ.Publication{}
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
func (s *Store) LatestPublication(ctx context.Context, kind, period string) (writ.Publication, error) {
	query := `SELECT ` + publicationColumns + ` FROM publications WHERE kind = $1`
	args := []any{kind}
	if period != "" {
		query += ` AND period = $2`
		args = append(args, period)
	}
	p, err := scanPublication(s.read.QueryRowContext(ctx, query+` ORDER BY id DESC LIMIT 1`, args...))
	if errors.Is(err, sql.ErrNoRows) {
		if period == "" {
			return p, writ.Errorf(writ.ENOTFOUND, "no %s has been published yet", kind)
		}
		return p, writ.Errorf(writ.ENOTFOUND, "no %s has been published for %s", kind, period)
	}
	return p, err
}

// PublicationByHash finds a publication of a kind by the SHA-256 of its
// bytes; ENOTFOUND when those bytes were not published.
func (s *Store) PublicationByHash(ctx context.Context, kind, sha string) (writ.Publication, error) {
	p, err := scanPublication(s.read.QueryRowContext(ctx, `SELECT `+publicationColumns+` FROM publications WHERE kind = $1 AND sha256 = $2`, kind, sha))
	if errors.Is(err, sql.ErrNoRows) {
		return p, writ.Errorf(writ.ENOTFOUND, "no %s with SHA-256 %s was published", kind, sha)
	}
	return p, err
}

const publicationColumns = `kind, period, sha256, body, checkpoint_size, log_index, published_at, replaces`

func scanPublication(row interface{ Scan(...any) error }) (writ.Publication, error) {
	var p writ.Publication
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
