package writ

import "time"

// Role is what a user may do. The legal team (reviewer, approver, admin)
// works on every demand; an auditor reads everything; agency and customer
// users see only their own agency's demands or their own tenant's.
type Role string

// The roles.
const (
	RoleAdmin    Role = "admin"
	RoleReviewer Role = "reviewer"
	RoleApprover Role = "approver"
	RoleAuditor  Role = "auditor"
	RoleAgency   Role = "agency"
	RoleCustomer Role = "customer"
)

// Roles lists every role, in the order the documentation gives them.
func Roles() []Role {
	return []Role{RoleAdmin, RoleReviewer, RoleApprover, RoleAuditor, RoleAgency, RoleCustomer}
}

// Valid reports whether r is one of the roles.
func (r Role) Valid() bool {
	for _, x := range Roles() {
		if r == x {
			return true
		}
	}
	return false
}

// LegalTeam reports whether r belongs to the provider's legal team, who work
// on demands.
func (r Role) LegalTeam() bool {
	return r == RoleReviewer || r == RoleApprover || r == RoleAdmin
}

// SeesAll reports whether r may read every demand: the legal team and auditors.
func (r Role) SeesAll() bool { return r.LegalTeam() || r == RoleAuditor }

// User is a person who signs in to writ or calls its API. An agency user
// belongs to exactly one agency and a customer user to exactly one customer.
type User struct {
	ID         int64  `json:"id"`
	Name       string `json:"name"`
	Email      string `json:"email"`
	Role       Role   `json:"role"`
	AgencyID   *int64 `json:"agency_id"`
	CustomerID *int64 `json:"customer_id"`
	// Active is false for an agency user until the legal team confirmed
	// the account out of band (Confirmation says how); until then it
	// cannot sign in or use a token.
	Active       bool      `json:"active"`
	Confirmation string    `json:"confirmation"`
	CreatedAt    time.Time `json:"created_at"`
	// Language is the language the user chose for the pages (en, fr,
	// de), or "" to follow the browser's.
	Language string `json:"language"`
	// DeactivatedAt is set once an admin deactivated the user: they can
	// no longer sign in or use a token. Users are never deleted, since the
	// log names them.
	DeactivatedAt *time.Time `json:"deactivated_at"`
}

// Token is an API token as its owner and admins see it; the secret itself
// is shown once, when issued, and kept only as a hash. A token stops
// working at ExpiresAt, when revoked, and when its user's password
// changes or the user is deactivated.
type Token struct {
	ID           int64      `json:"id"`
	UserID       int64      `json:"user_id"`
	Label        string     `json:"label"`
	CreatedAt    time.Time  `json:"created_at"`
	CreatedBy    string     `json:"created_by"`
	ExpiresAt    time.Time  `json:"expires_at"`
	RevokedAt    *time.Time `json:"revoked_at"`
	RevokedBy    string     `json:"revoked_by"`
	RevokeReason string     `json:"revoke_reason"`
}

// TokenInput asks for a token: a label, and how many days it lasts
// (DefaultTokenDays when zero, at most MaxTokenDays).
type TokenInput struct {
	Label         string `json:"label"`
	ExpiresInDays int    `json:"expires_in_days"`
}

// Token lifetimes, in days.
const (
	DefaultTokenDays = 90
	MaxTokenDays     = 366
)

// TokenRequest is a token an admin asked for another user. It is issued
// only when a second admin confirms it, so that no one person can act as
// someone else (four eyes).
type TokenRequest struct {
	ID            int64      `json:"id"`
	UserID        int64      `json:"user_id"`
	Label         string     `json:"label"`
	ExpiresInDays int        `json:"expires_in_days"`
	RequestedBy   string     `json:"requested_by"`
	RequestedAt   time.Time  `json:"requested_at"`
	State         string     `json:"state"` // pending, issued
	ConfirmedBy   string     `json:"confirmed_by"`
	ConfirmedAt   *time.Time `json:"confirmed_at"`
	TokenID       *int64     `json:"token_id"`
}

// NewToken is a token just issued, with its secret.
type NewToken struct {
	Token
	Secret string `json:"token"`
}

// Actor is the authenticated caller of a service method. Every method that
// reads or changes demands takes one, and the store confines its queries to
// what the actor may see.
type Actor struct {
	UserID     int64
	Name       string
	Role       Role
	AgencyID   int64 // set for agency users only
	CustomerID int64 // set for customer users only
}

// System is the actor for changes writ makes itself (demo loading,
// migrations, scheduled work).
func System() Actor { return Actor{Name: "writ", Role: RoleAdmin} }

// ActorOf returns the actor for u.
func ActorOf(u User) Actor {
	a := Actor{UserID: u.ID, Name: u.Name, Role: u.Role}
	if u.AgencyID != nil {
		a.AgencyID = *u.AgencyID
	}
	if u.CustomerID != nil {
		a.CustomerID = *u.CustomerID
	}
	return a
}
