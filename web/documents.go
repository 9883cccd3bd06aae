package web

import (
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"

	"writ"
)

// document sends one of a demand's documents to whoever may see the
// demand. It is always a download: a document is never shown inline, so
// a file that pretends to be a PDF cannot run in writ's origin.
func (s *Server) document(w http.ResponseWriter, r *http.Request, v *visit) error {
	id, err := demandID(r)
	if err != nil {
		return err
	}
	doc, content, err := s.store.DocumentContent(r.Context(), v.actor, id, r.PathValue("sha256"))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", doc.ContentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(content)))
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": doc.Name}))
	w.Header().Set("Content-Security-Policy", "default-src 'none'; sandbox")
	_, err = w.Write(content)
	return err
}

// readUpload reads the file of a form field, or nil when none was chosen.
func readUpload(r *http.Request, field string) (name string, content []byte, err error) {
	f, h, err := r.FormFile(field)
	if err == http.ErrMissingFile {
		return "", nil, nil
	}
	if err != nil {
		return "", nil, writ.FieldErrorf(field, "the file could not be read")
	}
	defer f.Close()
	if h.Size > writ.MaxDocumentSize {
		return "", nil, &writ.Error{Code: writ.ETOOLARGE, Field: field, Message: fmt.Sprintf("larger than %d MiB", writ.MaxDocumentSize>>20)}
	}
	content, err = io.ReadAll(io.LimitReader(f, writ.MaxDocumentSize+1))
	if err != nil {
		return "", nil, writ.FieldErrorf(field, "the file could not be read")
	}
	if h.Size == 0 && len(content) == 0 && h.Filename == "" {
		return "", nil, nil
	}
	return h.Filename, content, nil
}

// upload attaches a document to a demand: the agency to its own, the
// legal team to any.
func (s *Server) upload(w http.ResponseWriter, r *http.Request, v *visit) error {
	id, err := demandID(r)
	if err != nil {
		return err
	}
	name, content, err := readUpload(r, "document")
	if err == nil && content == nil {
		err = writ.FieldErrorf("document", "choose a file to upload")
	}
	if err == nil {
		_, err = s.store.AddDocumentTo(r.Context(), v.actor, id, r.PostFormValue("audience"), name, content)
	}
	if err != nil {
		if refusable(err) {
			return s.refuse(w, r, v, id, "upload", err)
		}
		return err
	}
	return s.redirect(w, r, fmt.Sprintf("/demands/%d", id), flashOf("flash.attached", name))
}

// setAudience changes who may see a document of a demand.
func (s *Server) setAudience(w http.ResponseWriter, r *http.Request, v *visit) error {
	id, err := demandID(r)
	if err != nil {
		return err
	}
	doc, err := s.store.SetDocumentAudience(r.Context(), v.actor, id, r.PathValue("sha256"), r.PostFormValue("audience"))
	if err != nil {
		if refusable(err) {
			return s.refuse(w, r, v, id, "audience", err)
		}
		return err
	}
	return s.redirect(w, r, fmt.Sprintf("/demands/%d", id), "The document "+doc.Name+" is now for "+audienceLabel(doc.Audience)+".")
}

// audienceLabel says in words who sees a document of an audience.
func audienceLabel(a string) string {
	switch a {
	case writ.AudienceLegal:
		return "the legal team only"
	case writ.AudienceAgency:
		return "the legal team and the agency"
	case writ.AudienceCustomer:
		return "the legal team and the customer"
	case writ.AudienceAll:
		return "everyone on the demand"
	}
	return a
}
