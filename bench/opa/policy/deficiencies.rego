# Rulebook.md §2, deficiencies: every reason the demand is legally
# insufficient (rules/deficiencies.go). Any one of them makes the demand
# legally insufficient. Each is a pair [code, category]; the category is
# given only for CATEGORY_NOT_PERMITTED, and is "" otherwise. An instrument
# not in force has its other deficiencies assessed as if it were in force.
package writ.assess

import data.writ.rulebook as rb
import input.demand

# WRONG_JURISDICTION: the authority's country may not use the instrument
# (the instrument's authority_countries).
deficiency contains ["WRONG_JURISDICTION", ""] if {
	not instrument.authority_countries[authority_country]
}

# WRONG_REQUESTER_KIND (§1, requester kinds): the authority's kind may not
# use the instrument (its requester_kinds, by default the governmental kinds
# of requesters.default_kinds: a private_party may use only
# us_civil_subpoena, and only a private_party may use it) ...
requester_kinds := object.get(instrument, "requester_kinds", rb.requesters.default_kinds)

deficiency contains ["WRONG_REQUESTER_KIND", ""] if {
	not demand.authority.kind in requester_kinds
}

# ... or a requester that may not claim an emergency claims one (voluntary
# emergency disclosure goes only "to a governmental entity", 18 U.S.C.
# 2702(b)(8), (c)(4)).
deficiency contains ["WRONG_REQUESTER_KIND", ""] if {
	emergency
	not demand.authority.kind in rb.requesters.emergency_kinds
}

# INSTRUMENT_NOT_IN_FORCE: received outside the instrument's window (§1).
deficiency contains ["INSTRUMENT_NOT_IN_FORCE", ""] if not in_force

# JUDGE_REQUIRED, for an instrument other than an EU order: it must be issued
# by one of its issued_by (a judge; for au_ipo also a tribunal member), and was
# not. "anyone" may issue the others.
deficiency contains ["JUDGE_REQUIRED", ""] if {
	not eu_order
	instrument.issued_by != "anyone"
	not demand.issued_by in instrument.issued_by
}

# CATEGORY_NOT_PERMITTED: one entry per category asked that the instrument
# would not compel (against what it would compel if in force). A
# preservation instrument names what to keep, not what to hand over, so it
# never gives this code (§1); nor does an EU order (below).
deficiency contains ["CATEGORY_NOT_PERMITTED", category] if {
	not eu_order
	not instrument.preserve_only
	some category in asked
	not category in would_compel
}

# VALIDATION_REQUIRED: an EU order has no effective issuer, unless an
# emergency lets it through without prior validation (Art. 4(5)).
deficiency contains ["VALIDATION_REQUIRED", ""] if {
	eu_order
	effective_issuer == ""
	not emergency_waiver
}

# JUDGE_REQUIRED, for a European Production Order: asking for more than its
# effective issuer may order (a prosecutor asking for traffic or content,
# Art. 4(1)-(2)) is a defect of the issuer, never of the category.
deficiency contains ["JUDGE_REQUIRED", ""] if {
	eu_order
	effective_issuer != ""
	not instrument.preserve_only
	not asked_within(instrument.effective_issuer.compels[effective_issuer])
}

# OFFENCE_THRESHOLD: an order with an offence_threshold (eu_epoc, Art. 5(4))
# asks for one of its categories (traffic, content), the offence's maximum
# sentence is under min_max_years (3) or not stated, and it is not a listed
# offence.
deficiency contains ["OFFENCE_THRESHOLD", ""] if {
	threshold := instrument.offence_threshold
	asks_any(threshold.categories)
	not demand.offence_listed
	below_threshold(threshold.min_max_years)
}

# SERIOUS_CRIME_THRESHOLD: an order under an executive agreement (uk_copo,
# au_ipo) for an offence whose maximum sentence is under
# serious_crime_min_max_years (3: "at least three years", so 3 qualifies)
# or not stated, whatever is asked; no listed-offence alternative.
deficiency contains ["SERIOUS_CRIME_THRESHOLD", ""] if {
	below_threshold(instrument.serious_crime_min_max_years)
}

below_threshold(_) if object.get(demand, "offence_max_years", null) == null

below_threshold(min_years) if demand.offence_max_years < min_years

# AGREEMENT_EXCLUDES_US_PERSONS: an executive-agreement order (uk_copo,
# au_ipo) that targets a US person or a person located in the US
# (18 U.S.C. 2523(b)(4)(A)): any one of the three tests below is enough.
deficiency contains ["AGREEMENT_EXCLUDES_US_PERSONS", ""] if {
	instrument.excludes_us_persons
	targets_us_person
}

# The customer is a US person;
targets_us_person if us_person

# the person whose data is sought is one (absent: unknown, and this test
# does not hold);
targets_us_person if demand.subject_us_person == true

# that person is located in the US (us_persons.located_in).
targets_us_person if rb.us_persons.located_in[demand.subject_location]

# UNVERIFIED_REQUESTER: the requesting authority is not verified against the
# agency registry (provider policy).
deficiency contains ["UNVERIFIED_REQUESTER", ""] if {
	demand.authority.verified == false
}

# EMERGENCY_UNVERIFIED: an emergency is claimed — by the demand, or by the
# instrument itself (us_emergency: claims_emergency) — and it was not
# confirmed by an out-of-band call back to the agency (provider policy).
deficiency contains ["EMERGENCY_UNVERIFIED", ""] if {
	emergency_claimed
	not verified_emergency
}

emergency_claimed if emergency

emergency_claimed if instrument.claims_emergency

# NO_TARGET / NO_CATEGORIES: no account, or no data category, is named
# (provider policy).
deficiency contains ["NO_TARGET", ""] if {
	count(demand.accounts) == 0
}

deficiency contains ["NO_CATEGORIES", ""] if {
	count(asked) == 0
}

# Deficiencies are listed sorted by code, then category (assess-contract.md).
deficiencies := [entry |
	some [code, category] in sort(deficiency)
	entry := deficiency_entry(code, category)
]

deficiency_entry(code, "") := {"code": code}

deficiency_entry(code, category) := {"code": code, "category": category} if category != ""

default legally_sufficient := false

legally_sufficient if count(deficiency) == 0
