package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"

	"writ"
	"writ/certificate"
)

// Produce takes a production package for an approved demand, in one
// transaction: the package's scope is checked against the approval
// (EINVALID naming scope.categories, scope.accounts or scope.date_range
// when it goes beyond), each file is sealed and its SHA-256 committed to
// by an event in the audit log. A package answering US legal process gets
// a draft certificate of authenticity and waits for the custodian to sign
// it (SignCertificate); any other is made available to the agency at
// once. Making it available moves the demand to disclosed, with every
// check of a disclosure (four eyes, the notice, an open objection, a gag)
// made now as well, and the disclosure's counts derived from the package.
// Reviewers, approvers and admins only (EFORBIDDEN); ECONFLICT when the
// demand already has a package or may not be disclosed yet.
func (s *Store) Produce(ctx context.Context, actor writ.Actor, demandID int64, in writ.ProductionInput) (writ.Production, error) {
	if _, err := s.Demand(ctx, actor, demandID); err != nil {
		return writ.Production{}, err
	}
	if !actor.Role.LegalTeam() {
		return writ.Production{}, writ.Errorf(writ.EFORBIDDEN, "only the legal team makes a production available")
	}
	files, err := productionFiles(in.Files)
	if err != nil {
		return writ.Production{}, err
	}
	expiry, limit, err := deliveryTerms(in)
	if err != nil {
		return writ.Production{}, err
	}
	if in.Records < 0 {
		return writ.Production{}, writ.FieldErrorf("records", "cannot be negative")
	}
	err = s.tx(ctx, func(tx *sql.Tx) error {
		d, err := s.demand(ctx, tx, actor, demandID, s.forUpdate())
		if err != nil {
			return err
		}
		if err := s.noProductionYet(ctx, tx, demandID); err != nil {
			return err
		}
		approved, err := s.approvedCategories(ctx, tx, demandID)
		if err != nil {
			return err
		}
		if err := checkScope(d, approved, in.Scope); err != nil {
			return err
		}
		// The checks of the disclosure come first, so that a package that
		// could not be made available is not taken.
		if _, _, err := s.checkTransitionTx(ctx, tx, actor, d, disclosureOf(in.Scope, in.Rationale, in.Records, files)); err != nil {
			return err
		}
		id, err := s.storeProduction(ctx, tx, actor, demandID, in, files, s.nowUTC().Add(expiry), limit)
		if err != nil {
			return err
		}
		if certificate.Required(d.Instrument) {
			return s.draftCertificate(ctx, tx, actor, d, id, files)
		}
		return s.makeAvailable(ctx, tx, actor, d, id)
	})
	if err != nil {
		return writ.Production{}, err
	}
	return s.Production(ctx, actor, demandID)
}

// disclosureOf is the move to disclosed that making a package available
// amounts to: its counts are the package's.
func disclosureOf(sc writ.ProductionScope, rationale string, records int, files []productionFile) writ.TransitionInput {
	return writ.TransitionInput{To: writ.StateDisclosed, Rationale: rationale, Disclosure: &writ.DisclosureInput{
		Categories: sc.Categories, Accounts: len(sc.Accounts), Records: records, PackageSHA256: packageSHA256(files)}}
}

// noProductionYet refuses a second package for a demand.
func (s *Store) noProductionYet(ctx context.Context, tx *sql.Tx, demandID int64) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM productions WHERE demand_id = $1`, demandID).Scan(&n); err != nil {
		return fmt.Errorf("store: production: %w", err)
	}
	if n > 0 {
		return writ.Errorf(writ.ECONFLICT, "demand %d already has a production package", demandID)
	}
	return nil
}

// productionFile is a file of a package being stored.
type productionFile struct {
	name, sha string
	content   []byte
}

// productionFiles checks the files of a package: one to
// writ.MaxProductionFiles, each named, none twice, together at most
// writ.MaxProductionSize.
func productionFiles(uploads []writ.ProductionUpload) ([]productionFile, error) {
	if len(uploads) == 0 {
		return nil, writ.FieldErrorf("files", "a package holds at least one file")
	}
	if len(uploads) > writ.MaxProductionFiles {
		return nil, writ.FieldErrorf("files", "a package holds at most %d files", writ.MaxProductionFiles)
	}
	var total int
	var out []productionFile
	for i, u := range uploads {
		field := fmt.Sprintf("files[%d]", i)
		name := path.Base(strings.ReplaceAll(strings.TrimSpace(u.Name), "\\", "/"))
		if name == "" || name == "." || name == "/" || len(name) > 200 || strings.ContainsFunc(name, unicode.IsControl) {
			return nil, writ.FieldErrorf(field+".name", "a file name of 1 to 200 characters without control characters is required")
		}
		if len(u.Content) == 0 {
			return nil, writ.FieldErrorf(field+".content", "the file is empty")
		}
		total += len(u.Content)
		if total > writ.MaxProductionSize {
			return nil, &writ.Error{Code: writ.ETOOLARGE, Field: "files", Message: fmt.Sprintf("a package is at most %d MiB", writ.MaxProductionSize>>20)}
		}
		sum := sha256.Sum256(u.Content)
		f := productionFile{name: name, sha: hex.EncodeToString(sum[:]), content: u.Content}
		if slices.ContainsFunc(out, func(o productionFile) bool { return o.sha == f.sha }) {
			return nil, writ.FieldErrorf(field, "the same file is in the package twice")
		}
		out = append(out, f)
	}
	return out, nil
}

// deliveryTerms are the package's expiry and download limit, with their
// defaults.
func deliveryTerms(in writ.ProductionInput) (time.Duration, int, error) {
	expiry, limit := writ.DefaultProductionExpiry, writ.DefaultDownloadLimit
	switch {
	case in.ExpiresInDays < 0 || in.ExpiresInDays > 90:
		return 0, 0, writ.FieldErrorf("expires_in_days", "between 1 and 90 days (14 when left out)")
	case in.ExpiresInDays > 0:
		expiry = time.Duration(in.ExpiresInDays) * 24 * time.Hour
	}
	switch {
	case in.DownloadLimit < 0 || in.DownloadLimit > 100:
		return 0, 0, writ.FieldErrorf("download_limit", "between 1 and 100 downloads (%d when left out)", writ.DefaultDownloadLimit)
	case in.DownloadLimit > 0:
		limit = in.DownloadLimit
	}
	return expiry, limit, nil
}

// packageSHA256 is the SHA-256 of the package's manifest: one line per
// file, "<sha256>  <name>", sorted, as sha256sum writes them, so that the
// agency can recompute it from the files it received.
func packageSHA256(files []productionFile) string {
	lines := make([]string, len(files))
	for i, f := range files {
		lines[i] = f.sha + "  " + f.name + "\n"
	}
	sort.Strings(lines)
	sum := sha256.Sum256([]byte(strings.Join(lines, "")))
	return hex.EncodeToString(sum[:])
}

// approvedCategories are the categories of the demand's latest approval;
// ECONFLICT when it was never approved.
func (s *Store) approvedCategories(ctx context.Context, tx *sql.Tx, demandID int64) ([]string, error) {
	var approved string
	err := tx.QueryRowContext(ctx, `SELECT categories FROM decisions WHERE demand_id = $1 AND kind IN ('disclose', 'narrow') ORDER BY id DESC LIMIT 1`, demandID).Scan(&approved)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, writ.Errorf(writ.ECONFLICT, "demand %d was not approved: nothing may be produced", demandID)
	}
	if err != nil {
		return nil, fmt.Errorf("store: production: %w", err)
	}
	return fromJSONText[string](approved)
}

// checkScope refuses a package whose declared scope goes beyond the
// approval: a category not approved, an account the demand does not name,
// a period outside the demand's.
func checkScope(d writ.Demand, approved []string, sc writ.ProductionScope) error {
	// A category the demand was narrowed out of since its approval is no
	// longer asked for.
	approved = slices.DeleteFunc(slices.Clone(approved), func(c string) bool { return !slices.Contains(d.DataCategories, c) })
	if len(sc.Categories) == 0 {
		return writ.FieldErrorf("scope.categories", "name the data categories the package holds")
	}
	for _, c := range sc.Categories {
		if !slices.Contains(approved, c) {
			return writ.FieldErrorf("scope.categories", "%q was not approved (approved: %s)", c, strings.Join(approved, ", "))
		}
	}
	if len(sc.Accounts) == 0 {
		return writ.FieldErrorf("scope.accounts", "name the accounts the package holds")
	}
	for _, a := range sc.Accounts {
		if !slices.Contains(d.Accounts, a) {
			return writ.FieldErrorf("scope.accounts", "%q is not an account the demand names", a)
		}
	}
	return checkScopeDates(d.DateRange, sc.DateRange)
}

// checkScopeDates refuses a period outside the demand's.
func checkScopeDates(asked, got *writ.DateRange) error {
	if got == nil {
		if asked != nil {
			return writ.FieldErrorf("scope.date_range", "the demand asks for %s to %s: declare the period the package holds", asked.From, asked.To)
		}
		return nil
	}
	for field, v := range map[string]string{"scope.date_range.from": got.From, "scope.date_range.to": got.To} {
		if _, err := time.Parse(time.DateOnly, v); err != nil {
			return writ.FieldErrorf(field, "not a date (YYYY-MM-DD): %q", v)
		}
	}
	if got.From > got.To {
		return writ.FieldErrorf("scope.date_range.to", "before the start of the period")
	}
	if asked == nil {
		return nil
	}
	if asked.From != "" && got.From < asked.From {
		return writ.FieldErrorf("scope.date_range.from", "%s is before the period approved (from %s)", got.From, asked.From)
	}
	if asked.To != "" && got.To > asked.To {
		return writ.FieldErrorf("scope.date_range.to", "%s is after the period approved (to %s)", got.To, asked.To)
	}
	return nil
}

// storeProduction writes the package and its sealed files, each file with
// an event that commits to its SHA-256; the package is not available yet.
func (s *Store) storeProduction(ctx context.Context, tx *sql.Tx, actor writ.Actor, demandID int64, in writ.ProductionInput,
	files []productionFile, expires time.Time, limit int) (int64, error) {
	if s.documentKeys == nil {
		return 0, errors.New("store: no documents key to seal a production with")
	}
	sc := in.Scope
	var from, to string
	if sc.DateRange != nil {
		from, to = sc.DateRange.From, sc.DateRange.To
	}
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO productions (demand_id, accounts, categories, date_from, date_to, expires_at, download_limit, made_by, made_at, rationale, records)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
		demandID, jsonText(sc.Accounts), jsonText(sc.Categories), from, to, expires, limit, actor.Name, s.nowUTC(), in.Rationale, in.Records).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("store: production: %w", err)
	}
	// Each file's row names its entry in the log, so the transaction takes
	// the log's head and its events get their indexes at once (the
	// sequencer would give them theirs only after the commit).
	if _, err := s.lockLogHead(ctx, tx); err != nil {
		return 0, err
	}
	for _, f := range files {
		keyID, sealed, err := s.documentKeys.Seal(f.sha, f.content)
		if err != nil {
			return 0, fmt.Errorf("store: production: %w", err)
		}
		event := map[string]any{"demand_id": demandID, "name": f.name, "sha256": f.sha, "size": len(f.content)}
		if err := s.appendEvent(ctx, tx, actor, &demandID, "production.file", event); err != nil {
			return 0, err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO production_files (production_id, sha256, name, size, key_id, content, log_index)
			VALUES ($1, $2, $3, $4, $5, $6, (SELECT max(log_index) FROM events WHERE demand_id = $7 AND kind = 'production.file'))`,
			id, f.sha, f.name, len(f.content), keyID, sealed, demandID); err != nil {
			return 0, fmt.Errorf("store: production: %w", err)
		}
	}
	return id, nil
}
