# writ's rulebook v1 in Rego: the assessment of one case.
#
# What this policy computes: the whole assessment of the contract
# (assess-contract.md) except the `message` texts, which are for people and
# which a comparison ignores:
#   legally_sufficient, deficiencies (code, and category for
#   CATEGORY_NOT_PERMITTED), permitted_categories, disclosable_categories,
#   content_accessible, route, customer_first, notice (timing, send_at,
#   until), conflicts, comity, deadlines, notify_authorities, flags.
#
# Where the law comes from: the rulebook's data — instruments, country lists,
# conflicts of law, the provider's settings and policy — is not written here.
# It is the data document data.writ.rulebook, converted by opa-bench (data.go)
# from the very files of writ's built-in rulebook (rules/rulebook/*.yaml).
# The lists of countries are already expanded there (Rego has no recursion),
# every set of countries is an object {"DE": true, ...} so that a lookup is
# not a search, and periods ("7 days") are given in nanoseconds (*_ns).
# The rules below are those of rules/*.go, section by section of rulebook.md.
#
# Input: a case in the contract's JSON form, as writ decoded and validated it
# (Rulebook.DecodeCase). Like writ's Assess, the policy expects a valid case.
#
# Files of this package:
#   assess.rego        this file: the assessment, put together
#   facts.rego         what the rules ask of a case, worked out once
#   deficiencies.rego  rulebook.md §2
#   conflicts.rego     rulebook.md §3
#   route.rego         rulebook.md §4, §5 and §8 (customer-first, route, notice, disclosure)
#   deadlines.rego     rulebook.md §6 and §7 (deadlines, comity)
#   flags.rego         rulebook.md §8 (authorities to notify, flags)
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
