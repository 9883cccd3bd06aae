package web

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"writ"
)

// sentence tells an event as a sentence for the timeline: "Rhea Reviewer
// moved the demand to In review: requester confirmed by call-back". The
// raw event stays one click away on the page. It is text: the template
// escapes it, whatever an agency wrote into it.
func sentence(e writ.Event) string {
	who := e.Actor
	if who == "" || who == "system" {
		who = "writ"
	}
	var m map[string]any
	_ = json.Unmarshal(e.Data, &m) // an event without an object still reads as its kind
	text := func(k string) string { s, _ := m[k].(string); return s }
	var b strings.Builder
	b.WriteString(who + " ")
	switch e.Kind {
	case "demand.transition":
		to := text("to")
		if to == string(writ.StateClosed) {
			b.WriteString("closed the demand")
			if o := text("outcome"); o != "" {
				b.WriteString(" (" + label(o) + ")")
			}
		} else {
			fmt.Fprintf(&b, "moved the demand to %s", label(to))
		}
		if r := text("rationale"); r != "" {
			b.WriteString(": " + r)
		}
	case "demand.received":
		fmt.Fprintf(&b, "received the demand; route %s under rulebook %v", label(text("route")), m["rulebook"])
	case "demand.updated":
		b.WriteString("changed the demand")
		if ch, ok := m["changes"].(map[string]any); ok {
			var names []string
			for k := range ch {
				names = append(names, fieldWords(k))
			}
			if len(names) > 0 {
				b.WriteString(": " + strings.Join(sorted(names), ", "))
			}
		}
	case "demand.note":
		b.WriteString("wrote a note: " + text("body"))
	case "document.added":
		fmt.Fprintf(&b, "attached %s", text("name"))
	case "emergency.callback":
		fmt.Fprintf(&b, "called %s: %s", text("number"), strings.ToLower(label(text("outcome"))))
	case "objection.decided":
		fmt.Fprintf(&b, "decided the objection: %s", strings.ToLower(label(text("decision"))))
		if r := text("rationale"); r != "" {
			b.WriteString(" — " + r)
		}
	case "production.file":
		fmt.Fprintf(&b, "added %s to the production (SHA-256 %s)", text("name"), text("sha256"))
	case "production.available":
		fmt.Fprintf(&b, "made the production available to the agency: %v file(s), at most %v downloads", m["files"], m["download_limit"])
	case "production.downloaded":
		fmt.Fprintf(&b, "downloaded %s from the production", text("name"))
	case "production.certificate_drafted":
		fmt.Fprintf(&b, "drafted the certificate of authenticity of the production's %v file(s), for a custodian to sign", m["files"])
	case "production.certified":
		fmt.Fprintf(&b, "signed the certificate of authenticity as custodian of records (%s), with an %s (SHA-256 %s)", text("title"), text("second_factor"), text("certificate_sha256"))
	case "production.certificate_downloaded":
		b.WriteString("downloaded the certificate of authenticity")
	case "agency.replied", "customer.object":
		b.WriteString(label(e.Kind))
		for _, k := range []string{"message", "grounds"} {
			if t := text(k); t != "" {
				b.WriteString(": " + t)
			}
		}
	default:
		b.WriteString(label(e.Kind))
	}
	return b.String()
}

// rawEvent is the event as recorded, indented, for the page's details.
func rawEvent(e writ.Event) string {
	out, err := json.MarshalIndent(map[string]any{"kind": e.Kind, "actor": e.Actor, "at": e.At, "data": e.Data}, "", "  ")
	if err != nil {
		return string(e.Data)
	}
	return string(out)
}

// fieldWords names a demand's field as words.
func fieldWords(field string) string {
	switch field {
	case "nondisclosure":
		return "non-disclosure order"
	case "assignee_id":
		return "assignee"
	case "due":
		return "due date"
	case "data_categories":
		return "data categories (narrowed)"
	}
	return strings.ToLower(humanize(field))
}

func sorted(s []string) []string {
	slices.Sort(s)
	return s
}
