package web

import "strings"

// labels are the words people read for the codes writ keeps: states,
// routes, deadlines, flags, deficiencies, conflicts, event kinds, error
// codes and the rest. They are kept here, in one place, so that a
// translation replaces one table. A code not listed is turned into words
// by humanize.
var labels = map[string]string{
	// Error codes.
	"EINVALID": "Check this", "ENOTFOUND": "Not found", "EFORBIDDEN": "Not allowed", "ECONFLICT": "Not now",
	"EPRECONDITION": "Changed meanwhile",
	"EUNAUTHORIZED": "Sign-in failed", "EINTERNAL": "Something went wrong", "ETOOLARGE": "Too large",
	"ETOOMANY": "Too many attempts", "EUNAVAILABLE": "Unavailable for a moment", "ESTORAGE": "Storage failed",
	// Deadlines.
	"RESPOND": "Answer the demand", "OBJECTION": "Object to the order", "NOTICE": "Notify the customer",
	"EARLIEST_DISCLOSURE": "Earliest disclosure", "ENFORCING_AUTHORITY_WINDOW": "Enforcing authority's window",
	"CONFLICT_OBJECTION": "Raise the conflict of laws", "COMITY_MOTION": "File the comity motion",
	"PRESERVE_UNTIL": "Preserve until", "PRESERVE_UNTIL_PRODUCED": "Preserve until produced",
	"EMERGENCY_RESPONSE": "Answer the emergency", "VALIDATION": "Validation by the enforcing authority",
	// Flags.
	"EMERGENCY": "Emergency", "NATIONAL_SECURITY": "National security", "INDEFINITE_NDO": "Gag order without end",
	"NDO_OVER_ONE_YEAR": "Gag order over one year", "CONTENT_TECHNICALLY_UNAVAILABLE": "Content technically unavailable",
	"CROSS_BORDER": "Cross-border", "DPA": "Data protection authority",
	// Deficiencies and conflicts.
	"AGREEMENT_EXCLUDES_US_PERSONS": "The agreement excludes US persons", "CATEGORY_NOT_PERMITTED": "Category not permitted",
	"EMERGENCY_UNVERIFIED": "Emergency not confirmed by call-back", "INSTRUMENT_NOT_IN_FORCE": "Instrument not in force",
	"JUDGE_REQUIRED": "A judge must issue it", "NO_CATEGORIES": "No data categories named", "NO_TARGET": "No account named",
	"OBJECTION_WINDOW_EXCEEDS_DEADLINE": "The objection window runs past the deadline",
	"OFFENCE_THRESHOLD":                 "Offence below the threshold", "SERIOUS_CRIME_THRESHOLD": "Not a serious crime",
	"UNVERIFIED_REQUESTER": "Requester not verified", "VALIDATION_REQUIRED": "Validation required",
	"WRONG_JURISDICTION": "Wrong jurisdiction", "WRONG_REQUESTER_KIND": "Wrong kind of requester",
	// Requester checks.
	"LOOKALIKE_DOMAIN": "Look-alike domain", "MALFORMED_ADDRESS": "Malformed address",
	"OTHER_AGENCY_DOMAIN": "Another agency's domain", "UNREGISTERED_DOMAIN": "Unregistered domain",
	// States and outcomes.
	"in_review": "In review", "no_data": "No data", "content_disclosed": "Content disclosed",
	"non_content_disclosed": "Non-content disclosed", "review_due": "Order ended: confirm before notice",
	// Routes.
	"respond": "Respond", "redirect_to_customer": "Redirect to the customer", "refer_to_mlat": "Refer to a treaty request (MLAT)",
	"reject": "Reject", "challenge": "Challenge", "preserve": "Preserve only",
	// Notices and deadlines' status.
	"before_disclosure": "Before disclosure", "after_emergency": "After the emergency", "with_redirect": "With the redirect",
	"prohibited": "Prohibited", "not_before": "Not before", "met": "Met", "moot": "Moot", "open": "Open",
	// Call-backs, responses, custody.
	"not_confirmed": "Not confirmed", "no_answer": "No answer", "will_answer_agency": "Will answer the agency itself",
	"object": "Objection", "acknowledge": "Acknowledged", "customer_held": "Customer holds the keys",
	"customer_managed": "Customer-managed keys", "provider_managed": "Provider-managed keys",
	"customer_complicit": "Customer complicit", "customer_unavailable": "Customer unavailable",
	"notice_jeopardizes_investigation": "Notice would jeopardise the investigation",
	"email_outside_writ":               "E-mail sent outside writ", "registered_letter": "Registered letter", "in_person": "In person",
	"law_enforcement": "Law enforcement", "public_sector": "Public sector", "private_party": "Private party",
	"foreign_national_security": "Foreign national security",
	// Event kinds.
	"demand.received": "received the demand", "demand.transition": "moved the demand", "demand.updated": "changed the demand",
	"demand.note": "wrote a note", "document.added": "attached a document", "emergency.callback": "recorded a call-back",
	"agency.replied": "replied for the agency", "customer.object": "objected for the customer",
	"customer.acknowledge": "acknowledged the notice for the customer", "customer.will_answer_agency": "said the customer will answer the agency",
	"notice.email": "sent the notice by e-mail", "notice.webhook": "sent the notice by webhook", "redirect.letter": "sent the redirect letter",
	"authority.notice": "notified the authority", "authority.notification_drafted": "drafted the authority's notification",
	"authority.notification_withdrawn": "withdrew the authority's notification", "authority.notified": "recorded the authority as notified",
	"deadline.escalated": "escalated a deadline", "deadline.reminder_sent": "sent a deadline reminder",
	"demand.imported": "imported the demand", "demand.reassessed": "reassessed the demand",
	"document.audience": "changed who sees a document", "emergency.alert": "raised the emergency alert",
	"emergency.announced": "announced the emergency", "job.failed": "recorded a failed job",
	"nondisclosure.ended": "confirmed the gag order ended", "nondisclosure.extended": "recorded the gag order's extension",
	"notice.delivery_failed": "recorded a failed notice delivery", "notice.delivery_recorded": "recorded the notice's delivery",
	"notice.given": "gave the customer notice", "notice.retried": "retried the notice", "notice.sent": "sent the notice",
	"objection.decided": "decided the objection", "redirect.letter_sent": "sent the redirect letter",
	"production.file": "added a file to the production", "production.available": "made the production available",
	"production.downloaded": "downloaded a file of the production", "production.certificate_drafted": "drafted the certificate of authenticity",
	"production.certified": "signed the certificate of authenticity", "production.certificate_downloaded": "downloaded the certificate of authenticity",
	"message.posted": "posted a message", "message.pointer_sent": "e-mailed the other side that a message waits",
	"message.pointer":  "e-mailed that a message waits",
	"customer.created": "created the customer", "customer.key_custody_confirmed": "confirmed the customer's key custody",
	"customer.data_locations":  "changed the customer's data locations",
	"customer.notice_channels": "changed the customer's notice channels", "agency.created": "created the agency",
	"agency.verified": "verified the agency", "deadline.reminder": "sent a deadline reminder", "deadline.escalation": "escalated a deadline",
	// Documents.
	"application/pdf": "PDF", "image/png": "PNG image", "image/jpeg": "JPEG image", "image/tiff": "TIFF image",
	// Queue views.
	"emergencies": "Emergencies", "overdue": "Overdue", "due_today": "Due today", "due_this_week": "Due this week",
	"unassigned": "New and unassigned", "mine": "Mine", "approval": "Awaiting my approval",
	"objections": "Objections to decide", "undeliverable": "Notices undeliverable",
}

// sources name the law behind a code where it has one.
var sources = map[string]string{
	"OBJECTION":                  "Reg. (EU) 2023/1543 Art. 17",
	"ENFORCING_AUTHORITY_WINDOW": "Reg. (EU) 2023/1543 Art. 10(2)",
	"EARLIEST_DISCLOSURE":        "Reg. (EU) 2023/1543 Art. 10",
	"COMITY_MOTION":              "18 U.S.C. § 2703(h)",
	"CONFLICT_OBJECTION":         "Reg. (EU) 2023/1543 Art. 17",
	"NOTICE":                     "Trusted Cloud Principles: advance notice",
	"NATIONAL_SECURITY":          "50 U.S.C. § 1881a; 18 U.S.C. § 2709",
	"JUDGE_REQUIRED":             "18 U.S.C. § 2703(a)",
	"redirect_to_customer":       "Trusted Cloud Principles: government goes to the customer first",
}

// label turns a code (in_review, us_search_warrant, CROSS_BORDER) into
// words; the code itself stays in the page's title attributes and forms.
func label(code string) string {
	if code == "" {
		return "—"
	}
	if l, ok := labels[code]; ok {
		return l
	}
	return humanize(code)
}

// labelSource is a code's label with its legal source, where it has one.
func labelSource(code string) string {
	if src := sources[code]; src != "" {
		return label(code) + " (" + src + ")"
	}
	return label(code)
}

// humanize writes a code as words: "in_review" reads "In review".
func humanize(code string) string {
	s := strings.ReplaceAll(strings.ToLower(code), "_", " ")
	return strings.ToUpper(s[:1]) + s[1:]
}
