# Rulebook.md §5, notice to the customer (rules/notice.go). A customer-first
# exception never delays the notice; only a national-security prohibition, a
# non-disclosure order, the confidentiality of an EU order or an emergency
# do.
package writ.assess

import input.demand

default nondisclosure_order := false

nondisclosure_order if demand.nondisclosure != null

# The non-disclosure order's last day, at 00:00 UTC; undefined when there is
# none or it is indefinite.
nondisclosure_until_ns := date_ns(demand.nondisclosure.until) if is_string(demand.nondisclosure.until)

# Rule 3: an EU order (eu_epoc, eu_epoc_pr: confidential in eu.yaml) is kept
# confidential, in force or not and whatever the route, unless its issuing
# authority permitted notice (Reg. (EU) 2023/1543 Art. 13).
default kept_confidential := false

kept_confidential if {
	instrument.confidential
	not demand.notice_permitted
}

# Nothing is disclosed on these routes, so no notice is due.
silent_routes := {"reject", "refer_to_mlat", "preserve", "no_data"}

# The first that applies; 7. otherwise before_disclosure: the customer is
# told at receipt, and nothing is disclosed before its objection window ends.
notice_timing := "prohibited" if {
	# 1. national security (18 U.S.C. 2709(c); 50 U.S.C. 1805, 1861, 1881a)
	national_security
} else := "delayed" if {
	# 2. a non-disclosure order
	nondisclosure_order
} else := "delayed" if {
	# 3. an EU order kept confidential
	kept_confidential
} else := "none" if {
	# 4. nothing is disclosed
	route in silent_routes
} else := "after_emergency" if {
	# 5. an emergency
	emergency
} else := "with_redirect" if {
	# 6. sent with the redirect, at receipt
	route == "redirect_to_customer"
} else := "before_disclosure"

notice_send_at := format_time(received_ns) if {
	notice_timing in {"with_redirect", "before_disclosure"}
} else := null

# until: the non-disclosure order's end date at 00:00:00Z. An EU order kept
# confidential has none: when the person is told is for the issuing
# authority.
notice_until := format_time(until_ns) if {
	notice_timing == "delayed"
	nondisclosure_order
	until_ns := nondisclosure_until_ns
} else := null
