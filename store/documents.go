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

// AddDocument attaches a legal document to a demand. The legal team may
// attach to any demand, an agency to its own; the content is stored once
// by its SHA-256. EINVALID when the content is not a PDF or image or the
// name is unusable, ETOOLARGE over writ.MaxDocumentSize or the demand's
// quota, ETOOMANY over the agency's daily quota. A name whose extension
// does not match the content's type gets the right one added.
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
	contentType, err := writ.SniffDocument(content)
	if err != nil {
		return writ.Document{}, err
	}
	if name, err = documentName(name, contentType); err != nil {
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
		if err := s.checkQuota(ctx, tx, actor, demandID, doc.Size); err != nil {
			return err
		}
		if err := s.putDocument(ctx, tx, doc, content); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, s.q(`INSERT INTO demand_documents (demand_id, sha256, name, uploaded_by, uploaded_at, uploader_id) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`),
			demandID, doc.SHA256, doc.Name, doc.UploadedBy, doc.UploadedAt, nullID(actor.UserID))
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
	var keyID string
	err := s.read.QueryRowContext(ctx, s.q(`SELECT dd.sha256, dd.name, d.content_type, d.size, dd.uploaded_by, dd.uploaded_at, d.key_id, d.content
		FROM demand_documents dd JOIN documents d ON d.sha256 = dd.sha256 WHERE dd.demand_id = ? AND dd.sha256 = ?`), demandID, sha).
		Scan(&doc.SHA256, &doc.Name, &doc.ContentType, &doc.Size, &doc.UploadedBy, &doc.UploadedAt, &keyID, &content)
	if errors.Is(err, sql.ErrNoRows) {
		return doc, nil, writ.Errorf(writ.ENOTFOUND, "demand %d has no document %s", demandID, sha)
	}
	if err != nil {
		return doc, nil, fmt.Errorf("store: document: %w", err)
	}
	doc.UploadedAt = doc.UploadedAt.UTC()
	if s.documentKeys == nil {
		return doc, nil, errors.New("store: no documents key to open documents with")
	}
	content, err = s.documentKeys.open(keyID, doc.SHA256, content)
	if err != nil {
		return doc, nil, fmt.Errorf("store: %w", err)
	}
	return doc, content, nil
}

// putDocument stores a document's content once, sealed with the current
// documents key, unless a document with that SHA-256 is stored already.
func (s *Store) putDocument(ctx context.Context, tx *sql.Tx, doc writ.Document, content []byte) error {
	if s.documentKeys == nil {
		return errors.New("store: no documents key to seal documents with")
	}
	var n int
	if err := tx.QueryRowContext(ctx, s.q(`SELECT count(*) FROM documents WHERE sha256 = ?`), doc.SHA256).Scan(&n); err != nil {
		return fmt.Errorf("store: document: %w", err)
	}
	if n > 0 {
		return nil
	}
	keyID, sealed, err := s.documentKeys.seal(doc.SHA256, content)
	if err != nil {
		return fmt.Errorf("store: document: %w", err)
	}
	if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO documents (sha256, size, content_type, key_id, content) VALUES (?, ?, ?, ?, ?)`),
		doc.SHA256, doc.Size, doc.ContentType, keyID, sealed); err != nil {
		return fmt.Errorf("store: document: %w", err)
	}
	return nil
}
