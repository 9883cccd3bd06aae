# The terms of rulebook.md and its §1 (instruments: who may use them, when
# they are in force, what they can compel): what the rules ask of a case,
# worked out once (rules/assess.go, newFacts and compels).
package writ.assess

# Every file imports what it reads: the rulebook (data converted from
# rules/rulebook/*.yaml, see assess.rego), and the case's demand and customer.
import data.writ.rulebook as rb
import input.customer
import input.demand

authority_country := demand.authority.country

# The instrument the demand is made under (us.yaml, eu.yaml, uk.yaml,
# au.yaml, international.yaml).
instrument_code := demand.instrument

instrument := rb.instruments[instrument_code]

# The demand names an EU order (eu.yaml): its reach follows from its
# "effective issuer" (Reg. (EU) 2023/1543 Art. 4), not from issued_by.
eu_order if instrument.effective_issuer

# The categories asked, each once. A missing or empty list asks for nothing.
asked contains category if some category in demand.data_categories

asks_any(categories) if {
	some category in categories
	category in asked
}

asked_within(categories) if {
	every category in asked {
		category in categories
	}
}

# "An emergency": the demand carries an emergency object, whether or not it
# was verified. "A verified emergency": one confirmed by call-back.
default emergency := false

emergency if demand.emergency != null

default verified_emergency := false

verified_emergency if demand.emergency.verified_by_callback == true

# "The locations sought": data_locations_sought when the demand names them,
# otherwise all of the customer's data locations, in the case's order
# (rulebook.md §3).
sought := demand.data_locations_sought if {
	is_array(demand.data_locations_sought)
} else := customer.data_locations

sought_in(countries) if {
	some location in sought
	countries[location]
}

# Time of receipt, in nanoseconds since 1970 (UTC), to the second: the origin
# of every deadline ("+N days" means N × 24 hours in UTC).
received_ns := to_second(time.parse_rfc3339_ns(demand.received_at))

day_ns := 86400000000000

hour_ns := 3600000000000

# Rounded down to the second (before 1970 too, where ns is negative).
to_second(ns) := ns - (((ns % 1000000000) + 1000000000) % 1000000000)

# A date (YYYY-MM-DD) stands for 00:00 UTC of that day.
date_ns(date) := time.parse_ns("2006-01-02", date)

# The contract's one time format: UTC, to the second.
format_time(ns) := time.format([ns, "UTC", "2006-01-02T15:04:05Z"])

# §1, in force: in_force_from and in_force_until are the first and the last
# day in force, each taken at 00:00 UTC; a side not given is unbounded. The
# test uses received_at (provider policy: one clock, UTC).
default in_force := false

in_force if {
	not received_before_in_force
	not received_after_in_force
}

received_before_in_force if received_ns < date_ns(instrument.in_force_from)

received_after_in_force if received_ns >= date_ns(instrument.in_force_until) + day_ns

# A customer is a US person when customer.us_person says so, or, when it is
# absent, when its home country is one of us_persons.default_home_countries
# (rulebook.md §2; us.yaml).
us_person := customer.us_person if {
	is_boolean(customer.us_person)
} else := object.get(rb.us_persons.default_home_countries, customer.home_country, false)

# §8: content is out of the provider's reach only when the customer holds
# its keys outside the provider's services (customer_held); a
# customer-managed key the provider's services use at run time (BYOK, an
# external key store they call) leaves it accessible.
default content_accessible := true

content_accessible := false if customer.key_custody == "customer_held"

# National security (§5 rule 1): the authority's kind, or an instrument that
# is national-security process whoever sends it (us.yaml).
default national_security := false

national_security if demand.authority.kind == "national_security"

national_security if instrument.national_security

# The effective issuer of an EU order (§1): the higher of issued_by and
# validated_by, ranked as effective_issuer.ranked lists them (judge >
# prosecutor); anyone else counts as none ("").
default effective_issuer := ""

effective_issuer := ranked_issuers[0]

ranked_issuers := [issuer |
	some issuer in instrument.effective_issuer.ranked
	issuer in {demand.issued_by, object.get(demand, "validated_by", "")}
]

# Art. 4(5): in an emergency (verified or not) an EU order without effective
# issuer goes through without prior validation when it asks only for what
# effective_issuer.emergency_without_validation lists (for eu_epoc:
# subscriber and identification; for eu_epoc_pr: anything).
default emergency_waiver := false

emergency_waiver if {
	eu_order
	effective_issuer == ""
	emergency
	asked_within(instrument.effective_issuer.emergency_without_validation)
}

# What the instrument would compel given its issuer, the requesting
# country's profile and a verified emergency, whatever was asked and whether
# or not it is in force (§1; rules/assess.go compels): nothing for a
# preservation instrument; for an EU order, what its effective issuer may
# order, or in an emergency without one, what Art. 4(5) lets through.
would_compel := [] if {
	instrument.preserve_only
} else := instrument.effective_issuer.compels[effective_issuer] if {
	effective_issuer != ""
} else := instrument.effective_issuer.emergency_without_validation if {
	emergency
	is_array(instrument.effective_issuer.emergency_without_validation)
} else := object.get(instrument.effective_issuer, ["compels", "none"], []) if {
	eu_order
} else := compels_in_emergency if {
	verified_emergency
	compels_in_emergency != null
} else := compels_routinely

# Foreign police country profiles (§1, international.yaml
# by_authority_country): an entry overrides only what it names, and an
# entry's own compels also governs emergencies unless it gives
# compels_in_verified_emergency.
profile := object.get(instrument, ["by_authority_country", authority_country], {})

compels_routinely := profile.compels if {
	is_array(profile.compels)
} else := instrument.compels

compels_in_emergency := profile.compels_in_verified_emergency if {
	is_array(profile.compels_in_verified_emergency)
} else := null if {
	is_array(profile.compels)
} else := object.get(instrument, "compels_in_verified_emergency", null)

# §8 permitted_categories: what the instrument compels; nothing when it is
# not in force.
permitted := would_compel if {
	in_force
} else := []
