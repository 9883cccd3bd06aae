# Rulebook.md §2, deficiencies: every reason the demand is legally
# insufficient (rules/deficiencies.go). Any one of them makes the demand
# legally insufficient. Each is a pair [code, category]; the category is
# given only for CATEGORY_NOT_PERMITTED, and is "" otherwise.
package writ.assess

import input.demand

# WRONG_JURISDICTION: the authority's country may not use the instrument
# (the instrument's authority_countries).
deficiency contains ["WRONG_JURISDICTION", ""] if {
	not instrument.authority_countries[authority_country]
}

# JUDGE_REQUIRED, for an instrument other than an EU order: it must be issued
# by one of its issued_by (a judge; for au_ipo also a tribunal member), and was
# not. "anyone" may issue the others.
deficiency contains ["JUDGE_REQUIRED", ""] if {
	not eu_order
	instrument.issued_by != "anyone"
	not demand.issued_by in instrument.issued_by
}

# CATEGORY_NOT_PERMITTED: one entry per category asked that the instrument
# cannot compel. A preservation instrument names what to keep, not what to
# hand over, so it never gives this code (§1); nor does an EU order (below).
deficiency contains ["CATEGORY_NOT_PERMITTED", category] if {
	not eu_order
	not instrument.preserve_only
	some category in asked
	not category in instrument.compels
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
	may_order := object.get(instrument.effective_issuer, ["compels", effective_issuer], [])
	some category in asked
	not category in may_order
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

below_threshold(_) if object.get(demand, "offence_max_years", null) == null

below_threshold(min_years) if demand.offence_max_years < min_years

# AGREEMENT_EXCLUDES_US_PERSONS: an executive-agreement order (uk_copo,
# au_ipo) about a US person (18 U.S.C. 2523(b)(4)(A)-(B)).
deficiency contains ["AGREEMENT_EXCLUDES_US_PERSONS", ""] if {
	instrument.excludes_us_persons
	us_person
}

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
	not emergency_confirmed
}

emergency_claimed if emergency

emergency_claimed if instrument.claims_emergency

emergency_confirmed if {
	emergency
	demand.emergency.verified_by_callback == true
}

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
