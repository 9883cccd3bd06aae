package web

import (
	"net/http"

	"writ"
)

// previewView is the check of a submission before it is sent: the
// deficiencies the rulebook finds, or the field to fix first.
type previewView struct {
	Deficiencies []writ.ReasonDetail
	Error        *failure
}

// preview shows the submission form again with the deficiencies the
// rulebook would find; nothing is stored. htmx asks for it as the officer
// fills the form in and takes the #preview part of the page; without
// JavaScript the "Check" button shows the whole page.
func (s *Server) preview(w http.ResponseWriter, r *http.Request, v *visit) error {
	d, err := s.newSubmitData(r.PostForm)
	if err != nil {
		return err
	}
	p := &previewView{}
	in, err := demandInput(r.PostForm)
	if err == nil {
		p.Deficiencies, err = s.store.PreviewDemand(r.Context(), v.actor, in)
	}
	if err != nil {
		if !refusable(err) {
			return err
		}
		f := failureOf(err)
		f.Message = fieldErrorIn(s.printer(v), f, formField(f.Field))
		p.Error = &f
	}
	d.Preview = p
	return s.render(w, v, http.StatusOK, "submit", "submit.title", d)
}
