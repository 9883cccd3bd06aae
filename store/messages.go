package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"writ"
)

// PostMessage posts a message on a thread of a demand (writ.Threads): the
// legal team on either, an agency on the agency thread of its own demand,
// a customer on the customer thread of a demand it may see (its own
// tenant's, once notice is due and no order keeps it from knowing).
// ENOTFOUND for a demand the actor may not see; EFORBIDDEN for a thread
// that is not the actor's, and for the legal team on the customer thread
// while the customer may not be told of the demand; EINVALID naming body,
// thread or attachments[i]; ECONFLICT on a closed demand.
//
// Each attachment becomes a document of the demand whose audience is the
// thread's, sealed like every document. The message is an event in the
// audit log that names its thread and attachments, never its text, which
// is sealed at rest; the other side is told by e-mail that a message
// waits, with a link to the demand's page and nothing of the message.
func (s *Store) PostMessage(ctx context.Context, actor writ.Actor, demandID int64, thread string, in writ.MessageInput) (writ.Message, error) {
	if _, err := s.Demand(ctx, actor, demandID); err != nil {
		return writ.Message{}, err
	}
	side, err := mayWrite(actor, thread)
	if err != nil {
		return writ.Message{}, err
	}
	in.Body = strings.TrimSpace(in.Body)
	switch {
	case in.Body == "":
		return writ.Message{}, writ.FieldErrorf("body", "write the message")
	case len(in.Body) > writ.MaxMessageLength:
		return writ.Message{}, writ.FieldErrorf("body", "at most %d characters", writ.MaxMessageLength)
	case len(in.Attachments) > writ.MaxMessageAttachments:
		return writ.Message{}, writ.FieldErrorf("attachments", "at most %d files to a message", writ.MaxMessageAttachments)
	}
	docs := make([]writ.Document, len(in.Attachments))
	for i, a := range in.Attachments {
		field := "attachments[" + strconv.Itoa(i) + "]"
		if docs[i], err = s.newDocument(actor, thread, field, a.Name, a.Content); err != nil {
			return writ.Message{}, renamed(err, field)
		}
		if slices.ContainsFunc(docs[:i], func(d writ.Document) bool { return d.SHA256 == docs[i].SHA256 }) {
			return writ.Message{}, writ.FieldErrorf(field, "the same file is attached twice")
		}
	}
	sealed, err := s.sealSecret("demand_messages.body", in.Body)
	if err != nil {
		return writ.Message{}, err
	}
	m := writ.Message{DemandID: demandID, Thread: thread, Side: side, By: actor.Name, At: s.nowUTC(), Body: in.Body, Attachments: docs}
	err = s.tx(ctx, func(tx *sql.Tx) error {
		d, err := s.openDemand(ctx, tx, actor, demandID)
		if err != nil {
			return err
		}
		if thread == writ.ThreadCustomer && side == writ.SideLegal {
			if err := s.customerMayKnow(ctx, tx, d); err != nil {
				return err
			}
		}
		err = tx.QueryRowContext(ctx, `INSERT INTO demand_messages (demand_id, thread, side, author_id, author, posted_at, body)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, demandID, thread, side, nullID(actor.UserID), actor.Name, m.At, sealed).Scan(&m.ID)
		if err != nil {
			return fmt.Errorf("store: message: %w", err)
		}
		shas := []string{}
		for i, doc := range docs {
			if err := s.attachDocument(ctx, tx, actor, demandID, doc, in.Attachments[i].Content); err != nil {
				return renamed(err, "attachments["+strconv.Itoa(i)+"]")
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO demand_message_attachments (message_id, sha256) VALUES ($1, $2)`, m.ID, doc.SHA256); err != nil {
				return fmt.Errorf("store: message: %w", err)
			}
			shas = append(shas, doc.SHA256)
		}
		if err := s.appendEvent(ctx, tx, actor, &demandID, "message.posted",
			map[string]any{"message": m.ID, "thread": thread, "side": side, "attachments": shas}); err != nil {
			return err
		}
		return s.jobs.MessagePosted(ctx, tx, demandID, m.ID, thread, side, m.At)
	})
	if err != nil {
		return writ.Message{}, err
	}
	return m, nil
}

// mayWrite is the side actor writes on, if thread is one it may write on.
func mayWrite(actor writ.Actor, thread string) (string, error) {
	if !slices.Contains(writ.Threads(), thread) {
		return "", writ.FieldErrorf("thread", "unknown thread %q (agency or customer)", thread)
	}
	side := writ.SideOf(actor.Role)
	if side == "" || side != writ.SideLegal && side != thread {
		return "", writ.Errorf(writ.EFORBIDDEN, "the %s thread is the legal team's and the %s's", thread, thread)
	}
	return side, nil
}

// mayRead refuses a thread the actor may not read: the legal team and
// auditors read both, an agency and a customer their own.
func mayRead(actor writ.Actor, thread string) error {
	if !slices.Contains(writ.Threads(), thread) {
		return writ.FieldErrorf("thread", "unknown thread %q (agency or customer)", thread)
	}
	if actor.Role.SeesAll() || writ.SideOf(actor.Role) == thread {
		return nil
	}
	return writ.Errorf(writ.EFORBIDDEN, "the %s thread is the legal team's and the %s's", thread, thread)
}

// CustomerMayBeTold reports whether the customer of a demand may be told
// of it now: the demand names a customer whose notice is due (no order
// keeps it from knowing). The legal team and auditors only (EFORBIDDEN).
func (s *Store) CustomerMayBeTold(ctx context.Context, actor writ.Actor, demandID int64) (bool, error) {
	if !actor.Role.SeesAll() {
		return false, writ.Errorf(writ.EFORBIDDEN, "only the legal team and auditors ask whether a customer may be told")
	}
	var n int
	err := s.read.QueryRowContext(ctx, `SELECT count(*) FROM demands WHERE id = $1 AND customer_id IS NOT NULL AND customer_visible_from <= $2`,
		demandID, s.nowUTC()).Scan(&n)
	if err != nil {
		return false, unavailableOr(err, "store: customer may be told")
	}
	return n > 0, nil
}

// customerMayKnow refuses a message to the customer of d while the
// customer may not see d: no customer, notice not due yet, or an order
// that keeps the customer from knowing.
func (s *Store) customerMayKnow(ctx context.Context, tx *sql.Tx, d writ.Demand) error {
	var n int
	err := tx.QueryRowContext(ctx, `SELECT count(*) FROM demands WHERE id = $1 AND customer_id IS NOT NULL AND customer_visible_from <= $2`,
		d.ID, s.nowUTC()).Scan(&n)
	if err != nil {
		return fmt.Errorf("store: message: %w", err)
	}
	if n == 0 {
		return writ.Errorf(writ.EFORBIDDEN, "the customer may not be told of demand %d yet: no message reaches it before its notice is due", d.ID)
	}
	return nil
}

// renamed names field in a coded error that named another (the
// document's own "name" or "document"), so that a refused attachment says
// which one it was.
func renamed(err error, field string) error {
	var e *writ.Error
	switch {
	case !errors.As(err, &e) || e.Field == "" || strings.HasPrefix(e.Field, field):
		return err
	case e.Field == "document":
		return &writ.Error{Code: e.Code, Field: field, Message: e.Message}
	}
	return &writ.Error{Code: e.Code, Field: field + "." + e.Field, Message: e.Message}
}

// Messages lists the messages of a thread of a demand, oldest first, each
// with its attachments. The legal team and auditors read both threads, an
// agency only the agency thread of its own demands, a customer only the
// customer thread of a demand it may see. ENOTFOUND for a demand the
// actor may not see, EFORBIDDEN for a thread that is not its own.
func (s *Store) Messages(ctx context.Context, actor writ.Actor, demandID int64, thread string) ([]writ.Message, error) {
	if _, err := s.Demand(ctx, actor, demandID); err != nil {
		return nil, err
	}
	if err := mayRead(actor, thread); err != nil {
		return nil, err
	}
	rows, err := s.read.QueryContext(ctx, `SELECT id, side, author, posted_at, body FROM demand_messages
		WHERE demand_id = $1 AND thread = $2 ORDER BY id`, demandID, thread)
	if err != nil {
		return nil, fmt.Errorf("store: messages: %w", err)
	}
	defer rows.Close()
	out := []writ.Message{}
	for rows.Next() {
		m := writ.Message{DemandID: demandID, Thread: thread, Attachments: []writ.Document{}}
		var sealed string
		if err := rows.Scan(&m.ID, &m.Side, &m.By, &m.At, &sealed); err != nil {
			return nil, fmt.Errorf("store: messages: %w", err)
		}
		m.At = m.At.UTC()
		if m.Body, err = s.openSecret("demand_messages.body", sealed); err != nil {
			return nil, fmt.Errorf("store: messages: %w", err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: messages: %w", err)
	}
	return out, s.messageAttachments(ctx, demandID, thread, out)
}

// messageAttachments fills in the attachments of a thread's messages:
// documents of the thread's audience only, so that a document whose
// audience the legal team narrowed since is not shown where it may no
// longer be seen.
func (s *Store) messageAttachments(ctx context.Context, demandID int64, thread string, msgs []writ.Message) error {
	rows, err := s.read.QueryContext(ctx, `SELECT a.message_id, dd.sha256, dd.name, d.content_type, d.size, dd.audience, dd.uploaded_by, dd.uploaded_at
		FROM demand_message_attachments a JOIN demand_messages m ON m.id = a.message_id
		JOIN demand_documents dd ON dd.demand_id = m.demand_id AND dd.sha256 = a.sha256 JOIN documents d ON d.sha256 = dd.sha256
		WHERE m.demand_id = $1 AND m.thread = $2 AND dd.audience IN ($3, 'all') ORDER BY a.message_id, dd.uploaded_at, dd.sha256`, demandID, thread, thread)
	if err != nil {
		return fmt.Errorf("store: attachments: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var doc writ.Document
		if err := rows.Scan(&id, &doc.SHA256, &doc.Name, &doc.ContentType, &doc.Size, &doc.Audience, &doc.UploadedBy, &doc.UploadedAt); err != nil {
			return fmt.Errorf("store: attachments: %w", err)
		}
		doc.UploadedAt = doc.UploadedAt.UTC()
		if i := slices.IndexFunc(msgs, func(m writ.Message) bool { return m.ID == id }); i >= 0 {
			msgs[i].Attachments = append(msgs[i].Attachments, doc)
		}
	}
	return rows.Err()
}
