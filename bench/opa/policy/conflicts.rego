# Rulebook.md §3, conflicts of law: the laws a disclosure would collide with
# (rules/conflicts.go). The conflicts themselves are data (conflicts.yaml:
# GDPR_ART48, US_SCA_2702A, CN_DSL_ART36, CH_SCC_ART271, FR_BLOCKING_STATUTE);
# this file says how their conditions are read.
#
# They are assessed for every demand that can lead to disclosure, never for a
# preservation instrument, and are reported even when the demand is also
# deficient or its instrument not in force. Where data is stored means the
# locations sought (data_locations_sought when given, facts.rego); the
# customer's home country counts whatever is sought.
package writ.assess

import data.writ.rulebook as rb
import input.customer

# A conflict holds when none of the conditions under its "when" fails; a
# condition the rule does not give cannot fail.
conflict contains rule.code if {
	not instrument.preserve_only
	some rule in rb.conflicts
	not fails(rule.when)
}

# authority_country_in: the requesting authority's country is one of these.
fails(when) if {
	countries := when.authority_country_in
	not countries[authority_country]
}

# authority_country_not_in: the requesting authority's country is none of these.
fails(when) if {
	countries := when.authority_country_not_in
	countries[authority_country]
}

# data_sought_in: some location sought is one of these.
fails(when) if {
	countries := when.data_sought_in
	not sought_in(countries)
}

# customer_home_in: the customer's home country is one of these.
fails(when) if {
	countries := when.customer_home_in
	not countries[customer.home_country]
}

# data_sought_or_customer_home_in: either of the two above.
fails(when) if {
	countries := when.data_sought_or_customer_home_in
	not sought_in(countries)
	not countries[customer.home_country]
}

# customer_kind_not_in: the customer's kind is none of these.
fails(when) if {
	customer.kind in when.customer_kind_not_in
}

# categories_asked: the demand asks for one of these categories.
fails(when) if {
	categories := when.categories_asked
	not asks_any(categories)
}

# instrument_not_in: the demand's instrument is none of these.
fails(when) if {
	instrument_code in when.instrument_not_in
}

# unless_sufficient_instrument_in: not for an order under an executive
# agreement (uk_copo, au_ipo) without any deficiency; a deficient one is
# outside the agreement (§3, US_SCA_2702A).
fails(when) if {
	instrument_code in when.unless_sufficient_instrument_in
	legally_sufficient
}

# unless_verified_emergency_instrument_in: not for a voluntary request
# (us_emergency) whose emergency was verified by call-back (§3, GDPR_ART48:
# it requires nothing, and the transfer rests on Art. 49(1)(f)).
fails(when) if {
	instrument_code in when.unless_verified_emergency_instrument_in
	verified_emergency
}
