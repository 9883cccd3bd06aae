package rules

import "slices"

// The codes an assessment speaks in, for those who name them in words
// (the catalogs of package i18n, which a test holds to these lists).

// Routes lists the routes (rulebook.md §4).
func Routes() []string { return slices.Clone(allRoutes) }

// NoticeTimings lists the timings of the notice to the customer
// (rulebook.md §5).
func NoticeTimings() []string { return slices.Clone(allTimings) }

// DeficiencyCodes lists the deficiencies (rulebook.md §2).
func DeficiencyCodes() []string { return slices.Clone(allDeficiencies) }

// FlagCodes lists the flags (rulebook.md §8).
func FlagCodes() []string { return slices.Clone(allFlags) }

// DeadlineCodes lists the deadlines (rulebook.md §6).
func DeadlineCodes() []string {
	return []string{DeadlineRespond, DeadlineEnforcingAuthorityWindow, DeadlineConflictObjection, DeadlinePreserveUntil,
		DeadlineValidation, DeadlineComityMotion, DeadlineObjection, DeadlineNotice, DeadlineEarliestDisclosure}
}
