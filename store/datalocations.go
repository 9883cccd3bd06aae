package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"writ"
)

// validateLocations checks a customer's data locations: at least one,
// each a unique region name with a known country.
func (s *Store) validateLocations(locations []writ.DataLocation) error {
	if len(locations) == 0 {
		return writ.FieldErrorf("data_locations", "at least one data location is required")
	}
	seen := map[string]bool{}
	for i, l := range locations {
		if strings.TrimSpace(l.Region) == "" || seen[l.Region] {
			return writ.FieldErrorf(fmt.Sprintf("data_locations[%d].region", i), "a region name is required and must be unique")
		}
		seen[l.Region] = true
		if !s.rules.IsCountry(l.Country) {
			return writ.FieldErrorf(fmt.Sprintf("data_locations[%d].country", i), "unknown country code %q", l.Country)
		}
	}
	return nil
}

// lockCustomer reads a customer for a change in tx, locking its row on
// PostgreSQL; ENOTFOUND for an unknown customer.
func (s *Store) lockCustomer(ctx context.Context, tx *sql.Tx, customerID int64) (writ.Customer, error) {
	c, err := scanCustomer(tx.QueryRowContext(ctx, `SELECT `+customerColumns+` FROM customers WHERE id = $1`+s.forUpdate(), customerID))
	if errors.Is(err, sql.ErrNoRows) {
		return c, notFound("customer", customerID)
	}
	if err != nil {
		return c, fmt.Errorf("store: customer %d: %w", customerID, err)
	}
	return c, nil
}

// SetDataLocations replaces the regions where the provider stores a
// customer's data (a region added or retired). Every open demand of the
// customer is assessed again in the same transaction, since the locations
// decide the conflicts of law and the authority told; the change is an
// event naming the locations before and after. Admins only (EFORBIDDEN
// otherwise); EINVALID names the location at fault; ENOTFOUND for an
// unknown customer.
func (s *Store) SetDataLocations(ctx context.Context, actor writ.Actor, customerID int64, locations []writ.DataLocation) (writ.Customer, error) {
	if actor.Role != writ.RoleAdmin {
		return writ.Customer{}, writ.Errorf(writ.EFORBIDDEN, "only an admin may change a customer's data locations")
	}
	for i := range locations {
		locations[i].Region, locations[i].Country = strings.TrimSpace(locations[i].Region), strings.ToUpper(strings.TrimSpace(locations[i].Country))
	}
	if err := s.validateLocations(locations); err != nil {
		return writ.Customer{}, err
	}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		c, err := s.lockCustomer(ctx, tx, customerID)
		if err != nil {
			return err
		}
		if err := s.fillCustomer(ctx, tx, &c); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM data_locations WHERE customer_id = $1`, customerID); err != nil {
			return fmt.Errorf("store: data locations: %w", err)
		}
		for i, l := range locations {
			if _, err := tx.ExecContext(ctx, `INSERT INTO data_locations (customer_id, position, region, country) VALUES ($1, $2, $3, $4)`, customerID, i, l.Region, l.Country); err != nil {
				return fmt.Errorf("store: data locations: %w", err)
			}
		}
		err = s.appendEvent(ctx, tx, actor, nil, "customer.data_locations", map[string]any{"customer_id": customerID, "from": c.DataLocations, "to": locations})
		if err != nil {
			return err
		}
		return s.reassessOpen(ctx, tx, actor, "the customer's data locations changed", `d.customer_id = $1`, customerID)
	})
	if err != nil {
		return writ.Customer{}, err
	}
	return s.Customer(ctx, actor, customerID)
}
