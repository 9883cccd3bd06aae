package rules

import (
	"encoding/json"
	"fmt"
	"time"
)

// Case is what the rulebook assesses: one demand and the customer whose
// data it seeks. Its JSON form is the input of the assessment contract;
// read it with Rulebook.DecodeCase, which checks it.
type Case struct {
	// AsOf is the clock of the assessment. v2 draws no conclusion from
	// it; later rules (overdue deadlines, expired orders) will.
	AsOf     *time.Time `json:"as_of,omitempty"`
	Demand   Demand     `json:"demand"`
	Customer Customer   `json:"customer"`
}

// Demand is a government demand for customer data.
type Demand struct {
	ReceivedAt             time.Time      `json:"received_at"`
	Channel                string         `json:"channel,omitempty"`
	Authority              Authority      `json:"authority"`
	Instrument             string         `json:"instrument"`
	IssuedBy               string         `json:"issued_by"`
	ValidatedBy            string         `json:"validated_by,omitempty"`
	OffenceMaxYears        *float64       `json:"offence_max_years,omitempty"`
	OffenceListed          bool           `json:"offence_listed,omitempty"`
	OffenceInIssuingState  *bool          `json:"offence_in_issuing_state,omitempty"`
	DataCategories         []string       `json:"data_categories"`
	Accounts               []string       `json:"accounts"`
	Due                    *time.Time     `json:"due,omitempty"`
	Nondisclosure          *Nondisclosure `json:"nondisclosure,omitempty"`
	Emergency              *Emergency     `json:"emergency,omitempty"`
	CustomerFirstException string         `json:"customer_first_exception,omitempty"`
	// SubjectResidence is where the person whose data is sought resides,
	// SubjectLocation where that person is at the time of the demand, and
	// SubjectUSPerson whether that person is a US person; empty or nil is
	// unknown.
	SubjectResidence string `json:"subject_residence,omitempty"`
	SubjectLocation  string `json:"subject_location,omitempty"`
	SubjectUSPerson  *bool  `json:"subject_us_person,omitempty"`
	// DataLocationsSought are the regions the demand reaches, each one of
	// the customer's data locations; nil is every location.
	DataLocationsSought []string `json:"data_locations_sought,omitempty"`
	// NoticePermitted records that the issuing authority of an EU order
	// permits the provider to tell the customer.
	NoticePermitted bool `json:"notice_permitted,omitempty"`
}

// Authority is the requesting authority. Verified says whether it was
// checked against the agency registry.
type Authority struct {
	Name     string `json:"name,omitempty"`
	Country  string `json:"country"`
	Kind     string `json:"kind"`
	Verified bool   `json:"verified"`
}

// Nondisclosure is an order forbidding the provider to tell the customer.
// Until is its last effect's date; nil means indefinite.
type Nondisclosure struct {
	Basis string `json:"basis,omitempty"`
	Until *Date  `json:"until"`
}

// Emergency is a claimed emergency.
type Emergency struct {
	Justification      string `json:"justification,omitempty"`
	VerifiedByCallback bool   `json:"verified_by_callback"`
}

// Customer is the customer whose data is sought.
type Customer struct {
	Kind        string `json:"kind"`
	HomeCountry string `json:"home_country"`
	// HomeSubdivision is the ISO 3166-2 code of the customer's home
	// subdivision (DE-BY), or "".
	HomeSubdivision string `json:"home_subdivision,omitempty"`
	// USPerson, when nil, follows from HomeCountry (rulebook.md §2).
	USPerson      *bool    `json:"us_person,omitempty"`
	DataLocations []string `json:"data_locations"`
	KeyCustody    string   `json:"key_custody"`
	LegalContact  string   `json:"legal_contact,omitempty"`
}

// Codes of the contract's closed vocabularies that are not law and so not
// part of the rulebook.
const (
	KindLawEnforcement   = "law_enforcement"
	KindNationalSecurity = "national_security"
	KindRegulator        = "regulator"
	KindCourt            = "court"
	KindPrivateParty     = "private_party"

	CustomerEnterprise   = "enterprise"
	CustomerPublicSector = "public_sector"
	CustomerConsumer     = "consumer"

	// KeysProviderManaged: the provider's own keys. KeysCustomerManaged: a
	// customer's key that the provider's services use at run time (BYOK, or
	// an external key store they call): content accessible. KeysCustomerHeld:
	// the provider cannot obtain plaintext without an action of the customer
	// at that time (client-side encryption, hold-your-own-key).
	KeysProviderManaged = "provider_managed"
	KeysCustomerManaged = "customer_managed"
	KeysCustomerHeld    = "customer_held"
)

var (
	channels       = []string{"portal", "api", "email", "mail"}
	authorityKinds = []string{KindLawEnforcement, KindNationalSecurity, KindRegulator, KindCourt, KindPrivateParty}
	customerKinds  = []string{CustomerEnterprise, CustomerPublicSector, CustomerConsumer}
	keyCustodies   = []string{KeysProviderManaged, KeysCustomerManaged, KeysCustomerHeld}
)

// Date is a calendar date without time of day, written YYYY-MM-DD. Where a
// date stands for an instant (the end of a non-disclosure order), it is
// 00:00 UTC of that day.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

const dateLayout = "2006-01-02"

// ParseDate reads a date written YYYY-MM-DD.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(dateLayout, s)
	if err != nil {
		return Date{}, fmt.Errorf("%q is not a date of the form YYYY-MM-DD", s)
	}
	return DateOf(t), nil
}

// DateOf returns the date of t in t's own location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{Year: y, Month: m, Day: d}
}

// Time returns 00:00 UTC of the date.
func (d Date) Time() time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC)
}

// String returns the date as YYYY-MM-DD.
func (d Date) String() string {
	return d.Time().Format(dateLayout)
}

// MarshalText writes the date as YYYY-MM-DD.
func (d Date) MarshalText() ([]byte, error) {
	return []byte(d.String()), nil
}

// UnmarshalText reads a date written YYYY-MM-DD.
func (d *Date) UnmarshalText(b []byte) error {
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// MarshalJSON writes the date as a JSON string.
func (d Date) MarshalJSON() ([]byte, error) {
	return json.Marshal(d.String())
}

// UnmarshalJSON reads a JSON string written YYYY-MM-DD.
func (d *Date) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("a date must be a string of the form YYYY-MM-DD")
	}
	return d.UnmarshalText([]byte(s))
}
