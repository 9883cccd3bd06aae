package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"

	"writ"
)

// AddDocument attaches a legal document to a demand for the narrowest
// audience its uploader allows: an agency's upload is for the legal team
// and the agency, the legal team's for the legal team. See AddDocumentTo.
func (s *Store) AddDocument(ctx context.Context, actor writ.Actor, demandID int64, name string, content []byte) (writ.Document, error) {
	return s.AddDocumentTo(ctx, actor, demandID, "", name, content)
}

// AddDocumentTo attaches a legal document to a demand for an audience (one
// of writ.Audiences; the uploader's narrowest when empty). The legal team
// may attach to any demand for any audience; an agency to its own, for the
// legal team and itself or for everyone on the demand; a customer to a
// demand it may see (its own tenant's, once notice is due), for the legal
// team and itself only: its objection or a court filing, which the agency
// never sees. The content is stored once by its SHA-256. EINVALID when the
// content is not a PDF or image, the name is unusable or the audience is
// not the uploader's to choose; ETOOLARGE over writ.MaxDocumentSize or the
// demand's quota, ETOOMANY over the agency's daily quota. A name whose
// extension does not match the content's type gets the right one added.
func (s *Store) AddDocumentTo(ctx context.Context, actor writ.Actor, demandID int64, audience, name string, content []byte) (writ.Document, error) {
	if writ.SideOf(actor.Role) == "" {
		if _, err := s.Demand(ctx, actor, demandID); err != nil {
			return writ.Document{}, err
		}
		return writ.Document{}, writ.Errorf(writ.EFORBIDDEN, "role %s may not attach documents", actor.Role)
	}
	switch {
	case audience == "" && actor.Role == writ.RoleAgency:
		audience = writ.AudienceAgency
	case audience == "" && actor.Role == writ.RoleCustomer:
		audience = writ.AudienceCustomer
	case audience == "":
		audience = writ.AudienceLegal
	case !slices.Contains(writ.Audiences(), audience):
		return writ.Document{}, writ.FieldErrorf("audience", "unknown audience %q (one of %s)", audience, strings.Join(writ.Audiences(), ", "))
	case actor.Role == writ.RoleAgency && !actor.Role.Sees(audience):
		return writ.Document{}, writ.FieldErrorf("audience", "an agency shares its documents with the legal team (agency) or with everyone on the demand (all)")
	case actor.Role == writ.RoleCustomer && audience != writ.AudienceCustomer:
		return writ.Document{}, writ.FieldErrorf("audience", "a customer shares its documents with the legal team only (customer)")
	}
	doc, err := s.newDocument(actor, audience, "document", name, content)
	if err != nil {
		return writ.Document{}, err
	}
	err = s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := s.openDemand(ctx, tx, actor, demandID); err != nil {
			return err
		}
		return s.attachDocument(ctx, tx, actor, demandID, doc, content)
	})
	if err != nil {
		return writ.Document{}, err
	}
	return doc, nil
}

// openDemand reads a demand the actor may see, holding its row in tx, if
// it is not closed (ECONFLICT).
func (s *Store) openDemand(ctx context.Context, tx *sql.Tx, actor writ.Actor, demandID int64) (writ.Demand, error) {
	d, err := s.demand(ctx, tx, actor, demandID, s.forUpdate())
	if err == nil && d.State == writ.StateClosed {
		err = writ.Errorf(writ.ECONFLICT, "demand %d is closed", demandID)
	}
	return d, err
}

// newDocument checks an upload (field names it in errors) and describes
// it as a document of audience uploaded by actor now.
func (s *Store) newDocument(actor writ.Actor, audience, field, name string, content []byte) (writ.Document, error) {
	if len(content) > writ.MaxDocumentSize {
		return writ.Document{}, &writ.Error{Code: writ.ETOOLARGE, Field: field, Message: fmt.Sprintf("larger than %d MiB", writ.MaxDocumentSize>>20)}
	}
	contentType, err := writ.SniffDocument(content)
	if err != nil {
		return writ.Document{}, err
	}
	if name, err = documentName(name, contentType); err != nil {
		return writ.Document{}, err
	}
	sum := sha256.Sum256(content)
	return writ.Document{SHA256: hex.EncodeToString(sum[:]), Name: name, ContentType: contentType, Size: int64(len(content)), Audience: audience,
		UploadedBy: actor.Name, UploadedAt: s.nowUTC()}, nil
}

// attachDocument stores doc, sealed, as a document of the demand whose row
// tx holds, within the quotas, and records it in the audit log. ECONFLICT
// when the demand has the same document already.
func (s *Store) attachDocument(ctx context.Context, tx *sql.Tx, actor writ.Actor, demandID int64, doc writ.Document, content []byte) error {
	if err := s.checkQuota(ctx, tx, actor, demandID, doc.Size); err != nil {
		return err
	}
	if err := s.putDocument(ctx, tx, doc, content); err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO demand_documents (demand_id, sha256, name, audience, uploaded_by, uploaded_at, uploader_id) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
		demandID, doc.SHA256, doc.Name, doc.Audience, doc.UploadedBy, doc.UploadedAt, nullID(actor.UserID))
	if err != nil {
		return fmt.Errorf("store: document: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return writ.Errorf(writ.ECONFLICT, "this document is already attached to demand %d", demandID)
	}
	return s.appendEvent(ctx, tx, actor, &demandID, "document.added", doc)
}

// audienceOf is the condition on dd.audience that confines documents to
// what the actor may see.
func audienceOf(actor writ.Actor) string {
	switch {
	case actor.Role.SeesAll():
		return "TRUE"
	case actor.Role == writ.RoleAgency:
		return "dd.audience IN ('agency', 'all')"
	case actor.Role == writ.RoleCustomer:
		return "dd.audience IN ('customer', 'all')"
	}
	return "FALSE"
}

// Documents lists the documents of a demand the actor may see, each only
// for its audience: an agency or a customer never learns of the others.
func (s *Store) Documents(ctx context.Context, actor writ.Actor, demandID int64) ([]writ.Document, error) {
	if _, err := s.Demand(ctx, actor, demandID); err != nil {
		return nil, err
	}
	rows, err := s.read.QueryContext(ctx, `SELECT dd.sha256, dd.name, d.content_type, d.size, dd.audience, dd.uploaded_by, dd.uploaded_at
		FROM demand_documents dd JOIN documents d ON d.sha256 = dd.sha256 WHERE dd.demand_id = $1 AND `+audienceOf(actor)+` ORDER BY dd.uploaded_at, dd.sha256`, demandID)
	if err != nil {
		return nil, fmt.Errorf("store: documents: %w", err)
	}
	defer rows.Close()
	docs := []writ.Document{}
	for rows.Next() {
		var doc writ.Document
		if err := rows.Scan(&doc.SHA256, &doc.Name, &doc.ContentType, &doc.Size, &doc.Audience, &doc.UploadedBy, &doc.UploadedAt); err != nil {
			return nil, fmt.Errorf("store: documents: %w", err)
		}
		doc.UploadedAt = doc.UploadedAt.UTC()
		docs = append(docs, doc)
	}
	return docs, rows.Err()
}

// DocumentContent returns one document of a demand the actor may see, if
// the actor is of its audience, or ENOTFOUND.
func (s *Store) DocumentContent(ctx context.Context, actor writ.Actor, demandID int64, sha string) (writ.Document, []byte, error) {
	if _, err := s.Demand(ctx, actor, demandID); err != nil {
		return writ.Document{}, nil, err
	}
	var doc writ.Document
	var content []byte
	var keyID string
	err := s.read.QueryRowContext(ctx, `SELECT dd.sha256, dd.name, d.content_type, d.size, dd.audience, dd.uploaded_by, dd.uploaded_at, d.key_id, d.content
		FROM demand_documents dd JOIN documents d ON d.sha256 = dd.sha256 WHERE dd.demand_id = $1 AND dd.sha256 = $2 AND `+audienceOf(actor), demandID, sha).
		Scan(&doc.SHA256, &doc.Name, &doc.ContentType, &doc.Size, &doc.Audience, &doc.UploadedBy, &doc.UploadedAt, &keyID, &content)
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
	content, err = s.documentKeys.Open(keyID, doc.SHA256, content)
	if err != nil {
		return doc, nil, fmt.Errorf("store: %w", err)
	}
	return doc, content, nil
}

// SetDocumentAudience changes who may see a document of a demand: the
// legal team shares the warrant with the customer, say. Reviewers,
// approvers and admins only (EFORBIDDEN); ENOTFOUND for a demand the actor
// may not see or a document it does not have; EINVALID for an unknown
// audience.
func (s *Store) SetDocumentAudience(ctx context.Context, actor writ.Actor, demandID int64, sha, audience string) (writ.Document, error) {
	if _, err := s.Demand(ctx, actor, demandID); err != nil {
		return writ.Document{}, err
	}
	if !actor.Role.LegalTeam() {
		return writ.Document{}, writ.Errorf(writ.EFORBIDDEN, "only the legal team changes who may see a document")
	}
	if !slices.Contains(writ.Audiences(), audience) {
		return writ.Document{}, writ.FieldErrorf("audience", "unknown audience %q (one of %s)", audience, strings.Join(writ.Audiences(), ", "))
	}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var was string
		err := tx.QueryRowContext(ctx, `SELECT audience FROM demand_documents WHERE demand_id = $1 AND sha256 = $2`+s.forUpdate(), demandID, sha).Scan(&was)
		if errors.Is(err, sql.ErrNoRows) {
			return writ.Errorf(writ.ENOTFOUND, "demand %d has no document %s", demandID, sha)
		}
		if err != nil {
			return fmt.Errorf("store: document audience: %w", err)
		}
		if was == audience {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE demand_documents SET audience = $1 WHERE demand_id = $2 AND sha256 = $3`, audience, demandID, sha); err != nil {
			return fmt.Errorf("store: document audience: %w", err)
		}
		return s.appendEvent(ctx, tx, actor, &demandID, "document.audience", map[string]any{"sha256": sha, "from": was, "to": audience})
	})
	if err != nil {
		return writ.Document{}, err
	}
	docs, err := s.Documents(ctx, actor, demandID)
	if err != nil {
		return writ.Document{}, err
	}
	i := slices.IndexFunc(docs, func(d writ.Document) bool { return d.SHA256 == sha })
	if i < 0 {
		return writ.Document{}, writ.Errorf(writ.ENOTFOUND, "demand %d has no document %s", demandID, sha)
	}
	return docs[i], nil
}

// putDocument stores a document's content once, sealed with the current
// documents key, unless a document with that SHA-256 is stored already.
func (s *Store) putDocument(ctx context.Context, tx *sql.Tx, doc writ.Document, content []byte) error {
	if s.documentKeys == nil {
		return errors.New("store: no documents key to seal documents with")
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM documents WHERE sha256 = $1`, doc.SHA256).Scan(&n); err != nil {
		return fmt.Errorf("store: document: %w", err)
	}
	if n > 0 {
		return nil
	}
	keyID, sealed, err := s.documentKeys.Seal(doc.SHA256, content)
	if err != nil {
		return fmt.Errorf("store: document: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO documents (sha256, size, content_type, key_id, content) VALUES ($1, $2, $3, $4, $5)`,
		doc.SHA256, doc.Size, doc.ContentType, keyID, sealed); err != nil {
		return fmt.Errorf("store: document: %w", err)
	}
	return nil
}
