package httpapi

import (
	"bytes"
	"context"
	"net/http"

	"writ"
	"writ/certificate/certpdf"
	"writ/httpapi/jsonbody"
)

// getCertificate serves the production's certificate of authenticity,
// byte for byte as the audit log binds its SHA-256.
func (s *Server) getCertificate(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	_, body, err := s.store.DownloadCertificate(r.Context(), actorOf(r), id)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, err = w.Write(body)
	return err
}

// getCertificatePDF serves the certificate printed.
func (s *Server) getCertificatePDF(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	c, _, err := s.store.DownloadCertificate(r.Context(), actorOf(r), id)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := certpdf.Write(&buf, c); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, err = w.Write(buf.Bytes())
	return err
}

// signCertificate is the custodian's signature: their typed name and
// position, and a code of their authenticator app entered again.
func (s *Server) signCertificate(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	body, err := readBody(w, r)
	if err != nil {
		return err
	}
	var in writ.CertificateSignature
	if err := jsonbody.Decode(body, &in); err != nil {
		return err
	}
	actor := actorOf(r)
	p, err := s.store.SignCertificate(r.Context(), actor, id, in, func(ctx context.Context) (string, error) {
		return "authenticator code", s.identity.ConfirmSecondFactor(ctx, actor, in.Code)
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}
