# Rulebook.md §7, comity (rules/comity.go): the CLOUD Act's statutory motion
# and the common-law challenge, open only against US compulsory process in
# force from a US requester (us.yaml comity).
package writ.assess

import data.writ.rulebook as rb
import input.customer
import input.demand

# The statutory motion, 18 U.S.C. 2703(h)(2), whether or not the demand is
# deficient: a warrant of a US authority asks for content, the customer is
# not a US person, the person does not reside in the US (subject_residence
# absent or not US), and a qualifying foreign government (2703(h)(1)(A):
# GB, AU) is concerned.
default statutory_motion := false

statutory_motion if {
	in_force
	motion := rb.comity.statutory_motion
	instrument_code in motion.instruments
	motion.authority_countries[authority_country]
	asks_any(motion.categories)
	not us_person
	not motion.residence_not_in[object.get(demand, "subject_residence", "")]
	qualifying_government_concerned
}

# Any one of the customer's home country, the person's residence or a
# location sought is a qualifying foreign government.
qualifying_government_concerned if rb.comity.statutory_motion.qualifying_governments[customer.home_country]

qualifying_government_concerned if rb.comity.statutory_motion.qualifying_governments[demand.subject_residence]

qualifying_government_concerned if sought_in(rb.comity.statutory_motion.qualifying_governments)

# The common-law challenge (CLOUD Act §103(c)): US compulsory process —
# civil subpoenas included — from a US requester, the statutory motion is
# not available, and the demand collides with some foreign law.
default common_law_challenge := false

common_law_challenge if {
	in_force
	challenge := rb.comity.common_law_challenge
	instrument_code in challenge.instruments
	challenge.authority_countries[authority_country]
	not statutory_motion
	count(conflict) > 0
}
