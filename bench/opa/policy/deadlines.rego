# Rulebook.md §6, deadlines (rules/deadlines.go). All run from receipt
# whatever the route: a rejected European Production Order must still be
# answered in time, and a rejected preservation order is still preserved
# until it is resolved. An instrument not in force runs none of its own
# deadlines, since its law does not (yet, or any more) apply; a date the
# authority wrote still gives RESPOND, and a non-disclosure order NOTICE.
package writ.assess

import data.writ.rulebook as rb
import input.demand

# ---- The instrument's own deadlines (its "deadlines" in the YAML) ----

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

# When an instrument's deadline applies (its "when" in the YAML).
deadline_applies("always")

deadline_applies("needs_notification") if needs_notification

deadline_applies("conflict") if count(conflict) > 0

deadline_applies("emergency_without_validation") if emergency_waiver

deadline_applies("no_due") if not has_due

has_due if is_string(demand.due)

# A deadline's period for the requesting country: the country's own
# (by_authority_country: BR 60 days to preserve, IN 72 hours to respond)
# when the rulebook gives one, else the default; undefined when there is
# neither (India's RESPOND for any other country).
period_ns(deadline) := period if {
	period := deadline.by_authority_country_ns[authority_country]
} else := period if {
	period := deadline.within_ns
}

# When it falls due: in an emergency its in_emergency period, counted in
# hours (Art. 10(4): 8 hours to respond, 96 hours for the enforcing
# authority); a period counted on the enforcing state's calendar ends with
# the calendar day (below); otherwise receipt + the period. A deadline
# not_after_due (OBJECTION: "the earlier of the time specified for
# compliance or 14 days") is never later than the demand's due date.
deadline_due(deadline, period) := due_ns if {
	deadline.not_after_due
	due_ns < deadline_at(deadline, period)
} else := deadline_at(deadline, period)

deadline_at(deadline, period) := received_ns + deadline.in_emergency_ns if {
	emergency
	is_number(deadline.in_emergency_ns)
} else := calendar_days_end(received_ns, period) if {
	deadline.days_counted == "enforcing_state_calendar"
} else := received_ns + period

# Every row of the instrument's deadlines that applies, by its index.
applicable_deadline[i] := deadline_due(deadline, period) if {
	in_force
	some i, deadline in instrument.deadlines
	deadline_applies(deadline.when)
	period := period_ns(deadline)
}

# Of several rows with one code, the first that applies.
instrument_deadline contains [due, code] if {
	some i, due in applicable_deadline
	code := instrument.deadlines[i].code
	not earlier_row(i, code)
}

earlier_row(i, code) if {
	some j, _ in applicable_deadline
	j < i
	instrument.deadlines[j].code == code
}

# ---- The enforcing state's calendar (§6, Art. 10(2)) ----

# The end of a period of days counted on the enforcing state's calendar
# (provider.eu_representative_timezone, Europe/Dublin; Reg. (EEC, Euratom)
# No 1182/71 Art. 3): the day of receipt is the local date of receipt and is
# not counted; the period ends with the last hour of its last day; a last day
# on a Saturday or a Sunday moves to the following Monday (public holidays
# are not modelled). The result is 00:00 local time on the day after the last
# day, in UTC.
#
# Calendar dates are written as the nanoseconds of their 00:00 UTC, so that
# adding days is adding 24 hours.
calendar_days_end(at, period) := local_midnight_ns(last_day + day_ns, zone) if {
	zone := rb.provider.eu_representative_timezone
	tenth_day := local_date_ns(at, zone) + period
	last_day := tenth_day + weekend_shift(tenth_day)
}

weekend_shift(date) := 2 * day_ns if {
	time.weekday(date) == "Saturday"
} else := day_ns if {
	time.weekday(date) == "Sunday"
} else := 0

# The local date of an instant in a zone.
local_date_ns(at, zone) := date_ns(time.format([at, zone, "2006-01-02"]))

# 00:00 local time on a date, as an instant. The offset from UTC is looked up
# at the wall-clock time taken as UTC, and again at the instant that gives,
# as Go's time.Date does, so that a date next to a change of summer time
# gives the same instant as writ's.
local_midnight_ns(date, zone) := date - utc_offset_ns(date - utc_offset_ns(date, zone), zone)

# How far the zone's wall clock is ahead of UTC at an instant (to the second).
utc_offset_ns(at, zone) := time.parse_ns("2006-01-02T15:04:05", time.format([at, zone, "2006-01-02T15:04:05"])) - at

# ---- Deadlines that do not belong to one instrument ----

due_ns := to_second(time.parse_rfc3339_ns(demand.due))

# RESPOND: a demand with a due date, by that date, unless the instrument in
# force gives its own time to respond (an EPOC's, India's 72 hours when no
# date is given).
general_deadline contains [due_ns, "RESPOND"] if {
	has_due
	not instrument_respond
}

instrument_respond if some [_, "RESPOND"] in instrument_deadline

# COMITY_MOTION: the statutory motion is available; file within 14 days.
general_deadline contains [received_ns + rb.comity.statutory_motion.file_within_ns, "COMITY_MOTION"] if {
	statutory_motion
}

# NOTICE: the notice is delayed by a non-disclosure order with an end date;
# the legal team reviews it on the day after that last day, at
# policy.notice_review_hour_utc (12:00 UTC: the order has then lapsed in
# every US time zone).
general_deadline contains [review_ns, "NOTICE"] if {
	notice_timing == "delayed"
	review_ns := (nondisclosure_until_ns + day_ns) + (rb.policy.notice_review_hour_utc * hour_ns)
}

# EARLIEST_DISCLOSURE: notice before disclosure; nothing is disclosed before
# the objection window (policy.objection_window, 7 days) ends.
general_deadline contains [received_ns + rb.policy.objection_window_ns, "EARLIEST_DISCLOSURE"] if {
	notice_timing == "before_disclosure"
}

all_deadlines := instrument_deadline | general_deadline

# Deadlines are listed by due time, then code.
deadlines := [{"code": code, "due": format_time(due)} |
	some [due, code] in sort(all_deadlines)
]
