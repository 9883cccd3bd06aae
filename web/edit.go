package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"writ"
)

// editDemand changes a demand from its page: the non-disclosure order
// (added, extended or lifted), the due date and the categories (narrowed
// only), through the same store
// path as the API's edit, which reassesses the demand and records the
// change as an event. Every invalid field is named at once.
func (s *Server) editDemand(w http.ResponseWriter, r *http.Request, v *visit) error {
	id, err := demandID(r)
	if err != nil {
		return err
	}
	p, fields := editPatch(r)
	if len(fields) > 0 {
		return s.refuseFields(w, r, v, id, "edit", fields)
	}
	if p.Version, err = formVersion(r); err != nil {
		return s.refuseFields(w, r, v, id, "edit", map[string]string{"ndo": "reload the page and make the change again"})
	}
	if p == (writ.DemandPatch{Version: p.Version}) {
		return s.refuseFields(w, r, v, id, "edit", map[string]string{"ndo": "change the order, the due date or the categories, or leave the form"})
	}
	if _, err := s.store.UpdateDemand(r.Context(), v.actor, id, p); err != nil {
		if refusable(err) {
			return s.refuse(w, r, v, id, "edit", err)
		}
		return err
	}
	return s.redirect(w, r, fmt.Sprintf("/demands/%d", id), fmt.Sprintf("Demand %d was changed and reassessed.", id))
}

// formVersion is the version of the demand the form was shown with, so a
// change made meanwhile by someone else is refused (EPRECONDITION), as the
// API's If-Match refuses it, instead of being silently overwritten.
func formVersion(r *http.Request) (*int64, error) {
	raw := r.PostFormValue("version")
	if raw == "" {
		return nil, nil
	}
	n, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		return nil, err
	}
	return &n, nil
}

// editPatch reads the edit form, with a message for each invalid field.
func editPatch(r *http.Request) (writ.DemandPatch, map[string]string) {
	var p writ.DemandPatch
	fields := map[string]string{}
	switch r.PostFormValue("ndo") {
	case "", "keep":
	case "set":
		n := &writ.Nondisclosure{Basis: strings.TrimSpace(r.PostFormValue("ndo_basis")), Until: strings.TrimSpace(r.PostFormValue("ndo_until"))}
		if n.Basis == "" {
			fields["ndo_basis"] = "state the legal basis of the order (the statute or the court's order)"
		}
		if n.Until != "" {
			if _, err := time.Parse(time.DateOnly, n.Until); err != nil {
				fields["ndo_until"] = "a date such as 2027-03-31, or empty for an order without end"
			}
		}
		p.Nondisclosure = n
	case "lift":
		p.ClearNondisclosure = true
	default:
		fields["ndo"] = "choose what happens to the order"
	}
	// The form ticks every category the demand asks for; one unticked
	// narrows it (the store refuses a category it does not ask for).
	if asked, kept := r.PostForm["asked"], r.PostForm["categories"]; len(kept) < len(asked) {
		if len(kept) == 0 {
			fields["data_categories"] = "keep at least one category: a demand for nothing is answered \"no data\" or rejected"
		}
		p.DataCategories = &kept
	}
	if due := strings.TrimSpace(r.PostFormValue("due")); due != "" {
		t, err := time.Parse(time.DateOnly, due)
		if err != nil {
			fields["due"] = "a date such as 2027-03-31"
		} else {
			t = t.Add(24*time.Hour - time.Second)
			p.Due = &t
		}
	}
	return p, fields
}

// refuseFields shows the demand page again with a form's invalid fields,
// each message next to its field.
func (s *Server) refuseFields(w http.ResponseWriter, r *http.Request, v *visit, id int64, form string, fields map[string]string) error {
	f := failure{Code: writ.EINVALID, Message: fmt.Sprintf("%d %s to correct", len(fields), plural(len(fields), "field", "fields"))}
	return s.showDemand(w, r, v, id, http.StatusBadRequest, &formState{Name: form, Error: f, Values: r.PostForm, Fields: fields})
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
