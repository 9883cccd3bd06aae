package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"writ"
	"writ/auditlog"
)

// Production returns the package made available for a demand, each file
// with the log entry that commits to its SHA-256 and, once a checkpoint
// covers it, the proof of its inclusion. The agency of the demand, once
// the package is available (a US one's certificate signed), the legal
// team and auditors; a customer never learns of a production (ENOTFOUND,
// as for a demand without one).
func (s *Store) Production(ctx context.Context, actor writ.Actor, demandID int64) (writ.Production, error) {
	p := writ.Production{DemandID: demandID}
	if _, err := s.Demand(ctx, actor, demandID); err != nil {
		return p, err
	}
	if !actor.Role.SeesAll() && actor.Role != writ.RoleAgency {
		return p, writ.Errorf(writ.ENOTFOUND, "demand %d has no production", demandID)
	}
	var id int64
	var accounts, categories, from, to, certSHA, certifiedBy string
	var available, certified sql.NullTime
	err := s.read.QueryRowContext(ctx, `SELECT id, accounts, categories, date_from, date_to, expires_at, download_limit, downloads, made_by, made_at,
		available_at, certificate_sha256, certified_by, certified_at
		FROM productions WHERE demand_id = $1`, demandID).
		Scan(&id, &accounts, &categories, &from, &to, &p.ExpiresAt, &p.DownloadLimit, &p.Downloads, &p.MadeBy, &p.MadeAt,
			&available, &certSHA, &certifiedBy, &certified)
	// The agency learns of a package once it is available: a US one's
	// certificate signed.
	if errors.Is(err, sql.ErrNoRows) || err == nil && !available.Valid && actor.Role == writ.RoleAgency {
		return p, writ.Errorf(writ.ENOTFOUND, "demand %d has no production", demandID)
	}
	if err != nil {
		return p, fmt.Errorf("store: production: %w", err)
	}
	p.ExpiresAt, p.MadeAt, p.AvailableAt = p.ExpiresAt.UTC(), p.MadeAt.UTC(), timePtr(available)
	if certSHA != "" {
		p.Certificate = &writ.ProductionCertificate{Signed: certified.Valid, SHA256: certSHA, SignedBy: certifiedBy, SignedAt: timePtr(certified)}
	}
	if p.Scope.Accounts, err = fromJSONText[string](accounts); err != nil {
		return p, err
	}
	if p.Scope.Categories, err = fromJSONText[string](categories); err != nil {
		return p, err
	}
	if from != "" {
		p.Scope.DateRange = &writ.DateRange{From: from, To: to}
	}
	if p.Files, err = s.productionFileList(ctx, id); err != nil {
		return p, err
	}
	return p, nil
}

// productionFileList lists a package's files with their log entries.
func (s *Store) productionFileList(ctx context.Context, productionID int64) ([]writ.ProductionFile, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT name, sha256, size, log_index FROM production_files WHERE production_id = $1 ORDER BY log_index`, productionID)
	if err != nil {
		return nil, fmt.Errorf("store: production: %w", err)
	}
	var files []writ.ProductionFile
	for rows.Next() {
		var f writ.ProductionFile
		if err := rows.Scan(&f.Name, &f.SHA256, &f.Size, &f.Entry.Index); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: production: %w", err)
		}
		files = append(files, f)
	}
	if err := rows.Close(); err != nil {
		return nil, fmt.Errorf("store: production: %w", err)
	}
	size, _, err := s.latestCheckpointSize(ctx)
	if err != nil {
		return nil, err
	}
	for i := range files {
		if files[i].Entry, err = s.logEntry(ctx, files[i].Entry.Index, size); err != nil {
			return nil, err
		}
	}
	return files, nil
}

// logEntry is the entry at index as an outside verifier checks it, with
// its inclusion proof at a checkpoint of size (none when the checkpoint
// does not cover it).
func (s *Store) logEntry(ctx context.Context, index, size int64) (writ.LogEntry, error) {
	e := auditlog.Event{Index: index}
	var demand, actor sql.NullInt64
	var data string
	err := s.read.QueryRowContext(ctx, `SELECT demand_id, actor_id, actor, kind, data, at FROM events WHERE log_index = $1`, index).
		Scan(&demand, &actor, &e.Actor, &e.Kind, &data, &e.At)
	if err != nil {
		return writ.LogEntry{}, fmt.Errorf("store: log entry %d: %w", index, err)
	}
	e.DemandID, e.ActorID, e.Data = demand.Int64, actor.Int64, []byte(data)
	out := writ.LogEntry{Index: index, Leaf: string(auditlog.Leaf(e)), Data: data}
	if index < size {
		p, err := s.inclusion(ctx, index, size)
		if err != nil {
			return out, err
		}
		out.Inclusion = &p
	}
	return out, nil
}

// DownloadProduction returns one file of a demand's package and records
// the download as an event with the file's name and SHA-256. The agency of
// the demand downloads within the package's expiry (EGONE after it) and
// its download limit (EFORBIDDEN after it), and only with a second factor
// set up (EFORBIDDEN without); the legal team may open the files, which
// counts as no download of the agency's. Auditors get EFORBIDDEN, a
// customer ENOTFOUND.
func (s *Store) DownloadProduction(ctx context.Context, actor writ.Actor, demandID int64, sha string) (writ.ProductionFile, []byte, error) {
	var f writ.ProductionFile
	if _, err := s.Production(ctx, actor, demandID); err != nil {
		return f, nil, err
	}
	if !actor.Role.LegalTeam() && actor.Role != writ.RoleAgency {
		return f, nil, writ.Errorf(writ.EFORBIDDEN, "role %s may not download a production", actor.Role)
	}
	var content []byte
	var keyID string
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var id int64
		var limit, downloads int
		var expires sql.NullTime
		err := tx.QueryRowContext(ctx, `SELECT p.id, p.expires_at, p.download_limit, p.downloads, f.name, f.size, f.key_id, f.content
			FROM productions p JOIN production_files f ON f.production_id = p.id WHERE p.demand_id = $1 AND f.sha256 = $2`+s.forUpdate(), demandID, sha).
			Scan(&id, &expires, &limit, &downloads, &f.Name, &f.Size, &keyID, &content)
		if errors.Is(err, sql.ErrNoRows) {
			return writ.Errorf(writ.ENOTFOUND, "the production of demand %d has no file %s", demandID, sha)
		}
		if err != nil {
			return fmt.Errorf("store: download: %w", err)
		}
		f.SHA256 = sha
		event := map[string]any{"name": f.Name, "sha256": sha, "size": f.Size}
		if actor.Role == writ.RoleAgency {
			if err := s.checkAgencyAccess(ctx, tx, actor, expires.Time); err != nil {
				return err
			}
			if downloads >= limit {
				return writ.Errorf(writ.EFORBIDDEN, "the production was downloaded %d times, its limit: ask the legal team for more", limit)
			}
			if _, err := tx.ExecContext(ctx, `UPDATE productions SET downloads = downloads + 1 WHERE id = $1`, id); err != nil {
				return fmt.Errorf("store: download: %w", err)
			}
			event["download"], event["download_limit"] = downloads+1, limit
		}
		return s.appendEvent(ctx, tx, actor, &demandID, "production.downloaded", event)
	})
	if err != nil {
		return f, nil, err
	}
	if content, err = s.documentKeys.Open(keyID, sha, content); err != nil {
		return f, nil, fmt.Errorf("store: download: %w", err)
	}
	return f, content, nil
}

// checkAgencyAccess refuses an agency's download after the expiry or
// without a second factor.
func (s *Store) checkAgencyAccess(ctx context.Context, tx *sql.Tx, actor writ.Actor, expires time.Time) error {
	var enrolled bool
	if err := tx.QueryRowContext(ctx, `SELECT totp_secret <> '' FROM users WHERE id = $1`, actor.UserID).Scan(&enrolled); err != nil {
		return fmt.Errorf("store: download: %w", err)
	}
	if !enrolled {
		return writ.Errorf(writ.EFORBIDDEN, "set up a second factor (an authenticator app) before downloading a production")
	}
	if !s.nowUTC().Before(expires) {
		return writ.Errorf(writ.EGONE, "the production expired on %s: ask the legal team to make it available again", expires.UTC().Format("2 January 2006, 15:04 UTC"))
	}
	return nil
}

// resealProductionFiles seals anew up to n files of productions not
// sealed with the current documents key, in the rotation's transaction.
func (s *Store) resealProductionFiles(ctx context.Context, tx *sql.Tx, n int) (int, error) {
	if n <= 0 {
		return 0, nil
	}
	k := s.documentKeys
	rows, err := tx.QueryContext(ctx, `SELECT production_id, sha256, key_id, content FROM production_files WHERE key_id <> $1 LIMIT $2`, k.Current(), n)
	if err != nil {
		return 0, err
	}
	type file struct {
		production int64
		sha, keyID string
		content    []byte
	}
	var files []file
	for rows.Next() {
		var f file
		if err := rows.Scan(&f.production, &f.sha, &f.keyID, &f.content); err != nil {
			rows.Close()
			return 0, err
		}
		files = append(files, f)
	}
	if err := rows.Close(); err != nil {
		return 0, err
	}
	for _, f := range files {
		plain, err := k.Open(f.keyID, f.sha, f.content)
		if err != nil {
			return 0, err
		}
		id, sealed, err := k.Seal(f.sha, plain)
		if err != nil {
			return 0, err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE production_files SET key_id = $1, content = $2 WHERE production_id = $3 AND sha256 = $4`,
			id, sealed, f.production, f.sha); err != nil {
			return 0, err
		}
	}
	return len(files), nil
}
