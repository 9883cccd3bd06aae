package writ

import "time"

// Customer is a tenant of the provider whose data governments ask for.
type Customer struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	Kind        string `json:"kind"` // enterprise, public_sector, consumer
	HomeCountry string `json:"home_country"`
	// HomeSubdivision is the ISO 3166-2 code of the customer's home
	// subdivision (DE-BY), which can choose the data protection authority
	// told about a demand; empty when unknown.
	HomeSubdivision string `json:"home_subdivision"`
	// USPerson overrides the default (home country US) when set.
	USPerson     *bool  `json:"us_person"`
	LegalContact string `json:"legal_contact"`
	// KeyCustody says who holds the keys to the customer's content:
	// provider_managed; customer_managed (a customer key the provider's
	// services use at run time: content accessible); customer_held (the
	// provider cannot obtain plaintext without the customer: content not
	// accessible).
	KeyCustody string `json:"key_custody"`
	// KeyCustodyConfirmed is false for a customer whose v1 custody
	// "customer_managed" was mapped to customer_held on the upgrade to
	// rulebook v2, until an admin confirms or reclassifies it: writ never
	// tells an authority that content is unavailable on that guess.
	KeyCustodyConfirmed bool           `json:"key_custody_confirmed"`
	DataLocations       []DataLocation `json:"data_locations"`
	Accounts            []string       `json:"accounts"`
	// NoticeEmail receives notices (the legal contact when empty);
	// WebhookURL, when set, receives them too, signed with the customer's
	// secret, which writ never shows again.
	NoticeEmail string    `json:"notice_email"`
	WebhookURL  string    `json:"webhook_url"`
	CreatedAt   time.Time `json:"created_at"`
	// Language is the customer's language of correspondence, in which
	// its letters are written (en, fr, de): its own choice, else the
	// language of its home country.
	Language string `json:"language"`
}

// DataLocation is a region where the provider stores a customer's data.
type DataLocation struct {
	Region  string `json:"region"`
	Country string `json:"country"`
}

// CustomerKinds lists the kinds of customer.
func CustomerKinds() []string { return []string{"enterprise", "public_sector", "consumer"} }

// KeyCustodies lists who may hold a customer's content keys.
func KeyCustodies() []string {
	return []string{"provider_managed", "customer_managed", "customer_held"}
}

// Countries returns the distinct countries of the customer's data, in the
// order of its locations.
func (c *Customer) Countries() []string {
	var out []string
	seen := map[string]bool{}
	for _, l := range c.DataLocations {
		if !seen[l.Country] {
			seen[l.Country] = true
			out = append(out, l.Country)
		}
	}
	return out
}

// CustomerFilter selects customers in a list.
type CustomerFilter struct {
	Cursor string
	Limit  int
}
