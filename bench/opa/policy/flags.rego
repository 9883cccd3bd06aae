# Rulebook.md §8: authorities to notify and flags (rules/assess.go).
package writ.assess

import data.writ.rulebook as rb
import input.customer

# ---- Authorities to notify (rulebook.yaml notify_authorities) ----

# Provider policy, principle 3: the data protection authority concerned is
# told when the provider resists a third country's order over a conflict it
# names (GDPR Art. 48), on a route that resists it (challenge, refer_to_mlat),
# unless the customer may not be told either (notice prohibited or delayed,
# the confidentiality of an EU order included: telling anyone would breach
# it).
notify_dpa if {
	policy := rb.notify_authorities.DPA
	route in policy.routes
	not notice_timing in policy.unless_notice
	some code in policy.conflicts
	code in conflict
}

# Which authority (its key in lists/dpas.yaml): for a customer at home in a
# country of the directory, the authority of its home subdivision (ISO
# 3166-2, such as DE-BY) when the directory lists one and the customer is of
# a kind it supervises (subdivision_for_kinds: not public_sector), otherwise
# its country's; for any other customer, that of the first location sought
# that has one. A subdivision is never used when the choice is by location.
dpa_key := customer.home_subdivision if {
	rb.dpas[customer.home_country]
	rb.dpas[customer.home_subdivision]
	customer.kind in rb.notify_authorities.DPA.subdivision_for_kinds
} else := customer.home_country if {
	rb.dpas[customer.home_country]
} else := key if {
	key := [location | some location in sought; rb.dpas[location]][0]
}

# country is the ISO 3166-1 code of the authority's state: a directory key's
# first two letters (DE for DE-BY).
notify_authorities := [{"code": "DPA", "country": substring(key, 0, 2), "authority": key}] if {
	notify_dpa
	key := dpa_key
} else := []

# ---- Flags ----

# NATIONAL_SECURITY: the test of §5 rule 1.
flag contains "NATIONAL_SECURITY" if national_security

# INDEFINITE_NDO: a non-disclosure order without end date. The
# confidentiality of an EU order is no such order and does not raise it.
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

# CONTENT_TECHNICALLY_UNAVAILABLE: content asked, customer-held keys.
flag contains "CONTENT_TECHNICALLY_UNAVAILABLE" if {
	"content" in asked
	not content_accessible
}

# CROSS_BORDER: some location sought is outside the authority's country.
flag contains "CROSS_BORDER" if {
	some location in sought
	location != authority_country
}

# OBJECTION_WINDOW_EXCEEDS_DEADLINE: the customer is told before disclosure
# and its objection window (EARLIEST_DISCLOSURE) ends strictly after the
# authority's RESPOND; no RESPOND, no flag.
flag contains "OBJECTION_WINDOW_EXCEEDS_DEADLINE" if {
	notice_timing == "before_disclosure"
	some [respond, "RESPOND"] in all_deadlines
	some [earliest, "EARLIEST_DISCLOSURE"] in all_deadlines
	earliest > respond
}

# PRESERVE_UNTIL_PRODUCED: an order in force whose receipt obliges the
# provider to preserve the data at once and keep them until produced
# (eu_epoc, preserve_until_produced: Art. 10(1)), whatever the route.
flag contains "PRESERVE_UNTIL_PRODUCED" if {
	instrument.preserve_until_produced
	in_force
}
