# What the rules ask of a case, worked out once (rules/assess.go, newFacts).
package writ.assess

# Every file imports what it reads: the rulebook (data converted from
# rules/rulebook/*.yaml, see assess.rego), and the case's demand and customer.
import data.writ.rulebook as rb
import input.customer
import input.demand

authority_country := demand.authority.country

# The instrument the demand is made under (rulebook.md §1; us.yaml, eu.yaml,
# uk.yaml, au.yaml, international.yaml).
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

# "An emergency" means the demand carries an emergency object, whether or not
# it was verified (rulebook.md, terms).
default emergency := false

emergency if demand.emergency != null

# Time of receipt, in nanoseconds since 1970 (UTC), to the second: the origin
# of every deadline (rulebook.md §6: "+N days" means N × 24 hours in UTC).
received_ns := to_second(time.parse_rfc3339_ns(demand.received_at))

# Rounded down to the second (before 1970 too, where ns is negative).
to_second(ns) := ns - (((ns % 1000000000) + 1000000000) % 1000000000)

# A date (YYYY-MM-DD) stands for 00:00 UTC of that day.
date_ns(date) := time.parse_ns("2006-01-02", date)

# The contract's one time format: UTC, to the second.
format_time(ns) := time.format([ns, "UTC", "2006-01-02T15:04:05Z"])

# A customer is a US person when customer.us_person says so, or, when it is
# absent, when its home country is one of us_persons.default_home_countries
# (rulebook.md §2; us.yaml).
us_person := customer.us_person if {
	is_boolean(customer.us_person)
} else := object.get(rb.us_persons.default_home_countries, customer.home_country, false)

# Customer-managed keys put content out of the provider's reach (§8).
default content_accessible := true

content_accessible := false if customer.key_custody == "customer_managed"

# National security: the authority's kind, or an instrument that is a
# national-security instrument whoever sends it (§5 rule 1; us.yaml).
default national_security := false

national_security if demand.authority.kind == "national_security"

national_security if instrument.national_security

# The effective issuer of an EU order (§1): issued_by when that is one of
# effective_issuer.from (a judge or a prosecutor), otherwise validated_by when
# it is one of them (Art. 4(1)(b), 4(2)(b)), otherwise none ("").
effective_issuer := demand.issued_by if {
	demand.issued_by in instrument.effective_issuer.from
} else := demand.validated_by if {
	demand.validated_by in instrument.effective_issuer.from
} else := ""

# Art. 4(5): in an emergency an EU order without effective issuer goes through
# without prior validation when it asks only for what
# effective_issuer.emergency_without_validation lists (for eu_epoc: subscriber
# and identification; for eu_epoc_pr: anything).
default emergency_waiver := false

emergency_waiver if {
	eu_order
	effective_issuer == ""
	emergency
	waivable := instrument.effective_issuer.emergency_without_validation
	every category in asked {
		category in waivable
	}
}

# What the instrument can compel given its issuer, whatever was asked (§1,
# §8 permitted_categories): nothing for a preservation instrument; for an EU
# order, what its effective issuer may order, or in an emergency without
# one, what Art. 4(5) lets through.
permitted := [] if {
	instrument.preserve_only
} else := instrument.compels if {
	not eu_order
} else := object.get(instrument.effective_issuer, ["compels", effective_issuer], []) if {
	effective_issuer != ""
} else := instrument.effective_issuer.emergency_without_validation if {
	emergency
	instrument.effective_issuer.emergency_without_validation
} else := object.get(instrument.effective_issuer, ["compels", "none"], [])
