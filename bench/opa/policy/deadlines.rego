# Rulebook.md §6 (deadlines) and §7 (comity); rules/deadlines.go and
# rules/comity.go. All deadlines run from receipt whatever the route: a
# rejected European Production Order must still be answered in time, and a
# rejected preservation order is still preserved until it is resolved.
package writ.assess

import data.writ.rulebook as rb
import input.customer
import input.demand

# ---- Comity (§7): only for US compulsory process (us.yaml comity) ----

# The statutory motion, 18 U.S.C. 2703(h)(2): a warrant of a US authority asks
# for content, the customer is not a US person, and its home country is a
# qualifying foreign government (2703(h)(1)(A): GB, AU).
default statutory_motion := false

statutory_motion if {
	motion := rb.comity.statutory_motion
	instrument_code in motion.instruments
	motion.authority_countries[authority_country]
	asks_any(motion.categories)
	not us_person
	motion.customer_home_in[customer.home_country]
}

# The common-law challenge, 18 U.S.C. 2703(h)(5): US compulsory process from a
# US authority, the statutory motion is not available, and the demand
# collides with some foreign law.
default common_law_challenge := false

common_law_challenge if {
	challenge := rb.comity.common_law_challenge
	instrument_code in challenge.instruments
	challenge.authority_countries[authority_country]
	not statutory_motion
	count(conflict) > 0
}

# ---- Deadlines (§6) ----

# Art. 8 of Regulation (EU) 2023/1543: the enforcing authority is told of an
# order for the listed categories (traffic, content), unless the offence was
# committed in the issuing state and the person whose data is sought lives
# there. Absent facts count against the exemption.
needs_notification if {
	asks_any(instrument.enforcing_authority_notification.categories)
	not offence_and_subject_in_issuing_state
}

offence_and_subject_in_issuing_state if {
	demand.offence_in_issuing_state == true
	demand.subject_residence == authority_country
}

# When an instrument's own deadline applies (its "when" in the YAML).
deadline_applies("always")

deadline_applies("needs_notification") if needs_notification

deadline_applies("conflict") if count(conflict) > 0

deadline_applies("emergency_without_validation") if emergency_waiver

# An instrument's deadline runs for its in_emergency period in an emergency
# (Art. 10(4): 8 hours to respond, 96 hours for the enforcing authority),
# otherwise for its period (within).
period_ns(deadline) := deadline.in_emergency_ns if {
	emergency
	is_number(deadline.in_emergency_ns)
} else := deadline.within_ns

# The instrument's own deadlines (RESPOND, ENFORCING_AUTHORITY_WINDOW,
# CONFLICT_OBJECTION, PRESERVE_UNTIL, VALIDATION), each [due, code].
instrument_deadlines := [[received_ns + period_ns(deadline), deadline.code] |
	some deadline in instrument.deadlines
	deadline_applies(deadline.when)
]

# An instrument with its own time to respond (an EPOC) is not governed by the
# date the authority writes on it.
has_own_respond_deadline if {
	some deadline in instrument.deadlines
	deadline.code == "RESPOND"
}

# RESPOND: any other demand with a due date, by that date.
general_deadline contains [to_second(time.parse_rfc3339_ns(demand.due)), "RESPOND"] if {
	is_string(demand.due)
	not has_own_respond_deadline
}

# COMITY_MOTION: the statutory motion is available; file within 14 days.
general_deadline contains [received_ns + rb.comity.statutory_motion.file_within_ns, "COMITY_MOTION"] if {
	statutory_motion
}

# NOTICE: the notice is delayed by an order with an end date, due that day.
general_deadline contains [nondisclosure_until_ns, "NOTICE"] if {
	notice_timing == "delayed"
}

# EARLIEST_DISCLOSURE: notice before disclosure; nothing is disclosed before
# the objection window (policy.objection_window, 7 days) ends.
general_deadline contains [received_ns + rb.policy.objection_window_ns, "EARLIEST_DISCLOSURE"] if {
	notice_timing == "before_disclosure"
}

# Deadlines are listed by due time, then code.
deadlines := [{"code": code, "due": format_time(due)} |
	some [due, code] in sort(array.concat(instrument_deadlines, [d | some d in general_deadline]))
]
