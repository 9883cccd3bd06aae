package web

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"writ"
)

// recordDelivery records a delivery of the notice the legal team made
// another way, with its evidence.
func (s *Server) recordDelivery(w http.ResponseWriter, r *http.Request, v *visit) error {
	id, err := demandID(r)
	if err != nil {
		return err
	}
	f := r.PostForm
	in := writ.DeliveryInput{Method: f.Get("method"), Evidence: f.Get("evidence"), DocumentSHA256: f.Get("document_sha256")}
	if at := strings.TrimSpace(f.Get("delivered_at")); at != "" {
		// A datetime-local field, read in UTC as every time on the pages.
		t, perr := time.Parse("2006-01-02T15:04", at)
		if perr != nil {
			return s.refuse(w, r, v, id, "delivery", writ.FieldErrorf("delivered_at", "not a date and time (YYYY-MM-DDTHH:MM): %q", at))
		}
		in.DeliveredAt = &t
	}
	if _, err := s.store.RecordDelivery(r.Context(), v.actor, id, in); err != nil {
		if refusable(err) {
			return s.refuse(w, r, v, id, "delivery", err)
		}
		return err
	}
	return s.redirect(w, r, fmt.Sprintf("/demands/%d", id), "The delivery of the notice was recorded: the customer's objection window runs from it.")
}

// retryNotice sends a notice that has not reached the customer again.
func (s *Server) retryNotice(w http.ResponseWriter, r *http.Request, v *visit) error {
	id, err := demandID(r)
	if err != nil {
		return err
	}
	if _, err := s.store.RetryNotice(r.Context(), v.actor, id); err != nil {
		if refusable(err) {
			return s.refuse(w, r, v, id, "retry", err)
		}
		return err
	}
	return s.redirect(w, r, fmt.Sprintf("/demands/%d", id), "The notice is being sent again.")
}

// reviewNondisclosure records the legal team's check, once an order
// ended, of whether it was extended.
func (s *Server) reviewNondisclosure(w http.ResponseWriter, r *http.Request, v *visit) error {
	id, err := demandID(r)
	if err != nil {
		return err
	}
	f := r.PostForm
	in := writ.NondisclosureReview{ExtensionServed: f.Get("extension_served") == "yes", Until: f.Get("until"), Basis: f.Get("basis"),
		Checked: f.Get("checked")}
	if _, err := s.store.ReviewNondisclosure(r.Context(), v.actor, id, in); err != nil {
		if refusable(err) {
			return s.refuse(w, r, v, id, "review", err)
		}
		return err
	}
	msg := "No extension was served: the notice goes to the customer now."
	if in.ExtensionServed {
		msg = "The extension was recorded: the notice stays held back until " + in.Until + "."
	}
	return s.redirect(w, r, fmt.Sprintf("/demands/%d", id), msg)
}
