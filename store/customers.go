package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"writ"
	"writ/i18n"
)

// CustomerInput registers a tenant with its data locations and accounts.
type CustomerInput struct {
	Name        string `json:"name"`
	Kind        string `json:"kind"`
	HomeCountry string `json:"home_country"`
	// HomeSubdivision is an ISO 3166-2 code of the home country (DE-BY), or "".
	HomeSubdivision string              `json:"home_subdivision"`
	USPerson        *bool               `json:"us_person"`
	LegalContact    string              `json:"legal_contact"`
	KeyCustody      string              `json:"key_custody"`
	DataLocations   []writ.DataLocation `json:"data_locations"`
	Accounts        []string            `json:"accounts"`
	// Where notices go: see NoticeChannels.
	NoticeEmail   string `json:"notice_email"`
	WebhookURL    string `json:"webhook_url"`
	WebhookSecret string `json:"webhook_secret"`
	// Language is the language of correspondence (en, fr, de); empty:
	// the language of the home country.
	Language string `json:"language"`
}

func (s *Store) validateCustomer(in *CustomerInput) error {
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" {
		return writ.FieldErrorf("name", "required")
	}
	if !slices.Contains(writ.CustomerKinds(), in.Kind) {
		return writ.FieldErrorf("kind", "unknown customer kind %q (one of %s)", in.Kind, strings.Join(writ.CustomerKinds(), ", "))
	}
	if !s.rules.IsCountry(in.HomeCountry) {
		return writ.FieldErrorf("home_country", "unknown country code %q (ISO 3166-1 alpha-2)", in.HomeCountry)
	}
	in.HomeSubdivision = strings.ToUpper(strings.TrimSpace(in.HomeSubdivision))
	if err := validateSubdivision(in.HomeSubdivision, in.HomeCountry); err != nil {
		return err
	}
	if err := validateKeyCustody(in.KeyCustody); err != nil {
		return err
	}
	in.LegalContact = strings.TrimSpace(in.LegalContact)
	if in.Kind != "consumer" && in.LegalContact == "" {
		return writ.FieldErrorf("legal_contact", "an enterprise or public-sector customer needs a legal contact e-mail address: demands are redirected to it")
	}
	// Letters are addressed to it: one plain address, never a list or a
	// header (a line break would add one to the message).
	if in.LegalContact != "" && !plainAddress(in.LegalContact) {
		return writ.FieldErrorf("legal_contact", "one e-mail address, like legal@customer.example, without a name or a list: %q", in.LegalContact)
	}
	if err := s.validateLocations(in.DataLocations); err != nil {
		return err
	}
	for i, a := range in.Accounts {
		if strings.TrimSpace(a) == "" {
			return writ.FieldErrorf(fmt.Sprintf("accounts[%d]", i), "empty account identifier")
		}
	}
	ch := NoticeChannels{NoticeEmail: in.NoticeEmail, WebhookURL: in.WebhookURL, WebhookSecret: in.WebhookSecret}
	if err := validateChannels(&ch); err != nil {
		return err
	}
	in.NoticeEmail, in.WebhookURL = ch.NoticeEmail, ch.WebhookURL
	return validateLanguage(in.Language)
}

// CreateCustomer registers a customer. Admins only; EINVALID names the
// field at fault, ECONFLICT when the name or an account is taken.
func (s *Store) CreateCustomer(ctx context.Context, actor writ.Actor, in CustomerInput) (writ.Customer, error) {
	if actor.Role != writ.RoleAdmin {
		return writ.Customer{}, writ.Errorf(writ.EFORBIDDEN, "only an admin may register customers")
	}
	if err := s.validateCustomer(&in); err != nil {
		return writ.Customer{}, err
	}
	var id int64
	sealed, err := s.sealSecret("customers.webhook_secret", in.WebhookSecret)
	if err != nil {
		return writ.Customer{}, err
	}
	err = s.tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM customers WHERE name = $1`, in.Name).Scan(&n); err != nil {
			return fmt.Errorf("store: customer: %w", err)
		}
		if n > 0 {
			return writ.Errorf(writ.ECONFLICT, "customer %q is already registered", in.Name)
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO customers (name, kind, home_country, us_person, legal_contact, key_custody, created_at,
			notice_email, webhook_url, webhook_secret, home_subdivision, key_custody_confirmed, language)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, TRUE, $12) RETURNING id`,
			in.Name, in.Kind, in.HomeCountry, nullBool(in.USPerson), in.LegalContact, in.KeyCustody, s.nowUTC(),
			in.NoticeEmail, in.WebhookURL, sealed, in.HomeSubdivision, in.Language).Scan(&id)
		if err != nil {
			return fmt.Errorf("store: customer: %w", err)
		}
		for i, l := range in.DataLocations {
			if _, err := tx.ExecContext(ctx, `INSERT INTO data_locations (customer_id, position, region, country) VALUES ($1, $2, $3, $4)`, id, i, l.Region, l.Country); err != nil {
				return fmt.Errorf("store: customer: %w", err)
			}
		}
		for i, a := range in.Accounts {
			var owner int64
			err := tx.QueryRowContext(ctx, `SELECT customer_id FROM accounts WHERE identifier = $1`, a).Scan(&owner)
			if err == nil {
				return writ.FieldErrorf(fmt.Sprintf("accounts[%d]", i), "account %q belongs to another customer", a)
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("store: customer: %w", err)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO accounts (identifier, customer_id) VALUES ($1, $2)`, a, id); err != nil {
				return fmt.Errorf("store: customer: %w", err)
			}
		}
		// The webhook secret is a credential: the log records that one
		// was set, never the secret.
		logged := in
		logged.WebhookSecret = redactSecret(in.WebhookSecret)
		return s.appendEvent(ctx, tx, actor, nil, "customer.created", map[string]any{"customer_id": id, "customer": logged})
	})
	if err != nil {
		return writ.Customer{}, err
	}
	return s.Customer(ctx, actor, id)
}

// customerScope confines customer queries: the legal team and auditors see
// every tenant, a customer user only its own, agencies none.
func customerScope(actor writ.Actor, p *params) string {
	switch {
	case actor.Role.SeesAll():
		return "TRUE"
	case actor.Role == writ.RoleCustomer:
		return "id = " + p.add(actor.CustomerID)
	}
	return "FALSE"
}

const customerColumns = `id, name, kind, home_country, us_person, legal_contact, key_custody, created_at, notice_email, webhook_url,
	home_subdivision, key_custody_confirmed, language`

func scanCustomer(row interface{ Scan(...any) error }) (writ.Customer, error) {
	var c writ.Customer
	var usPerson sql.NullBool
	err := row.Scan(&c.ID, &c.Name, &c.Kind, &c.HomeCountry, &usPerson, &c.LegalContact, &c.KeyCustody, &c.CreatedAt, &c.NoticeEmail, &c.WebhookURL,
		&c.HomeSubdivision, &c.KeyCustodyConfirmed, &c.Language)
	c.USPerson, c.CreatedAt = boolPtr(usPerson), c.CreatedAt.UTC()
	if c.Language == "" {
		c.Language = i18n.ForCountry(c.HomeCountry)
	}
	return c, err
}

// Customer returns one customer the actor may see, with its data locations
// and accounts, or ENOTFOUND.
func (s *Store) Customer(ctx context.Context, actor writ.Actor, id int64) (writ.Customer, error) {
	p := params{id}
	where := customerScope(actor, &p)
	c, err := scanCustomer(s.read.QueryRowContext(ctx, `SELECT `+customerColumns+` FROM customers WHERE id = $1 AND `+where, p...))
	if errors.Is(err, sql.ErrNoRows) {
		return c, notFound("customer", id)
	}
	if err != nil {
		return c, fmt.Errorf("store: customer: %w", err)
	}
	return c, s.fillCustomer(ctx, s.read, &c)
}

// querier is what both *sql.DB and *sql.Tx offer.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// fillCustomer reads a customer's data locations and accounts.
func (s *Store) fillCustomer(ctx context.Context, db querier, c *writ.Customer) error {
	c.DataLocations, c.Accounts = []writ.DataLocation{}, []string{}
	rows, err := db.QueryContext(ctx, `SELECT region, country FROM data_locations WHERE customer_id = $1 ORDER BY position`, c.ID)
	if err != nil {
		return fmt.Errorf("store: data locations: %w", err)
	}
	for rows.Next() {
		var l writ.DataLocation
		if err := rows.Scan(&l.Region, &l.Country); err != nil {
			rows.Close()
			return fmt.Errorf("store: data locations: %w", err)
		}
		c.DataLocations = append(c.DataLocations, l)
	}
	rows.Close()
	rows, err = db.QueryContext(ctx, `SELECT identifier FROM accounts WHERE customer_id = $1 ORDER BY identifier`, c.ID)
	if err != nil {
		return fmt.Errorf("store: accounts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			return fmt.Errorf("store: accounts: %w", err)
		}
		c.Accounts = append(c.Accounts, a)
	}
	return rows.Err()
}

// Customers lists the customers the actor may see, by id, with their data
// locations and accounts. Agencies get EFORBIDDEN.
func (s *Store) Customers(ctx context.Context, actor writ.Actor, f writ.CustomerFilter) (writ.Page[writ.Customer], error) {
	if actor.Role == writ.RoleAgency {
		return writ.Page[writ.Customer]{Items: []writ.Customer{}}, writ.Errorf(writ.EFORBIDDEN, "agencies may not list customers")
	}
	after, err := idCursor(f.Cursor)
	if err != nil {
		return writ.Page[writ.Customer]{Items: []writ.Customer{}}, err
	}
	var p params
	where := customerScope(actor, &p)
	n := limit(f.Limit)
	rows, err := s.read.QueryContext(ctx, `SELECT `+customerColumns+` FROM customers WHERE `+where+` AND id > `+p.add(after)+` ORDER BY id LIMIT `+p.add(n+1), p...)
	if err != nil {
		return writ.Page[writ.Customer]{Items: []writ.Customer{}}, fmt.Errorf("store: customers: %w", err)
	}
	page, err := collectPage(rows, n, func(r *sql.Rows) (writ.Customer, error) { return scanCustomer(r) },
		func(c writ.Customer) string { return idCursorOf(c.ID) })
	if err != nil {
		return page, err
	}
	for i := range page.Items {
		if err := s.fillCustomer(ctx, s.read, &page.Items[i]); err != nil {
			return page, err
		}
	}
	return page, nil
}

// subdivisionPattern is an ISO 3166-2 code: the country, a hyphen, and one
// to three letters or digits.
var subdivisionPattern = regexp.MustCompile(`^[A-Z]{2}-[A-Z0-9]{1,3}$`)

func validateSubdivision(sub, country string) error {
	switch {
	case sub == "":
		return nil
	case !subdivisionPattern.MatchString(sub):
		return writ.FieldErrorf("home_subdivision", "%q is not an ISO 3166-2 code such as \"DE-BY\"", sub)
	case sub[:2] != country:
		return writ.FieldErrorf("home_subdivision", "%s is not a subdivision of the home country %s", sub, country)
	}
	return nil
}

func validateKeyCustody(custody string) error {
	if !slices.Contains(writ.KeyCustodies(), custody) {
		return writ.FieldErrorf("key_custody", "unknown key custody %q (one of %s)", custody, strings.Join(writ.KeyCustodies(), ", "))
	}
	return nil
}

// SetKeyCustody records who holds a customer's content keys, as an admin
// has established it, and marks the custody confirmed: the way out of the
// "key custody unconfirmed" state a customer of rulebook v1 is migrated in.
// Every open demand of the customer is assessed again in the same
// transaction, since whether content is accessible decides what may be
// disclosed. Admins only (EFORBIDDEN otherwise); EINVALID for an unknown
// custody; ENOTFOUND for an unknown customer.
func (s *Store) SetKeyCustody(ctx context.Context, actor writ.Actor, customerID int64, custody string) (writ.Customer, error) {
	if actor.Role != writ.RoleAdmin {
		return writ.Customer{}, writ.Errorf(writ.EFORBIDDEN, "only an admin may set a customer's key custody")
	}
	if err := validateKeyCustody(custody); err != nil {
		return writ.Customer{}, err
	}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		c, err := s.lockCustomer(ctx, tx, customerID)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE customers SET key_custody = $1, key_custody_confirmed = TRUE WHERE id = $2`, custody, customerID); err != nil {
			return fmt.Errorf("store: key custody: %w", err)
		}
		err = s.appendEvent(ctx, tx, actor, nil, "customer.key_custody_confirmed", map[string]any{
			"customer_id": customerID, "from": c.KeyCustody, "to": custody, "was_confirmed": c.KeyCustodyConfirmed})
		if err != nil {
			return err
		}
		return s.reassessOpen(ctx, tx, actor, "the customer's key custody was set", `d.customer_id = $1`, customerID)
	})
	if err != nil {
		return writ.Customer{}, err
	}
	return s.Customer(ctx, actor, customerID)
}
