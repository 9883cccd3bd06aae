# writ's rulebook v2 in Rego: the assessment of one case.
#
# What this policy computes: the whole assessment of the contract
# (assess-contract.md) except the `message` texts, which are for people and
# which a comparison ignores:
#   legally_sufficient, deficiencies (code, and category for
#   CATEGORY_NOT_PERMITTED), permitted_categories, disclosable_categories,
#   content_accessible, route, customer_first, notice (timing, send_at,
#   until), conflicts, comity, deadlines, notify_authorities (code, country,
#   authority), flags.
# Beside it, transparency.rego says how the half-yearly report counts the
# demand (rulebook.md §9), which opa-bench compares separately.
#
# Where the law comes from: the rulebook's data — instruments and their
# in-force windows, requester kinds, country profiles, lists of countries,
# conflicts of law, the provider's settings and policy, the directory of
# data protection authorities — is not written here. It is the data document
# data.writ.rulebook, converted by opa-bench (data.go) from the very files of
# writ's built-in rulebook (rules/rulebook/*.yaml). The lists of countries
# are already expanded there (Rego has no recursion), every set of countries
# is an object {"DE": true, ...} so that a lookup is not a search, and
# periods ("7 days") are given in nanoseconds (*_ns). Dates (in_force_from,
# in_force_until) and the enforcing state's clock (an IANA time zone) are as
# written; the policy does its own calendar arithmetic with OPA's time.*
# functions. The rules below are those of rules/*.go, section by section of
# rulebook.md.
#
# Input: a case in the contract's JSON form, as writ decoded and validated it
# (Rulebook.DecodeCase). Like writ's Assess, the policy expects a valid case.
#
# Files of this package:
#   assess.rego        this file: the assessment, put together
#   facts.rego         terms and §1: what the rules ask of a case, worked out once
#   deficiencies.rego  rulebook.md §2
#   conflicts.rego     rulebook.md §3
#   route.rego         rulebook.md §4 (customer-first, route) and §8 (what may be disclosed)
#   notice.rego        rulebook.md §5
#   deadlines.rego     rulebook.md §6, with the enforcing state's calendar
#   comity.rego        rulebook.md §7
#   flags.rego         rulebook.md §8 (authorities to notify, flags)
#   transparency.rego  rulebook.md §9 (how the report counts the demand)
package writ.assess

import data.writ.rulebook as rb

# The assessment, with the contract's keys; every list sorted as the contract
# says (rulebook.md §8, assess-contract.md "Output").
assessment := {
	"rulebook": rb.version,
	"legally_sufficient": legally_sufficient,
	"deficiencies": deficiencies,
	"permitted_categories": sort(permitted),
	"disclosable_categories": disclosable,
	"content_accessible": content_accessible,
	"route": route,
	"customer_first": {
		"applies": customer_first_applies,
		"exception": customer_first_exception,
	},
	"notice": {
		"timing": notice_timing,
		"send_at": notice_send_at,
		"until": notice_until,
	},
	"conflicts": [{"code": code} | some code in sort(conflict)],
	"comity": {
		"statutory_motion": statutory_motion,
		"common_law_challenge": common_law_challenge,
	},
	"deadlines": deadlines,
	"notify_authorities": notify_authorities,
	"flags": sort(flag),
}
