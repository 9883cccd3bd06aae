package rules

import (
	"slices"
	"strconv"
	"strings"

	"writ"
)

// Validate checks a case built in Go (from a database row, say) the way
// DecodeCase checks one read from JSON: required fields are set and every
// code is one the rulebook or the contract knows. It returns the first
// problem as a *writ.Error (EINVALID) naming the field's JSON path. Empty
// accounts or data categories are valid: they make the demand deficient
// (NO_TARGET, NO_CATEGORIES), which is a conclusion, not bad input.
func (rb *Rulebook) Validate(c *Case) error {
	d := &c.Demand
	if d.ReceivedAt.IsZero() {
		return writ.FieldErrorf("demand.received_at", "is required")
	}
	if err := oneOf("demand.channel", d.Channel, channels, true); err != nil {
		return err
	}
	if err := rb.country("demand.authority.country", d.Authority.Country, false); err != nil {
		return err
	}
	if err := oneOf("demand.authority.kind", d.Authority.Kind, authorityKinds, false); err != nil {
		return err
	}
	if err := oneOf("demand.instrument", d.Instrument, rb.instrumentCodes, false); err != nil {
		return err
	}
	if err := oneOf("demand.issued_by", d.IssuedBy, rb.issuers.sorted(), false); err != nil {
		return err
	}
	if err := oneOf("demand.validated_by", d.ValidatedBy, rb.validators.sorted(), true); err != nil {
		return err
	}
	if y := d.OffenceMaxYears; y != nil && *y < 0 {
		return writ.FieldErrorf("demand.offence_max_years", "must not be negative")
	}
	for i, cat := range d.DataCategories {
		if err := oneOf(index("demand.data_categories", i), cat, rb.categories, false); err != nil {
			return err
		}
	}
	for i, acct := range d.Accounts {
		if strings.TrimSpace(acct) == "" {
			return writ.FieldErrorf(index("demand.accounts", i), "must not be empty")
		}
	}
	if slices.Contains(rb.automaticExceptions, d.CustomerFirstException) {
		return writ.FieldErrorf("demand.customer_first_exception", "%q applies by itself and cannot be recorded (expected one of: %s)", d.CustomerFirstException, strings.Join(rb.exceptionCodes, ", "))
	}
	if err := oneOf("demand.customer_first_exception", d.CustomerFirstException, rb.exceptionCodes, true); err != nil {
		return err
	}
	if err := rb.country("demand.subject_residence", d.SubjectResidence, true); err != nil {
		return err
	}
	if err := rb.country("demand.subject_location", d.SubjectLocation, true); err != nil {
		return err
	}

	cu := &c.Customer
	if err := oneOf("customer.kind", cu.Kind, customerKinds, false); err != nil {
		return err
	}
	if err := rb.country("customer.home_country", cu.HomeCountry, false); err != nil {
		return err
	}
	if len(cu.DataLocations) == 0 {
		return writ.FieldErrorf("customer.data_locations", "must name at least one country")
	}
	for i, loc := range cu.DataLocations {
		if err := rb.country(index("customer.data_locations", i), loc, false); err != nil {
			return err
		}
	}
	if err := rb.validateSubdivision(cu); err != nil {
		return err
	}
	if err := validateSought(d.DataLocationsSought, cu.DataLocations, rb); err != nil {
		return err
	}
	return oneOf("customer.key_custody", cu.KeyCustody, keyCustodies, false)
}

// validateSought checks the regions a demand reaches: at least one, each a
// known country and one of the customer's locations (nil is every location).
func validateSought(sought, locations []string, rb *Rulebook) error {
	if sought == nil {
		return nil
	}
	if len(sought) == 0 {
		return writ.FieldErrorf("demand.data_locations_sought", "must name at least one country, or be left out to mean every location of the customer")
	}
	for i, loc := range sought {
		field := index("demand.data_locations_sought", i)
		if err := rb.country(field, loc, false); err != nil {
			return err
		}
		if !slices.Contains(locations, loc) {
			return writ.FieldErrorf(field, "%s is not one of the customer's data locations (%s)", loc, strings.Join(locations, ", "))
		}
	}
	return nil
}

// validateSubdivision checks the customer's home subdivision: an ISO
// 3166-2 code of its home country. A well-formed code the DPA directory
// does not list is valid: its country's authority is chosen.
func (rb *Rulebook) validateSubdivision(cu *Customer) error {
	sub := cu.HomeSubdivision
	switch {
	case sub == "":
		return nil
	case !subdivisionPattern.MatchString(sub):
		return writ.FieldErrorf("customer.home_subdivision", "%q is not an ISO 3166-2 code such as \"DE-BY\"", sub)
	case sub[:2] != cu.HomeCountry:
		return writ.FieldErrorf("customer.home_subdivision", "%s is not a subdivision of the customer's home country %s", sub, cu.HomeCountry)
	}
	return nil
}

func index(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}

// oneOf checks a code against its vocabulary; "" is missing unless the
// field is optional.
func oneOf(field, value string, known []string, optional bool) error {
	switch {
	case value == "" && optional:
		return nil
	case value == "":
		return writ.FieldErrorf(field, "is required")
	case !slices.Contains(known, value):
		return writ.FieldErrorf(field, "unknown code %q (expected one of: %s)", value, strings.Join(known, ", "))
	}
	return nil
}

func (rb *Rulebook) country(field, code string, optional bool) error {
	switch {
	case code == "" && optional:
		return nil
	case code == "":
		return writ.FieldErrorf(field, "is required")
	case !rb.IsCountry(code):
		return writ.FieldErrorf(field, "unknown country code %q (expected an ISO 3166-1 alpha-2 code such as \"DE\")", code)
	}
	return nil
}
