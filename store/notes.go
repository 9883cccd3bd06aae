package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"writ"
)

// maxNoteLength bounds an internal note.
const maxNoteLength = 10000

// AddNote records an internal note on a demand and a demand.note event in
// the audit log, in one transaction. The legal team only (EFORBIDDEN for
// auditors, agencies and customers); EINVALID for an empty or overlong
// note; ENOTFOUND for a demand that does not exist.
func (s *Store) AddNote(ctx context.Context, actor writ.Actor, demandID int64, body string) (writ.Note, error) {
	note := writ.Note{DemandID: demandID, Body: strings.TrimSpace(body), By: actor.Name}
	if !actor.Role.LegalTeam() {
		return note, writ.Errorf(writ.EFORBIDDEN, "only the legal team writes internal notes")
	}
	switch {
	case note.Body == "":
		return note, writ.FieldErrorf("body", "write the note")
	case len(note.Body) > maxNoteLength:
		return note, writ.FieldErrorf("body", "at most %d characters", maxNoteLength)
	}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := s.demand(ctx, tx, actor, demandID, ""); err != nil {
			return err
		}
		note.At = s.nowUTC()
		if err := tx.QueryRowContext(ctx, `INSERT INTO demand_notes (demand_id, body, by_user, by_name, at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			demandID, note.Body, actor.UserID, actor.Name, note.At).Scan(&note.ID); err != nil {
			return fmt.Errorf("store: note: %w", err)
		}
		id := demandID
		return s.appendEvent(ctx, tx, actor, &id, "demand.note", map[string]any{"note": note.ID, "body": note.Body})
	})
	return note, err
}

// Notes lists a demand's internal notes, oldest first: the legal team and
// auditors only (EFORBIDDEN), ENOTFOUND for a demand that does not exist.
func (s *Store) Notes(ctx context.Context, actor writ.Actor, demandID int64) ([]writ.Note, error) {
	out := []writ.Note{}
	if !actor.Role.SeesAll() {
		return out, writ.Errorf(writ.EFORBIDDEN, "only the legal team and auditors read internal notes")
	}
	if _, err := s.Demand(ctx, actor, demandID); err != nil {
		return out, err
	}
	rows, err := s.read.QueryContext(ctx, `SELECT id, body, by_name, at FROM demand_notes WHERE demand_id = $1 ORDER BY id`, demandID)
	if err != nil {
		return out, unavailableOr(err, "store: notes")
	}
	defer rows.Close()
	for rows.Next() {
		n := writ.Note{DemandID: demandID}
		if err := rows.Scan(&n.ID, &n.Body, &n.By, &n.At); err != nil {
			return out, fmt.Errorf("store: notes: %w", err)
		}
		n.At = n.At.UTC()
		out = append(out, n)
	}
	return out, rows.Err()
}
