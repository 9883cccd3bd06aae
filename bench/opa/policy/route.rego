# Rulebook.md §4 (customer-first, route) and §8 (what may be disclosed);
# rules/assess.go.
package writ.assess

import data.writ.rulebook as rb
import input.customer
import input.demand

# ---- Customer-first (§4; rulebook.yaml customer_first) ----

# Provider policy, principle 1: for these kinds of customer (enterprise,
# public_sector) the authority is redirected to the customer first.
default customer_first_applies := false

customer_first_applies if customer.kind in rb.customer_first.customer_kinds

# The exception that lets the authority come to the provider, the first that
# holds: national security (it binds the provider in secret, so it is never
# redirected), an emergency, then the exception the reviewer recorded. The
# first two apply by themselves, in this order (rulebook.yaml
# automatic_exceptions). It is reported whatever the customer's kind.
customer_first_exception := "national_security" if {
	national_security
} else := "emergency" if {
	emergency
} else := demand.customer_first_exception if {
	object.get(demand, "customer_first_exception", "") != ""
} else := null

# ---- What may be disclosed (§8) ----

# Nothing from a deficient demand; otherwise what was asked and can be
# compelled, less content the provider cannot read (customer_held keys).
disclosable := [] if {
	not legally_sufficient
} else := sort([category |
	some category in permitted
	category in asked
	readable(category)
])

readable(category) if category != "content"

readable(_) if content_accessible

# ---- Route (§4) ----

# The first that applies; 6. otherwise respond.
route := "reject" if {
	# 1. any deficiency
	count(deficiency) > 0
} else := "preserve" if {
	# 2. a preservation instrument
	instrument.preserve_only
} else := "redirect_to_customer" if {
	# 3. customer-first applies and there is no exception
	customer_first_applies
	customer_first_exception == null
} else := route_on_conflict if {
	# 4. any conflict of law
	count(conflict) > 0
} else := "no_data" if {
	# 5. nothing disclosable
	count(disclosable) == 0
} else := "respond"

# What the provider does about a conflict (conflicts.yaml on_conflict): it
# declines a voluntary request (us_emergency: nothing compels it, so there
# is nothing to challenge); it challenges demands it can answer in court —
# those of a US authority, a European Production Order (Art. 17 reasoned
# objection), an MLAT request (a US court order) — and otherwise refers the
# authority to an MLAT.
route_on_conflict := "reject" if {
	instrument_code in rb.on_conflict.decline.instruments
} else := "challenge" if {
	rb.on_conflict.challenge.authority_countries[authority_country]
} else := "challenge" if {
	instrument_code in rb.on_conflict.challenge.instruments
} else := "refer_to_mlat"
