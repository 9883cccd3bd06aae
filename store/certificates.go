package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"writ"
	"writ/certificate"
)

// draftCertificate drafts the certificate of authenticity of a production
// answering US legal process and records the draft: the package waits for
// the custodian's signature.
func (s *Store) draftCertificate(ctx context.Context, tx *sql.Tx, actor writ.Actor, d writ.Demand, productionID int64, files []productionFile) error {
	cd := certificate.Demand{ID: d.ID, Reference: d.Reference, Instrument: d.Instrument, ReceivedAt: d.ReceivedAt.UTC()}
	if err := tx.QueryRowContext(ctx, `SELECT name, country FROM agencies WHERE id = $1`, d.AgencyID).Scan(&cd.Agency, &cd.AgencyCountry); err != nil {
		return fmt.Errorf("store: certificate: %w", err)
	}
	cf := make([]certificate.File, len(files))
	for i, f := range files {
		cf[i] = certificate.File{Name: f.name, Size: int64(len(f.content)), SHA256: f.sha}
	}
	sum, err := s.saveCertificate(ctx, tx, productionID, certificate.Draft(s.provider, cd, cf, packageSHA256(files)))
	if err != nil {
		return err
	}
	id := d.ID
	return s.appendEvent(ctx, tx, actor, &id, "production.certificate_drafted", map[string]any{"certificate_sha256": sum, "files": len(files)})
}

// saveCertificate stores the certificate's JSON and returns its SHA-256.
func (s *Store) saveCertificate(ctx context.Context, tx *sql.Tx, productionID int64, c certificate.Certificate) (string, error) {
	b, err := c.JSON()
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	hexSum := hex.EncodeToString(sum[:])
	if _, err := tx.ExecContext(ctx, `UPDATE productions SET certificate = $1, certificate_sha256 = $2 WHERE id = $3`, string(b), hexSum, productionID); err != nil {
		return "", fmt.Errorf("store: certificate: %w", err)
	}
	return hexSum, nil
}

// makeAvailable makes a stored package available to the agency: the
// demand moves to disclosed with the package's counts, and the expiry
// runs from now.
func (s *Store) makeAvailable(ctx context.Context, tx *sql.Tx, actor writ.Actor, d writ.Demand, productionID int64) error {
	var accounts, categories, rationale, certSHA string
	var records, limit int
	var expires, made time.Time
	err := tx.QueryRowContext(ctx, `SELECT accounts, categories, rationale, records, expires_at, made_at, download_limit, certificate_sha256
		FROM productions WHERE id = $1`, productionID).Scan(&accounts, &categories, &rationale, &records, &expires, &made, &limit, &certSHA)
	if err != nil {
		return fmt.Errorf("store: production: %w", err)
	}
	var sc writ.ProductionScope
	if sc.Accounts, err = fromJSONText[string](accounts); err != nil {
		return err
	}
	if sc.Categories, err = fromJSONText[string](categories); err != nil {
		return err
	}
	files, err := s.manifest(ctx, tx, productionID)
	if err != nil {
		return err
	}
	if err := s.transitionTx(ctx, tx, actor, d, disclosureOf(sc, rationale, records, files)); err != nil {
		return err
	}
	now := s.nowUTC()
	expires = now.Add(expires.Sub(made))
	if _, err := tx.ExecContext(ctx, `UPDATE productions SET available_at = $1, expires_at = $2 WHERE id = $3`, now, expires, productionID); err != nil {
		return fmt.Errorf("store: production: %w", err)
	}
	event := map[string]any{"files": len(files), "package_sha256": packageSHA256(files), "expires_at": expires, "download_limit": limit}
	if certSHA != "" {
		event["certificate_sha256"] = certSHA
	}
	id := d.ID
	return s.appendEvent(ctx, tx, actor, &id, "production.available", event)
}

// manifest lists a package's files by name and SHA-256.
func (s *Store) manifest(ctx context.Context, tx *sql.Tx, productionID int64) ([]productionFile, error) {
	rows, err := tx.QueryContext(ctx, `SELECT name, sha256 FROM production_files WHERE production_id = $1`, productionID)
	if err != nil {
		return nil, fmt.Errorf("store: production: %w", err)
	}
	defer rows.Close()
	var files []productionFile
	for rows.Next() {
		var f productionFile
		if err := rows.Scan(&f.name, &f.sha); err != nil {
			return nil, fmt.Errorf("store: production: %w", err)
		}
		files = append(files, f)
	}
	return files, rows.Err()
}

// SecondFactorCheck confirms the signer's second factor, entered again to
// sign, and says how it was confirmed ("authenticator code"); identity's
// ConfirmSecondFactor does it for the web pages and the API.
type SecondFactorCheck func(ctx context.Context) (string, error)

// SignCertificate is the custodian's signature of a production's
// certificate of authenticity, which makes the package available to the
// agency and moves the demand to disclosed, in one transaction. The
// custodian is an approver, who answers for the disclosures the legal
// team makes (EFORBIDDEN for anyone else who can see the demand). The
// name is typed as the account gives it and the position is required
// (EINVALID naming name or title). Once those checks pass, confirm checks
// the custodian's second factor, and its error is returned as it is. The
// signature is an event in the audit log that binds the SHA-256 of the
// signed certificate's JSON. ENOTFOUND when the demand has no production;
// ECONFLICT when the production needs no certificate, it is signed
// already, or the demand may not be disclosed now.
func (s *Store) SignCertificate(ctx context.Context, actor writ.Actor, demandID int64, in writ.CertificateSignature, confirm SecondFactorCheck) (writ.Production, error) {
	if _, err := s.Demand(ctx, actor, demandID); err != nil {
		return writ.Production{}, err
	}
	if actor.Role != writ.RoleApprover {
		return writ.Production{}, writ.Errorf(writ.EFORBIDDEN, "only an approver signs a certificate of authenticity, as the custodian of records")
	}
	name, title := strings.Join(strings.Fields(in.Name), " "), strings.TrimSpace(in.Title)
	if !strings.EqualFold(name, actor.Name) {
		return writ.Production{}, writ.FieldErrorf("name", "type your name as your account gives it (%s) to sign", actor.Name)
	}
	if title == "" || len(title) > 200 {
		return writ.Production{}, writ.FieldErrorf("title", "your position, as the certificate gives it (1 to 200 characters), is required")
	}
	if _, _, err := s.certificateToSign(ctx, s.read, demandID, ""); err != nil {
		return writ.Production{}, err
	}
	how, err := confirm(ctx)
	if err != nil {
		return writ.Production{}, err
	}
	err = s.tx(ctx, func(tx *sql.Tx) error {
		d, err := s.demand(ctx, tx, actor, demandID, s.forUpdate())
		if err != nil {
			return err
		}
		c, id, err := s.certificateToSign(ctx, tx, demandID, s.forUpdate())
		if err != nil {
			return err
		}
		var account string
		if err := tx.QueryRowContext(ctx, `SELECT email FROM users WHERE id = $1`, actor.UserID).Scan(&account); err != nil {
			return fmt.Errorf("store: certificate: %w", err)
		}
		now := s.nowUTC()
		sum, err := s.saveCertificate(ctx, tx, id, c.Signed(certificate.Signature{Name: actor.Name, Title: title, Account: account, SignedAt: now, SecondFactor: how}))
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE productions SET certified_by = $1, certified_at = $2 WHERE id = $3`, actor.Name, now, id); err != nil {
			return fmt.Errorf("store: certificate: %w", err)
		}
		if err := s.appendEvent(ctx, tx, actor, &demandID, "production.certified", map[string]any{"certificate_sha256": sum,
			"custodian": actor.Name, "title": title, "second_factor": how, "signed_at": now}); err != nil {
			return err
		}
		return s.makeAvailable(ctx, tx, actor, d, id)
	})
	if err != nil {
		return writ.Production{}, err
	}
	return s.Production(ctx, actor, demandID)
}

// certificateToSign reads the draft certificate of a demand's production.
func (s *Store) certificateToSign(ctx context.Context, db querier, demandID int64, lock string) (certificate.Certificate, int64, error) {
	var c certificate.Certificate
	var id int64
	var body string
	var certified sql.NullTime
	err := db.QueryRowContext(ctx, `SELECT id, certificate, certified_at FROM productions WHERE demand_id = $1`+lock, demandID).Scan(&id, &body, &certified)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return c, 0, writ.Errorf(writ.ENOTFOUND, "demand %d has no production", demandID)
	case err != nil:
		return c, 0, fmt.Errorf("store: certificate: %w", err)
	case body == "":
		return c, 0, writ.Errorf(writ.ECONFLICT, "the production of demand %d answers no US legal process: it needs no certificate", demandID)
	case certified.Valid:
		return c, 0, writ.Errorf(writ.ECONFLICT, "the certificate of demand %d was signed already", demandID)
	}
	if err := json.Unmarshal([]byte(body), &c); err != nil {
		return c, 0, fmt.Errorf("store: certificate: %w", err)
	}
	return c, id, nil
}

// DownloadCertificate returns a production's certificate of authenticity
// as its JSON, the bytes whose SHA-256 the log binds, and records the
// download as an event. The legal team and auditors see the draft too;
// the agency of the demand gets the signed certificate with the package,
// under the rules of its files (a second factor set up, within the
// expiry; EFORBIDDEN, EGONE), though a download of it does not count
// against the package's limit: it holds none of the customer's data.
// ENOTFOUND when the production needs no certificate, or for anyone who
// may not see the production.
func (s *Store) DownloadCertificate(ctx context.Context, actor writ.Actor, demandID int64) (certificate.Certificate, []byte, error) {
	var c certificate.Certificate
	if _, err := s.Production(ctx, actor, demandID); err != nil {
		return c, nil, err
	}
	var body string
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var expires time.Time
		if err := tx.QueryRowContext(ctx, `SELECT certificate, expires_at FROM productions WHERE demand_id = $1`, demandID).Scan(&body, &expires); err != nil {
			return fmt.Errorf("store: certificate: %w", err)
		}
		if body == "" {
			return writ.Errorf(writ.ENOTFOUND, "the production of demand %d has no certificate of authenticity", demandID)
		}
		if actor.Role == writ.RoleAgency {
			if err := s.checkAgencyAccess(ctx, tx, actor, expires); err != nil {
				return err
			}
		}
		sum := sha256.Sum256([]byte(body))
		return s.appendEvent(ctx, tx, actor, &demandID, "production.certificate_downloaded", map[string]any{"certificate_sha256": hex.EncodeToString(sum[:])})
	})
	if err != nil {
		return c, nil, err
	}
	if err := json.Unmarshal([]byte(body), &c); err != nil {
		return c, nil, fmt.Errorf("store: certificate: %w", err)
	}
	return c, []byte(body), nil
}
