# Rulebook.md §4 (route), §5 (notice to the customer) and §8 (what may be
# disclosed); rules/assess.go and rules/notice.go.
package writ.assess

import data.writ.rulebook as rb
import input.customer
import input.demand

# ---- Customer-first (§4 rule 3; rulebook.yaml customer_first) ----

# Provider policy, principle 1: for these kinds of customer (enterprise,
# public_sector) the authority is redirected to the customer first.
default customer_first_applies := false

customer_first_applies if customer.kind in rb.customer_first.customer_kinds

# The exception that lets the authority come to the provider: an emergency is
# one by itself, and wins over a recorded exception; otherwise the demand's
# customer_first_exception, if any. It is reported whatever the customer's
# kind.
customer_first_exception := "emergency" if {
	emergency
} else := demand.customer_first_exception if {
	object.get(demand, "customer_first_exception", "") != ""
} else := null

# ---- What may be disclosed (§8) ----

# Nothing from a deficient demand; otherwise what was asked and can be
# compelled, less content the provider cannot read (customer-managed keys).
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
# challenges demands it can answer in court — those of a US authority, a
# European Production Order (Art. 17 reasoned objection), an MLAT request
# (a US court order) — and otherwise refers the authority to an MLAT.
route_on_conflict := "challenge" if {
	rb.on_conflict.challenge.authority_countries[authority_country]
} else := "challenge" if {
	instrument_code in rb.on_conflict.challenge.instruments
} else := "refer_to_mlat"

# ---- Notice to the customer (§5) ----

default nondisclosure_order := false

nondisclosure_order if demand.nondisclosure != null

# The end of the non-disclosure order, 00:00 UTC of its date; undefined when
# there is none or it is indefinite.
nondisclosure_until_ns := date_ns(demand.nondisclosure.until) if is_string(demand.nondisclosure.until)

# Nothing is disclosed on these routes, so no notice is due.
silent_routes := {"reject", "refer_to_mlat", "preserve", "no_data"}

# The first that applies; 6. otherwise before_disclosure: the customer is
# told at receipt, and nothing is disclosed before its objection window ends.
notice_timing := "prohibited" if {
	# 1. national security (18 U.S.C. 2709(c); 50 U.S.C. 1805, 1861, 1881a)
	national_security
} else := "delayed" if {
	# 2. a non-disclosure order
	nondisclosure_order
} else := "none" if {
	# 3. nothing is disclosed
	route in silent_routes
} else := "after_emergency" if {
	# 4. an emergency
	emergency
} else := "with_redirect" if {
	# 5. sent with the redirect, at receipt
	route == "redirect_to_customer"
} else := "before_disclosure"

notice_send_at := format_time(received_ns) if {
	notice_timing in {"with_redirect", "before_disclosure"}
} else := null

notice_until := format_time(until_ns) if {
	notice_timing == "delayed"
	until_ns := nondisclosure_until_ns
} else := null
