package store

import (
	"writ"
	"writ/rules"
)

// Assessor is the rulebook's judgement of a demand. The store asks for it
// whenever a demand is taken in, changed or found assessed under an older
// rulebook, and records it with the change in the same transaction, so a
// stored assessment never lags its demand. Package casework's Assessor is
// writ's; the store itself never evaluates the rulebook.
type Assessor interface {
	// Assess assesses demand d of agency ag about customer c (the zero
	// Customer when the demand names no account the provider holds).
	// EINVALID when the demand's facts do not fit the rulebook.
	Assess(d *writ.Demand, ag writ.Agency, c writ.Customer) (rules.Assessment, error)
}
