package web

import (
	"bytes"
	"context"
	"fmt"
	"mime"
	"net/http"
	"strings"

	"writ"
	"writ/certificate/certpdf"
)

// signCertificate is the custodian's signature of a production's
// certificate of authenticity: an approver types their name and position
// and a code of their authenticator app, entered again however recently
// they signed in, since the declaration is made under penalty of perjury.
// The signature makes the package available and the demand disclosed.
func (s *Server) signCertificate(w http.ResponseWriter, r *http.Request, v *visit) error {
	id, err := demandID(r)
	if err != nil {
		return err
	}
	f := r.PostForm
	in := writ.CertificateSignature{Name: f.Get("name"), Title: f.Get("title"), Code: strings.TrimSpace(f.Get("code"))}
	_, err = s.store.SignCertificate(r.Context(), v.actor, id, in, func(ctx context.Context) (string, error) {
		return "authenticator code", s.identity.ConfirmSecondFactor(ctx, v.actor, in.Code)
	})
	if err != nil {
		if refusable(err) {
			return s.refuse(w, r, v, id, "certificate", err)
		}
		return err
	}
	return s.redirect(w, r, fmt.Sprintf("/demands/%d", id), "You signed the certificate of authenticity: the production is available to the agency; the demand is now Disclosed.")
}

// certificateJSON sends the certificate's JSON, the bytes whose SHA-256
// the audit log binds; the store records the download.
func (s *Server) certificateJSON(w http.ResponseWriter, r *http.Request, v *visit) error {
	id, err := demandID(r)
	if err != nil {
		return err
	}
	_, body, err := s.store.DownloadCertificate(r.Context(), v.actor, id)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": fmt.Sprintf("demand-%d-certificate.json", id)}))
	_, err = w.Write(body)
	return err
}

// certificatePDF shows the certificate as a PDF, inline.
func (s *Server) certificatePDF(w http.ResponseWriter, r *http.Request, v *visit) error {
	id, err := demandID(r)
	if err != nil {
		return err
	}
	c, _, err := s.store.DownloadCertificate(r.Context(), v.actor, id)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := certpdf.Write(&buf, c); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/pdf")
	// The browser's PDF viewer is a plugin: the pages' object-src 'none'
	// would leave it blank.
	w.Header().Set("Content-Security-Policy", "default-src 'none'; object-src 'self'")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("inline", map[string]string{"filename": fmt.Sprintf("demand-%d-certificate.pdf", id)}))
	_, err = w.Write(buf.Bytes())
	return err
}
