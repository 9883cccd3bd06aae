package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"path"
	"strings"

	"writ"
)

// AddDocument attaches a legal document to a demand. The legal team may
// attach to any demand, an agency to its own; the content is stored once
// by its SHA-256. EINVALID when the content is not a PDF or image or the
// name is unusable, ETOOLARGE over writ.MaxDocumentSize.
func (s *Store) AddDocument(ctx context.Context, actor writ.Actor, demandID int64, name string, content []byte) (writ.Document, error) {
	if !actor.Role.LegalTeam() && actor.Role != writ.RoleAgency {
		if _, err := s.Demand(ctx, actor, demandID); err != nil {
			return writ.Document{}, err
		}
		return writ.Document{}, writ.Errorf(writ.EFORBIDDEN, "role %s may not attach documents", actor.Role)
	}
	if len(content) > writ.MaxDocumentSize {
		return writ.Document{}, &writ.Error{Code: writ.ETOOLARGE, Field: "document", Message: fmt.Sprintf("larger than %d MiB", writ.MaxDocumentSize>>20)}
	}
	name = path.Base(strings.ReplaceAll(strings.TrimSpace(name), "\\", "/"))
	if name == "" || name == "." || name == "/" || len(name) > 200 {
		return writ.Document{}, writ.FieldErrorf("name", "a file name of 1 to 200 characters is required")
	}
	contentType, err := writ.SniffDocument(content)
	if err != nil {
		return writ.Document{}, err
	}
	sum := sha256.Sum256(content)
	doc := writ.Document{SHA256: hex.EncodeToString(sum[:]), Name: name, ContentType: contentType, Size: int64(len(content)), UploadedBy: actor.Name, UploadedAt: s.nowUTC()}
	err = s.tx(ctx, func(tx *sql.Tx) error {
		d, err := s.demand(ctx, tx, actor, demandID, s.forUpdate())
		if err != nil {
			return err
		}
		if d.State == writ.StateClosed {
			return writ.Errorf(writ.ECONFLICT, "demand %d is closed", demandID)
		}
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO documents (sha256, size, content_type, content) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`),
			doc.SHA256, doc.Size, doc.ContentType, content); err != nil {
			return fmt.Errorf("store: document: %w", err)
		}
		res, err := tx.ExecContext(ctx, s.q(`INSERT INTO demand_documents (demand_id, sha256, name, uploaded_by, uploaded_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`),
			demandID, doc.SHA256, doc.Name, doc.UploadedBy, doc.UploadedAt)
		if err != nil {
			return fmt.Errorf("store: document: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return writ.Errorf(writ.ECONFLICT, "this document is already attached to demand %d", demandID)
		}
		return s.appendEvent(ctx, tx, actor, &demandID, "document.added", doc)
	})
	if err != nil {
		return writ.Document{}, err
	}
	return doc, nil
}

// Documents lists a demand's documents, for whoever may see the demand.
func (s *Store) Documents(ctx context.Context, actor writ.Actor, demandID int64) ([]writ.Document, error) {
	if _, err := s.Demand(ctx, actor, demandID); err != nil {
		return nil, err
	}
	rows, err := s.read.QueryContext(ctx, s.q(`SELECT dd.sha256, dd.name, d.content_type, d.size, dd.uploaded_by, dd.uploaded_at
		FROM demand_documents dd JOIN documents d ON d.sha256 = dd.sha256 WHERE dd.demand_id = ? ORDER BY dd.uploaded_at, dd.sha256`), demandID)
	if err != nil {
		return nil, fmt.Errorf("store: documents: %w", err)
	}
	defer rows.Close()
	docs := []writ.Document{}
	for rows.Next() {
		var doc writ.Document
		if err := rows.Scan(&doc.SHA256, &doc.Name, &doc.ContentType, &doc.Size, &doc.UploadedBy, &doc.UploadedAt); err != nil {
			return nil, fmt.Errorf("store: documents: %w", err)
		}
		doc.UploadedAt = doc.UploadedAt.UTC()
		docs = append(docs, doc)
	}
	return docs, rows.Err()
}

// DocumentContent returns one document of a demand the actor may see, or
// ENOTFOUND.
func (s *Store) DocumentContent(ctx context.Context, actor writ.Actor, demandID int64, sha string) (writ.Document, []byte, error) {
	if _, err := s.Demand(ctx, actor, demandID); err != nil {
		return writ.Document{}, nil, err
	}
	var doc writ.Document
	var content []byte
	err := s.read.QueryRowContext(ctx, s.q(`SELECT dd.sha256, dd.name, d.content_type, d.size, dd.uploaded_by, dd.uploaded_at, d.content
		FROM demand_documents dd JOIN documents d ON d.sha256 = dd.sha256 WHERE dd.demand_id = ? AND dd.sha256 = ?`), demandID, sha).
		Scan(&doc.SHA256, &doc.Name, &doc.ContentType, &doc.Size, &doc.UploadedBy, &doc.UploadedAt, &content)
	if errors.Is(err, sql.ErrNoRows) {
		return doc, nil, writ.Errorf(writ.ENOTFOUND, "demand %d has no document %s", demandID, sha)
	}
	if err != nil {
		return doc, nil, fmt.Errorf("store: document: %w", err)
	}
	doc.UploadedAt = doc.UploadedAt.UTC()
	return doc, content, nil
}
