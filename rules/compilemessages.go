package rules

import (
	"slices"
	"strings"
)

func (c *compiler) compileMessages(main *rulebookFile) {
	rb := c.rb
	cf := main.CustomerFirst.Messages
	rb.customerFirstText.applies = parseMessage(fileMain, cf.Applies, ctxCustomerFirst, c.errs)
	rb.customerFirstText.excepted = parseMessage(fileMain, cf.Excepted, ctxCustomerFirst, c.errs)
	rb.customerFirstText.notApplicable = parseMessage(fileMain, cf.NotApplicable, ctxCustomerFirst, c.errs)
	rb.customerFirstText.notApplicableExcepted = parseMessage(fileMain, cf.NotApplicableExcepted, ctxCustomerFirst, c.errs)
	rb.customerFirstText.automatic = parseMessage(fileMain, cf.Automatic, ctxCustomerFirst, c.errs)

	n := main.Notice
	rb.noticeText = map[string]message{
		NoticeProhibited:       parseMessage(fileMain, n.Prohibited, ctxNotice, c.errs),
		NoticeDelayed:          parseMessage(fileMain, n.Delayed, ctxNotice, c.errs),
		noticeDelayedForever:   parseMessage(fileMain, n.DelayedIndefinitely, ctxNotice, c.errs),
		noticeConfidential:     parseMessage(fileMain, n.Confidential, ctxNotice, c.errs),
		NoticeNone:             parseMessage(fileMain, n.None, ctxNotice, c.errs),
		NoticeAfterEmergency:   parseMessage(fileMain, n.AfterEmergency, ctxNotice, c.errs),
		NoticeWithRedirect:     parseMessage(fileMain, n.WithRedirect, ctxNotice, c.errs),
		NoticeBeforeDisclosure: parseMessage(fileMain, n.BeforeDisclosure, ctxNotice, c.errs),
	}

	rb.deadlineText = c.messageTable(main.Deadlines, explainedByRulebook, "deadline", ctxDeadline)
	rb.deficiencyText = c.messageTable(main.Deficiencies, allDeficiencies, "deficiency", ctxDeficiency)
	rb.flagText = map[string]string{}
	for code := range c.messageTable(main.Flags, allFlags, "flag", ctxPlain) {
		for _, e := range main.Flags {
			if e.Key.Value == code {
				rb.flagText[code] = e.Value.Text
			}
		}
	}
}

// Keys of the notice messages beside the timings: a non-disclosure order
// without end date, and an EU order kept confidential.
const (
	noticeDelayedForever = "delayed_indefinitely"
	noticeConfidential   = "confidential"
)

// messageTable reads a mapping of code → message that must cover exactly
// the codes writ knows.
func (c *compiler) messageTable(entries ordered[messageText], codes []string, what string, ctx msgContext) map[string]message {
	out := map[string]message{}
	for _, e := range entries {
		if !slices.Contains(codes, e.Key.Value) {
			c.errorf(fileMain, e.Key.Line, "unknown %s %q (known: %s)", what, e.Key.Value, strings.Join(codes, ", "))
			continue
		}
		out[e.Key.Value] = parseMessage(fileMain, e.Value, ctx, c.errs)
	}
	for _, code := range codes {
		if _, ok := out[code]; !ok {
			c.errorf(fileMain, 0, "no message for %s %s", what, code)
		}
	}
	return out
}

func (c *compiler) compileNotify(main *rulebookFile) {
	rb := c.rb
	d := main.NotifyAuthorities.DPA
	known := set{}
	for _, r := range rb.conflicts {
		known[r.code] = true
	}
	rb.notifyDPA.conflicts = c.codes(fileMain, d.Conflicts, known, "conflict")
	rb.notifyDPA.routes = c.codes(fileMain, d.Routes, setOf(allRoutes...), "route")
	rb.notifyDPA.unlessNotice = c.codes(fileMain, d.UnlessNotice, setOf(allTimings...), "notice timing")
	rb.notifyDPA.subdivisionKinds = c.codes(fileMain, d.SubdivisionForKinds, setOf(customerKinds...), "customer kind")
	rb.notifyDPA.text = parseMessage(fileMain, d.Message, ctxNotify, c.errs)
}

func (c *compiler) compileDPAs(doc *dpasFile) {
	rb := c.rb
	rb.dpas = map[string]DPA{}
	area, ok := c.list(doc.For.Value)
	if !ok {
		c.errorf(fileDPAs, doc.For.Line, "unknown list %q", doc.For.Value)
		return
	}
	if c.listsBroken {
		return
	}
	for _, e := range doc.Authorities {
		code := e.Key.Value
		country := code
		if subdivisionPattern.MatchString(code) {
			// A subdivision whose authority supervises private bodies
			// (ISO 3166-2): it must say when it was checked.
			country = code[:2]
			if strings.TrimSpace(e.Value.Checked) == "" {
				c.errorf(fileDPAs, e.Key.Line, "the authority of %s needs checked: when and against what its details were checked, or that they were not", code)
			}
		}
		if _, known := rb.countries[country]; !known {
			c.errorf(fileDPAs, e.Key.Line, "unknown country code %q (see %s)", code, fileCountries)
			continue
		}
		if !area[country] {
			c.errorf(fileDPAs, e.Key.Line, "%s is not in the list %s, so it has no data protection authority here", code, doc.For.Value)
			continue
		}
		a := e.Value
		if strings.TrimSpace(a.Name) == "" || strings.TrimSpace(a.Address) == "" {
			c.errorf(fileDPAs, e.Key.Line, "the authority of %s needs a name and an address", code)
		}
		rb.dpas[code] = DPA{Key: code, Country: country, Name: a.Name, Email: a.Email, Address: a.Address, Website: a.Website, Checked: strings.TrimSpace(a.Checked)}
	}
	for _, code := range area.sorted() {
		if _, ok := rb.dpas[code]; !ok {
			c.errorf(fileDPAs, doc.For.Line, "%s is in the list %s but has no data protection authority", code, doc.For.Value)
		}
	}
	if rb.euRepresentative != "" && !area[rb.euRepresentative] {
		c.errorf(fileMain, c.euRepLine, "provider.eu_representative_country %s is not in the list %s", rb.euRepresentative, doc.For.Value)
	}
}
