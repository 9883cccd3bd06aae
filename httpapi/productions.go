package httpapi

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"

	"writ/httpapi/jsonbody"

	"writ"
)

// productionBody is the package part of a production upload: everything
// but the files.
type productionBody struct {
	Scope         writ.ProductionScope `json:"scope"`
	Records       int                  `json:"records"`
	Rationale     string               `json:"rationale"`
	ExpiresInDays int                  `json:"expires_in_days"`
	DownloadLimit int                  `json:"download_limit"`
}

// createProduction takes a multipart/form-data body: a part named
// "package" with the JSON of productionBody, then one part named "file"
// per file of the package.
func (s *Server) createProduction(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	in, err := readProduction(w, r)
	if err != nil {
		return err
	}
	p, err := s.store.Produce(r.Context(), actorOf(r), id, in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/v1/demands/"+strconv.FormatInt(id, 10)+"/production")
	writeJSON(w, http.StatusCreated, p)
	return nil
}

// readProduction reads a production upload's parts.
func readProduction(w http.ResponseWriter, r *http.Request) (writ.ProductionInput, error) {
	var in writ.ProductionInput
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return in, writ.FieldErrorf("Content-Type", "send the package as multipart/form-data: a part \"package\" (JSON) and a part \"file\" per file")
	}
	mr := multipart.NewReader(http.MaxBytesReader(w, r.Body, writ.MaxProductionSize+maxBody), params["boundary"])
	var body productionBody
	seen := false
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return in, tooLargeOr(err, writ.FieldErrorf("files", "could not read the upload"))
		}
		content, err := io.ReadAll(part)
		if err != nil {
			return in, tooLargeOr(err, writ.FieldErrorf("files", "could not read the upload"))
		}
		switch part.FormName() {
		case "package":
			if err := jsonbody.Decode(content, &body); err != nil {
				return in, err
			}
			seen = true
		case "file":
			in.Files = append(in.Files, writ.ProductionUpload{Name: part.FileName(), Content: content})
		default:
			return in, writ.FieldErrorf(part.FormName(), "unknown part (package or file)")
		}
	}
	if !seen {
		return in, writ.FieldErrorf("package", "the part \"package\" with the scope is required")
	}
	in.Scope, in.Records, in.Rationale, in.ExpiresInDays, in.DownloadLimit = body.Scope, body.Records, body.Rationale, body.ExpiresInDays, body.DownloadLimit
	return in, nil
}

// tooLargeOr is ETOOLARGE for a body over its limit, else otherwise.
func tooLargeOr(err error, otherwise error) error {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return &writ.Error{Code: writ.ETOOLARGE, Field: "files", Message: fmt.Sprintf("a package is at most %d MiB", writ.MaxProductionSize>>20)}
	}
	return otherwise
}

func (s *Server) getProduction(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p, err := s.store.Production(r.Context(), actorOf(r), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

// downloadProduction serves one file of the package as an attachment; the
// download is an event in the audit log.
func (s *Server) downloadProduction(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f, content, err := s.store.DownloadProduction(r.Context(), actorOf(r), id, r.PathValue("sha256"))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.Itoa(len(content)))
	w.Header().Set("Content-Disposition", "attachment; filename="+strconv.Quote(f.Name))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Security-Policy", "sandbox")
	w.Write(content)
	return nil
}

// getReasons says why the demand was answered as it was.
func (s *Server) getReasons(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	reasons, err := s.store.Reasons(r.Context(), actorOf(r), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, reasons)
	return nil
}

// previewBody is the answer of a preview: the deficiencies a submission
// would be assessed with.
type previewBody struct {
	Deficiencies []writ.ReasonDetail `json:"deficiencies"`
}

// previewDemand assesses a submission without taking it in.
func (s *Server) previewDemand(w http.ResponseWriter, r *http.Request) error {
	body, err := readBody(w, r)
	if err != nil {
		return err
	}
	in, err := jsonbody.DecodeDemand(body)
	if err != nil {
		return err
	}
	defs, err := s.store.PreviewDemand(r.Context(), actorOf(r), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, previewBody{Deficiencies: defs})
	return nil
}
