package httpapi

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"writ"
)

func (s *Server) listDocuments(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	docs, err := s.store.Documents(r.Context(), actorOf(r), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, writ.Page[writ.Document]{Items: docs})
	return nil
}

// addDocument takes the document as the raw request body; the file name
// comes in the name query parameter. The type is sniffed from the content.
func (s *Server) addDocument(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := onlyParams(r.URL.Query(), "name", "audience"); err != nil {
		return err
	}
	if r.ContentLength > writ.MaxDocumentSize {
		return &writ.Error{Code: writ.ETOOLARGE, Field: "document", Message: fmt.Sprintf("larger than %d MiB", writ.MaxDocumentSize>>20)}
	}
	content, err := io.ReadAll(http.MaxBytesReader(w, r.Body, writ.MaxDocumentSize))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return &writ.Error{Code: writ.ETOOLARGE, Field: "document", Message: fmt.Sprintf("larger than %d MiB", writ.MaxDocumentSize>>20)}
		}
		return writ.FieldErrorf("document", "could not read the upload")
	}
	doc, err := s.store.AddDocumentTo(r.Context(), actorOf(r), id, r.URL.Query().Get("audience"), r.URL.Query().Get("name"), content)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/v1/demands/"+strconv.FormatInt(id, 10)+"/documents/"+doc.SHA256)
	writeJSON(w, http.StatusCreated, doc)
	return nil
}

func (s *Server) getDocument(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	doc, content, err := s.store.DocumentContent(r.Context(), actorOf(r), id, r.PathValue("sha256"))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", doc.ContentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(content)))
	w.Header().Set("Content-Disposition", "attachment; filename="+strconv.Quote(doc.Name))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Security-Policy", "sandbox")
	w.Write(content)
	return nil
}

// audienceBody names who may see a document.
type audienceBody struct {
	Audience string `json:"audience"`
}

// setDocumentAudience changes who may see a document.
func (s *Server) setDocumentAudience(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in audienceBody
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	doc, err := s.store.SetDocumentAudience(r.Context(), actorOf(r), id, r.PathValue("sha256"), in.Audience)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, doc)
	return nil
}
