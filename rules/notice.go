package rules

// notice is rulebook.md §5: when the customer is told, the first rule that
// applies. A customer-first exception never delays the notice; only a
// national-security prohibition, a non-disclosure order, the
// confidentiality of an EU order or an emergency do.
func (rb *Rulebook) notice(f *facts, route string) Notice {
	d := f.d
	var n Notice
	extra := []string{"objection_window", rb.objectionWindow.Text}
	key := ""
	switch {
	case f.nationalSecurity:
		n.Timing = NoticeProhibited
	case d.Nondisclosure != nil:
		n.Timing = NoticeDelayed
		key = noticeDelayedForever
		basis := d.Nondisclosure.Basis
		if basis == "" {
			basis = "basis not stated"
		}
		extra = append(extra, "basis", basis)
		if u := d.Nondisclosure.Until; u != nil {
			until := *u
			n.Until = &until
			key = NoticeDelayed
			extra = append(extra, "until", until.String(), "review_at", formatTime(rb.noticeReview(until)))
		}
	case f.inst.confidential && !d.NoticePermitted:
		// The Regulation's confidentiality, in force or not, whatever the
		// route: when the person is told is for the issuing authority.
		n.Timing = NoticeDelayed
		key = noticeConfidential
	case route == RouteReject || route == RouteReferToMLAT || route == RoutePreserve || route == RouteNoData:
		n.Timing = NoticeNone
	case f.emergency:
		n.Timing = NoticeAfterEmergency
	case route == RouteRedirectToCustomer:
		n.Timing = NoticeWithRedirect
		n.SendAt = &f.received
	default:
		n.Timing = NoticeBeforeDisclosure
		n.SendAt = &f.received
	}
	if n.SendAt != nil {
		extra = append(extra, "send_at", formatTime(*n.SendAt))
	}
	if key == "" {
		key = n.Timing
	}
	n.Message = rb.noticeText[key].render(f, extra...)
	return n
}
