package writ

import "time"

// Agency is a requesting authority registered with the provider.
type Agency struct {
	ID      int64  `json:"id"`
	Name    string `json:"name"`
	Country string `json:"country"`
	// Kind is law_enforcement, national_security, regulator, court, or
	// private_party: a private litigant's counsel serving civil subpoenas.
	Kind    string   `json:"kind"`
	Domains []string `json:"domains"`
	// Phone is the independently sourced number the legal team calls back
	// to confirm an emergency or an agency user's account.
	Phone string `json:"phone"`
	// Verified is true once the legal team confirmed the agency out of band.
	Verified     bool       `json:"verified"`
	Verification string     `json:"verification"` // how it was verified
	VerifiedAt   *time.Time `json:"verified_at"`
	CreatedAt    time.Time  `json:"created_at"`
}

// AgencyKinds lists the kinds of requesting authority.
func AgencyKinds() []string {
	return []string{"law_enforcement", "national_security", "regulator", "court", "private_party"}
}

// AgencyFilter selects agencies in a list.
type AgencyFilter struct {
	Country string
	Cursor  string
	Limit   int
}
