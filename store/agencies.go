package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"writ"
)

// AgencyInput registers a requesting authority.
type AgencyInput struct {
	Name         string   `json:"name"`
	Country      string   `json:"country"`
	Kind         string   `json:"kind"`
	Domains      []string `json:"domains"`
	Phone        string   `json:"phone"`
	Verified     bool     `json:"verified"`
	Verification string   `json:"verification"`
}

func (s *Store) validateAgency(in *AgencyInput) error {
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" {
		return writ.FieldErrorf("name", "required")
	}
	if !s.rules.IsCountry(in.Country) {
		return writ.FieldErrorf("country", "unknown country code %q (ISO 3166-1 alpha-2, e.g. US, DE, GB)", in.Country)
	}
	if !slices.Contains(writ.AgencyKinds(), in.Kind) {
		return writ.FieldErrorf("kind", "unknown agency kind %q (one of %s)", in.Kind, strings.Join(writ.AgencyKinds(), ", "))
	}
	for i, d := range in.Domains {
		d = strings.ToLower(strings.TrimSpace(d))
		if d == "" || strings.ContainsAny(d, " @/") || !strings.Contains(d, ".") {
			return writ.FieldErrorf(fmt.Sprintf("domains[%d]", i), "not a domain name: %q", in.Domains[i])
		}
		in.Domains[i] = d
	}
	if in.Verified && strings.TrimSpace(in.Verification) == "" {
		return writ.FieldErrorf("verification", "say how the agency was verified (for example: called the number published by the ministry)")
	}
	return nil
}

// CreateAgency registers an agency. Admins only; EINVALID names the field
// at fault, ECONFLICT when an agency of that name exists in that country.
func (s *Store) CreateAgency(ctx context.Context, actor writ.Actor, in AgencyInput) (writ.Agency, error) {
	if actor.Role != writ.RoleAdmin {
		return writ.Agency{}, writ.Errorf(writ.EFORBIDDEN, "only an admin may register agencies")
	}
	if err := s.validateAgency(&in); err != nil {
		return writ.Agency{}, err
	}
	var id int64
	err := s.tx(ctx, func(tx *sql.Tx) error {
		now := s.nowUTC()
		var verifiedAt any
		if in.Verified {
			verifiedAt = now
		}
		var exists int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM agencies WHERE name = $1 AND country = $2`, in.Name, in.Country).Scan(&exists); err != nil {
			return fmt.Errorf("store: agency: %w", err)
		}
		if exists > 0 {
			return writ.Errorf(writ.ECONFLICT, "agency %q of %s is already registered", in.Name, in.Country)
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO agencies (name, country, kind, domains, phone, verified, verification, verified_at, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
			in.Name, in.Country, in.Kind, jsonText(in.Domains), in.Phone, in.Verified, in.Verification, verifiedAt, now).Scan(&id)
		if err != nil {
			return fmt.Errorf("store: agency: %w", err)
		}
		return s.appendEvent(ctx, tx, actor, nil, "agency.created", map[string]any{"agency_id": id, "agency": in})
	})
	if err != nil {
		return writ.Agency{}, err
	}
	return s.Agency(ctx, actor, id)
}

const agencyColumns = `id, name, country, kind, domains, phone, verified, verification, verified_at, created_at`

func scanAgency(row interface{ Scan(...any) error }) (writ.Agency, error) {
	var a writ.Agency
	var domains string
	var verifiedAt sql.NullTime
	if err := row.Scan(&a.ID, &a.Name, &a.Country, &a.Kind, &domains, &a.Phone, &a.Verified, &a.Verification, &verifiedAt, &a.CreatedAt); err != nil {
		return a, err
	}
	var err error
	a.Domains, err = fromJSONText[string](domains)
	a.VerifiedAt, a.CreatedAt = timePtr(verifiedAt), a.CreatedAt.UTC()
	return a, err
}

// agencyScope confines agency queries: the legal team and auditors see all
// agencies, an agency user only its own, customers none.
func agencyScope(actor writ.Actor, p *params) string {
	switch {
	case actor.Role.SeesAll():
		return "TRUE"
	case actor.Role == writ.RoleAgency:
		return "id = " + p.add(actor.AgencyID)
	}
	return "FALSE"
}

// Agency returns one agency the actor may see, or ENOTFOUND.
func (s *Store) Agency(ctx context.Context, actor writ.Actor, id int64) (writ.Agency, error) {
	p := params{id}
	where := agencyScope(actor, &p)
	a, err := scanAgency(s.read.QueryRowContext(ctx, `SELECT `+agencyColumns+` FROM agencies WHERE id = $1 AND `+where, p...))
	if errors.Is(err, sql.ErrNoRows) {
		return a, notFound("agency", id)
	}
	if err != nil {
		return a, fmt.Errorf("store: agency: %w", err)
	}
	return a, nil
}

// Agencies lists the agencies the actor may see, by id. Customers get
// EFORBIDDEN: the registry of agencies is not theirs to browse.
func (s *Store) Agencies(ctx context.Context, actor writ.Actor, f writ.AgencyFilter) (writ.Page[writ.Agency], error) {
	page := writ.Page[writ.Agency]{Items: []writ.Agency{}}
	if actor.Role == writ.RoleCustomer {
		return page, writ.Errorf(writ.EFORBIDDEN, "customers may not list agencies")
	}
	after, err := idCursor(f.Cursor)
	if err != nil {
		return page, err
	}
	var p params
	query := `SELECT ` + agencyColumns + ` FROM agencies WHERE ` + agencyScope(actor, &p) + ` AND id > ` + p.add(after)
	if f.Country != "" {
		query += ` AND country = ` + p.add(f.Country)
	}
	n := limit(f.Limit)
	rows, err := s.read.QueryContext(ctx, query+` ORDER BY id LIMIT `+p.add(n+1), p...)
	if err != nil {
		return page, fmt.Errorf("store: agencies: %w", err)
	}
	return collectPage(rows, n, func(r *sql.Rows) (writ.Agency, error) { return scanAgency(r) },
		func(a writ.Agency) string { return idCursorOf(a.ID) })
}

// VerifyAgency records that an admin verified a registered agency out of
// band, and how. Until then its requesters never count as verified, so
// its demands cannot be approved. ECONFLICT when it is verified already.
func (s *Store) VerifyAgency(ctx context.Context, actor writ.Actor, id int64, how string) (writ.Agency, error) {
	if actor.Role != writ.RoleAdmin {
		return writ.Agency{}, writ.Errorf(writ.EFORBIDDEN, "only an admin may verify agencies")
	}
	how = strings.TrimSpace(how)
	if how == "" || len(how) > 500 {
		return writ.Agency{}, writ.FieldErrorf("verification", "say how the agency was verified (for example: called the number published by the ministry)")
	}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		a, err := scanAgency(tx.QueryRowContext(ctx, `SELECT `+agencyColumns+` FROM agencies WHERE id = $1`+s.forUpdate(), id))
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("agency", id)
		}
		if err != nil {
			return fmt.Errorf("store: verify agency: %w", err)
		}
		if a.Verified {
			return writ.Errorf(writ.ECONFLICT, "agency %d is verified already", id)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE agencies SET verified = TRUE, verification = $1, verified_at = $2 WHERE id = $3`, how, s.nowUTC(), id); err != nil {
			return fmt.Errorf("store: verify agency: %w", err)
		}
		return s.appendEvent(ctx, tx, actor, nil, "agency.verified", map[string]any{"agency_id": id, "verification": how})
	})
	if err != nil {
		return writ.Agency{}, err
	}
	return s.Agency(ctx, actor, id)
}
