package store

import (
	"context"
	"database/sql"
	"fmt"
	"path"
	"strings"
	"time"
	"unicode"

	"writ"
)

// Upload quotas, unless Options say otherwise: a demand holds at most
// DefaultDemandQuota bytes of documents, and an agency's users upload at
// most DefaultAgencyQuota bytes in any AgencyQuotaWindow, so that one
// agency account (or a stolen token of one) cannot fill the server's disk.
const (
	DefaultDemandQuota = 100 << 20
	DefaultAgencyQuota = 500 << 20
	AgencyQuotaWindow  = 24 * time.Hour
)

// documentExtensions are the file name endings of each type writ accepts,
// the first being the one writ adds.
var documentExtensions = map[string][]string{
	"application/pdf": {".pdf"},
	"image/png":       {".png"},
	"image/jpeg":      {".jpg", ".jpeg"},
	"image/tiff":      {".tif", ".tiff"},
}

// documentName is the name a document of contentType is kept under: the
// uploader's own, without folders, whose extension says what the content
// is. A name whose extension says otherwise ("invoice.html" for a PDF)
// gets the right one added ("invoice.html.pdf"), so that no program opens
// a downloaded document as something it is not, while the name the
// uploader gave stays readable.
func documentName(name, contentType string) (string, error) {
	name = path.Base(strings.ReplaceAll(strings.TrimSpace(name), "\\", "/"))
	if strings.ContainsFunc(name, func(r rune) bool { return unicode.IsControl(r) || r == unicode.ReplacementChar }) {
		return "", writ.FieldErrorf("name", "the file name contains a control character")
	}
	if name == "" || name == "." || name == "/" || len(name) > 200 {
		return "", writ.FieldErrorf("name", "a file name of 1 to 200 characters is required")
	}
	exts := documentExtensions[contentType]
	for _, ext := range exts {
		if strings.HasSuffix(strings.ToLower(name), ext) && len(name) > len(ext) {
			return name, nil
		}
	}
	if len(exts) > 0 {
		name += exts[0]
	}
	return name, nil
}

// checkQuota refuses a document of size bytes that would take the demand
// past its quota or the uploading agency past its own. The caller holds
// the demand's row lock; the agency's row is locked here, so two uploads
// at once on PostgreSQL cannot both pass.
func (s *Store) checkQuota(ctx context.Context, tx *sql.Tx, actor writ.Actor, demandID, size int64) error {
	var held int64
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(sum(d.size), 0) FROM demand_documents dd JOIN documents d ON d.sha256 = dd.sha256
		WHERE dd.demand_id = $1`, demandID).Scan(&held); err != nil {
		return fmt.Errorf("store: quota: %w", err)
	}
	if held+size > s.demandQuota {
		return &writ.Error{Code: writ.ETOOLARGE, Field: "document", Message: fmt.Sprintf(
			"demand %d holds %s of documents and this one is %s: a demand holds at most %s (ask the provider's legal team if more is needed)",
			demandID, mib(held), mib(size), mib(s.demandQuota))}
	}
	if actor.Role != writ.RoleAgency {
		return nil
	}
	var id int64
	if err := tx.QueryRowContext(ctx, `SELECT id FROM agencies WHERE id = $1`+s.forUpdate(), actor.AgencyID).Scan(&id); err != nil {
		return fmt.Errorf("store: quota: %w", err)
	}
	var recent int64
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(sum(d.size), 0) FROM demand_documents dd JOIN documents d ON d.sha256 = dd.sha256
		JOIN users u ON u.id = dd.uploader_id WHERE u.agency_id = $1 AND dd.uploaded_at > $2`, actor.AgencyID, s.nowUTC().Add(-AgencyQuotaWindow)).Scan(&recent); err != nil {
		return fmt.Errorf("store: quota: %w", err)
	}
	if recent+size > s.agencyQuota {
		return &writ.Error{Code: writ.ETOOMANY, Field: "document", Message: fmt.Sprintf(
			"your agency uploaded %s in the last 24 hours and this document is %s: at most %s a day; try again later or ask the provider's legal team",
			mib(recent), mib(size), mib(s.agencyQuota))}
	}
	return nil
}

// mib writes a size in MiB for people.
func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

// nullID is a user id for a column that is NULL for writ itself (id 0).
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}
