package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"writ"
	"writ/i18n"
)

// validateLanguage accepts one of i18n.Languages, or "" for the default.
func validateLanguage(lang string) error {
	if lang != "" && !i18n.Valid(lang) {
		return writ.FieldErrorf("language", "unknown language %q (one of %s, or empty for the default)", lang, strings.Join(i18n.Languages(), ", "))
	}
	return nil
}

// SetUserLanguage records the language a user chose for the pages, or ""
// to follow the browser's. Users set only their own: EFORBIDDEN for
// anyone else's; EINVALID names the field for an unknown language.
func (s *Store) SetUserLanguage(ctx context.Context, actor writ.Actor, lang string) error {
	if err := validateLanguage(lang); err != nil {
		return err
	}
	if actor.UserID == 0 {
		return writ.Errorf(writ.EFORBIDDEN, "only a signed-in user chooses a language")
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET language = $1 WHERE id = $2`, lang, actor.UserID)
		if err != nil {
			return fmt.Errorf("store: user language: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return notFound("user", actor.UserID)
		}
		return s.appendEvent(ctx, tx, actor, nil, "user.language_set", map[string]any{"user_id": actor.UserID, "language": lang})
	})
}

// SetCustomerLanguage sets a customer's language of correspondence, or ""
// for its home country's. Admins only (EFORBIDDEN); ENOTFOUND for an
// unknown customer, EINVALID for an unknown language.
func (s *Store) SetCustomerLanguage(ctx context.Context, actor writ.Actor, customerID int64, lang string) (writ.Customer, error) {
	if actor.Role != writ.RoleAdmin {
		return writ.Customer{}, writ.Errorf(writ.EFORBIDDEN, "only an admin may set a customer's language")
	}
	if err := validateLanguage(lang); err != nil {
		return writ.Customer{}, err
	}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE customers SET language = $1 WHERE id = $2`, lang, customerID)
		if err != nil {
			return fmt.Errorf("store: customer language: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return notFound("customer", customerID)
		}
		return s.appendEvent(ctx, tx, actor, nil, "customer.language_set", map[string]any{"customer_id": customerID, "language": lang})
	})
	if err != nil {
		return writ.Customer{}, err
	}
	return s.Customer(ctx, actor, customerID)
}
