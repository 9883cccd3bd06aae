# Rulebook.md §9: how the half-yearly transparency report counts the demand
# (a rule of the report, not of the assessment; rules/transparency.go,
# rulebook.yaml transparency). opa-bench compares it with what writ's rules
# package says of the same case, under each structure of 50 U.S.C. 1874(a).
package writ.assess

import data.writ.rulebook as rb
import input.demand

# How the demand is counted under each structure of 1874(a) (a1 to a4):
#   "left_out"  a demand of a foreign national-security authority, in no
#               figure unless transparency.include_foreign_national_security;
#   "bands"     US national-security process (transparency.classes: us_nsl,
#               us_fisa_order, us_fisa_702_directive), reported only in bands
#               of the structure's width, in the figure its class goes to
#               ("combined", or separately nsl / fisa_contents /
#               fisa_non_contents), for the structure's period;
#   "exact"     every other demand: in the exact figures.
# The structure in use is transparency.national_security_bands.
report_counting := {code: counting(structure) |
	some code, structure in rb.transparency.structures
}

counting(structure) := {"counted": "left_out", "figure": null, "band": null, "period": null} if {
	foreign_national_security
	not rb.transparency.include_foreign_national_security
} else := {"counted": "exact", "figure": null, "band": null, "period": null} if {
	foreign_national_security
} else := {"counted": "bands", "figure": figure, "band": structure.band, "period": period} if {
	[figure, period] := banded_figure(structure)
} else := {"counted": "exact", "figure": null, "band": null, "period": null}

# A national-security authority of another country than the provider's
# (1874 governs only US process, and foreign secrecy laws may forbid even
# an aggregate count). Included by the setting, it is counted like every
# other demand of its country, in exact figures.
foreign_national_security if {
	demand.authority.kind == "national_security"
	authority_country != rb.provider.home_country
}

# Combined figures (a3, a4) have one period; separate ones (a1, a2) count
# NSLs for nsl_period and FISA process for fisa_period.
banded_figure(structure) := ["combined", structure.period] if {
	class
	structure.figures == "combined"
} else := [class, structure.nsl_period] if {
	class == "nsl"
} else := [class, structure.fisa_period]

# The class of US national-security process: fisa_contents_if_content_asked
# (a FISA order) counts with contents orders when it asks for content,
# otherwise with non-contents orders.
class := "fisa_contents" if {
	rb.transparency.classes[instrument_code] == "fisa_contents_if_content_asked"
	"content" in asked
} else := "fisa_non_contents" if {
	rb.transparency.classes[instrument_code] == "fisa_contents_if_content_asked"
} else := rb.transparency.classes[instrument_code]
