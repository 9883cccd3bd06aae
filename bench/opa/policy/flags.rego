# Rulebook.md §8: authorities to notify and flags (rules/assess.go).
package writ.assess

import data.writ.rulebook as rb
import input.customer

# ---- Authorities to notify (rulebook.yaml notify_authorities) ----

# Provider policy, principle 3: the data protection authority concerned is
# told when the provider resists a third country's order over a conflict it
# names (GDPR Art. 48), on a route that resists it (challenge, refer_to_mlat),
# unless the customer may not be told either (notice prohibited or delayed:
# telling anyone would breach the gag).
notify_dpa if {
	policy := rb.notify_authorities.DPA
	route in policy.routes
	not notice_timing in policy.unless_notice
	some code in policy.conflicts
	code in conflict
}

# The authority of the customer's home country when it has one, else of the
# first place its data is stored that has one (lists/dpas.yaml).
dpa_country := customer.home_country if {
	rb.dpas[customer.home_country]
} else := [location |
	some location in customer.data_locations
	rb.dpas[location]
][0]

notify_authorities := [{"code": "DPA", "country": country}] if {
	notify_dpa
	country := dpa_country
} else := []

# ---- Flags ----

# NATIONAL_SECURITY: the test of §5 rule 1.
flag contains "NATIONAL_SECURITY" if national_security

# INDEFINITE_NDO: a non-disclosure order without end date.
flag contains "INDEFINITE_NDO" if {
	nondisclosure_order
	not nondisclosure_until_ns
}

# NDO_OVER_ONE_YEAR: its end date, at 00:00 UTC, is more than
# policy.long_ndo_after (365 days) after receipt.
flag contains "NDO_OVER_ONE_YEAR" if {
	nondisclosure_until_ns - received_ns > rb.policy.long_ndo_after_ns
}

# EMERGENCY: the demand carries an emergency (a us_emergency without one
# does not get the flag).
flag contains "EMERGENCY" if emergency

# CONTENT_TECHNICALLY_UNAVAILABLE: content asked, customer-managed keys.
flag contains "CONTENT_TECHNICALLY_UNAVAILABLE" if {
	"content" in asked
	not content_accessible
}

# CROSS_BORDER: some data stored outside the authority's country.
flag contains "CROSS_BORDER" if {
	some location in customer.data_locations
	location != authority_country
}
