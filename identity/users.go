package identity

import (
	"context"
	"net/mail"
	"strings"

	"writ"
	"writ/requester"
	"writ/store"
)

// UserInput creates a user. An agency user names its agency, a customer
// user its customer; other roles name neither.
type UserInput struct {
	Name       string    `json:"name"`
	Email      string    `json:"email"`
	Role       writ.Role `json:"role"`
	AgencyID   *int64    `json:"agency_id"`
	CustomerID *int64    `json:"customer_id"`
}

// CreateUser adds a user. Only an admin may call it (writ.System() is an
// admin, for the command line). EINVALID names the field at fault;
// ECONFLICT when the e-mail address is taken.
func (s *Service) CreateUser(ctx context.Context, actor writ.Actor, in UserInput) (writ.User, error) {
	if actor.Role != writ.RoleAdmin {
		return writ.User{}, writ.Errorf(writ.EFORBIDDEN, "only an admin may create users")
	}
	in.Name, in.Email = strings.TrimSpace(in.Name), strings.ToLower(strings.TrimSpace(in.Email))
	if in.Name == "" || len(in.Name) > 200 {
		return writ.User{}, writ.FieldErrorf("name", "a name of 1 to 200 characters is required")
	}
	if a, err := mail.ParseAddress(in.Email); err != nil || a.Address != in.Email {
		return writ.User{}, writ.FieldErrorf("email", "not an e-mail address: %q", in.Email)
	}
	if !in.Role.Valid() {
		return writ.User{}, writ.FieldErrorf("role", "unknown role %q", in.Role)
	}
	if (in.Role == writ.RoleAgency) != (in.AgencyID != nil) {
		return writ.User{}, writ.FieldErrorf("agency_id", "an agency user, and only an agency user, names its agency")
	}
	if (in.Role == writ.RoleCustomer) != (in.CustomerID != nil) {
		return writ.User{}, writ.FieldErrorf("customer_id", "a customer user, and only a customer user, names its customer")
	}
	var id int64
	err := s.records.Update(ctx, func(tx *store.Tx) error {
		taken, err := tx.EmailTaken(ctx, in.Email)
		if err != nil {
			return err
		}
		if taken {
			return writ.Errorf(writ.ECONFLICT, "a user with e-mail %s exists", in.Email)
		}
		active := true
		if in.AgencyID != nil {
			own, err := tx.AgencyDomains(ctx, *in.AgencyID)
			if writ.ErrorCode(err) == writ.ENOTFOUND {
				return writ.FieldErrorf("agency_id", "no agency %d", *in.AgencyID)
			}
			if err != nil {
				return err
			}
			// An agency user's address must be on the agency's registered
			// domains, and the account waits for out-of-band confirmation.
			if f := requester.Check(in.Email, own, own); f.Code != requester.Registered {
				return writ.FieldErrorf("email", "%s is not on the agency's registered domains (%s)", in.Email, strings.Join(own, ", "))
			}
			active = false
		}
		if in.CustomerID != nil {
			exists, err := tx.CustomerExists(ctx, *in.CustomerID)
			if err != nil {
				return err
			}
			if !exists {
				return writ.FieldErrorf("customer_id", "no customer %d", *in.CustomerID)
			}
		}
		id, err = tx.InsertUser(ctx, writ.User{Name: in.Name, Email: in.Email, Role: in.Role, AgencyID: in.AgencyID, CustomerID: in.CustomerID,
			Active: active, CreatedAt: s.now()})
		if err != nil {
			return err
		}
		return tx.AppendEvent(ctx, actor, "user.created", map[string]any{"user_id": id, "email": in.Email, "role": in.Role})
	})
	if err != nil {
		return writ.User{}, err
	}
	return s.records.User(ctx, id)
}

// ConfirmUser activates an agency user after the legal team confirmed the
// account out of band — typically by calling the agency's registered
// number — and records how. Legal team only; the agency must itself be
// verified. ENOTFOUND for an unknown user, ECONFLICT when there is nothing
// to confirm.
func (s *Service) ConfirmUser(ctx context.Context, actor writ.Actor, id int64, how string) (writ.User, error) {
	if !actor.Role.LegalTeam() {
		return writ.User{}, writ.Errorf(writ.EFORBIDDEN, "only the legal team may confirm agency users")
	}
	how = strings.TrimSpace(how)
	if how == "" || len(how) > 500 {
		return writ.User{}, writ.FieldErrorf("confirmation", "say how the account was confirmed (for example: called the agency's registered number and spoke to the duty officer)")
	}
	err := s.records.Update(ctx, func(tx *store.Tx) error {
		u, err := tx.LockUser(ctx, id)
		if err != nil {
			return err
		}
		if u.Active {
			return writ.Errorf(writ.ECONFLICT, "user %d is already active", id)
		}
		if u.DeactivatedAt != nil {
			return writ.Errorf(writ.ECONFLICT, "user %d was deactivated", id)
		}
		verified, err := tx.AgencyVerified(ctx, u.AgencyID)
		if err != nil {
			return err
		}
		if !verified {
			return writ.Errorf(writ.ECONFLICT, "the user's agency is not verified: verify the agency first")
		}
		if err := tx.ActivateUser(ctx, id, how, actor.Name, s.now()); err != nil {
			return err
		}
		return tx.AppendEvent(ctx, actor, "user.confirmed", map[string]any{"user_id": id, "email": u.Email, "confirmation": how})
	})
	if err != nil {
		return writ.User{}, err
	}
	return s.records.User(ctx, id)
}

// Users lists every user, by id, for the admin pages: the legal team (who
// confirm agency users) and auditors. EFORBIDDEN for others.
func (s *Service) Users(ctx context.Context, actor writ.Actor) ([]store.Account, error) {
	if !actor.Role.SeesAll() {
		return nil, writ.Errorf(writ.EFORBIDDEN, "only the legal team and auditors list users")
	}
	return s.records.Accounts(ctx)
}
