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
	if err := oneOf("demand.customer_first_exception", d.CustomerFirstException, rb.exceptionCodes, true); err != nil {
		return err
	}
	if err := rb.country("demand.subject_residence", d.SubjectResidence, true); err != nil {
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
	return oneOf("customer.key_custody", cu.KeyCustody, keyCustodies, false)
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
