package rules

import (
	"slices"
	"strings"
)

// Messages in the rulebook are templates: "{instrument} cannot compel
// {category} data." Placeholders keep the numbers of the law in one place
// (a lawyer who changes "7 days" need not hunt for the sentence that
// repeats it) and let one sentence serve every instrument. Which
// placeholders a message may use depends on what it explains; a placeholder
// that its message cannot fill is a load error, never a blank at run time.

// msgContext names what a message explains.
type msgContext int

const (
	ctxPlain msgContext = iota // no placeholders: descriptions read as written
	ctxDeficiency
	ctxConflict
	ctxDeadline
	ctxNotice
	ctxCustomerFirst
	ctxComity
	ctxNotify
)

// commonVars are filled for every message about a case.
var commonVars = []string{"instrument", "instrument_code", "citation", "authority_country", "authority_kind", "customer_home", "issued_by", "received_at", "in_force"}

// contextVars are the extra placeholders of each context.
var contextVars = map[msgContext][]string{
	ctxDeficiency:    {"category", "min_years"},
	ctxConflict:      nil,
	ctxDeadline:      {"within", "due", "source"},
	ctxNotice:        {"send_at", "until", "review_at", "basis", "objection_window"},
	ctxCustomerFirst: {"exception", "exception_reason", "customer_kind"},
	ctxComity:        {"within", "qualifying"},
	ctxNotify:        {"country", "authority", "dpa_name", "dpa_contact"},
}

// message is a parsed template.
type message struct {
	parts []msgPart
}

type msgPart struct {
	literal string
	name    string // a placeholder when not empty
}

// parseMessage checks m's placeholders against ctx.
func parseMessage(file string, m messageText, ctx msgContext, errs *problems) message {
	if m.Text == "" {
		errs.add(file, m.Line, "the message is empty")
		return message{}
	}
	allowed := map[string]bool{}
	if ctx != ctxPlain {
		for _, v := range commonVars {
			allowed[v] = true
		}
	}
	for _, v := range contextVars[ctx] {
		allowed[v] = true
	}
	var msg message
	rest := m.Text
	for rest != "" {
		open := strings.IndexByte(rest, '{')
		if open < 0 {
			msg.parts = append(msg.parts, msgPart{literal: rest})
			break
		}
		end := strings.IndexByte(rest[open:], '}')
		if end < 0 {
			errs.add(file, m.Line, "unclosed { in message")
			break
		}
		name := rest[open+1 : open+end]
		if !allowed[name] {
			errs.add(file, m.Line, "unknown placeholder {%s} in message (this message may use %s)", name, placeholderList(allowed))
		}
		if open > 0 {
			msg.parts = append(msg.parts, msgPart{literal: rest[:open]})
		}
		msg.parts = append(msg.parts, msgPart{name: name})
		rest = rest[open+end+1:]
	}
	return msg
}

func placeholderList(allowed map[string]bool) string {
	if len(allowed) == 0 {
		return "none"
	}
	names := make([]string, 0, len(allowed))
	for n := range allowed {
		names = append(names, "{"+n+"}")
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

// render fills the template. extra holds name, value pairs that take
// precedence over the case's common values.
func (m message) render(f *facts, extra ...string) string {
	var b strings.Builder
	for _, p := range m.parts {
		if p.name == "" {
			b.WriteString(p.literal)
			continue
		}
		b.WriteString(lookupVar(f, p.name, extra))
	}
	return b.String()
}

func lookupVar(f *facts, name string, extra []string) string {
	for i := 0; i+1 < len(extra); i += 2 {
		if extra[i] == name {
			return extra[i+1]
		}
	}
	if f == nil {
		return ""
	}
	switch name {
	case "instrument":
		return f.inst.name
	case "instrument_code":
		return f.inst.code
	case "citation":
		return f.inst.citation
	case "authority_country":
		return f.d.Authority.Country
	case "authority_kind":
		return kindWords(f.d.Authority.Kind)
	case "received_at":
		return formatTime(f.received)
	case "in_force":
		return f.inst.inForceText
	case "customer_home":
		return f.c.Customer.HomeCountry
	case "issued_by":
		return f.d.IssuedBy
	}
	return ""
}
