package web

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"

	"writ"
)

// thread is one thread of messages on a demand page: the legal team's
// with the agency or with the customer.
type thread struct {
	Name     string
	Messages []writ.Message
	// CanPost offers the form that posts on it. Waiting says, on the
	// customer's thread, that the customer may not be written to before
	// its notice is due.
	CanPost, Waiting bool
}

// loadThreads reads the threads the signed-in user may read: the legal
// team and auditors both (the customer's only when the demand names a
// customer), an agency and a customer their own. Only the legal team and
// the thread's own side write.
func (s *Server) loadThreads(ctx context.Context, actor writ.Actor, d *demandData) error {
	side := writ.SideOf(actor.Role)
	for _, name := range writ.Threads() {
		if !actor.Role.SeesAll() && side != name || name == writ.ThreadCustomer && actor.Role.SeesAll() && d.Demand.CustomerID == 0 {
			continue
		}
		msgs, err := s.store.Messages(ctx, actor, d.Demand.ID, name)
		if err != nil {
			return err
		}
		th := thread{Name: name, Messages: msgs, CanPost: d.Demand.State != writ.StateClosed && (side == writ.SideLegal || side == name)}
		if th.CanPost && name == writ.ThreadCustomer && side == writ.SideLegal {
			told, err := s.store.CustomerMayBeTold(ctx, actor, d.Demand.ID)
			if err != nil {
				return err
			}
			th.CanPost, th.Waiting = told, !told
		}
		d.Threads = append(d.Threads, th)
	}
	return nil
}

// postMessage posts a message, with any files attached, on a thread of a
// demand.
func (s *Server) postMessage(w http.ResponseWriter, r *http.Request, v *visit) error {
	id, err := demandID(r)
	if err != nil {
		return err
	}
	name := r.PathValue("thread")
	if !slices.Contains(writ.Threads(), name) {
		return writ.Errorf(writ.ENOTFOUND, "there is no thread %q", name)
	}
	in := writ.MessageInput{Body: r.PostFormValue("body")}
	if in.Attachments, err = readAttachments(r); err == nil {
		_, err = s.store.PostMessage(r.Context(), v.actor, id, name, in)
	}
	if err != nil {
		if refusable(err) {
			return s.refuse(w, r, v, id, "message-"+name, err)
		}
		return err
	}
	return s.redirect(w, r, fmt.Sprintf("/demands/%d#thread-%s", id, name), "flash.message")
}

// readAttachments reads the files chosen in a message form's attachment
// field, if any.
func readAttachments(r *http.Request) ([]writ.DocumentUpload, error) {
	if r.MultipartForm == nil {
		return nil, nil
	}
	var out []writ.DocumentUpload
	for i, h := range r.MultipartForm.File["attachment"] {
		if h.Size == 0 && h.Filename == "" {
			continue
		}
		field := fmt.Sprintf("attachments[%d]", i)
		f, err := h.Open()
		if err != nil {
			return nil, writ.FieldErrorf(field, "the file could not be read")
		}
		content, err := io.ReadAll(io.LimitReader(f, writ.MaxDocumentSize+1))
		f.Close()
		if err != nil {
			return nil, writ.FieldErrorf(field, "the file could not be read")
		}
		out = append(out, writ.DocumentUpload{Name: h.Filename, Content: content})
	}
	return out, nil
}
