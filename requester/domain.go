// Package requester checks who sent a demand: whether the e-mail address it
// came from belongs to the agency it claims to come from, or only looks as
// if it does. Forged "emergency" requests sent from look-alike or stolen
// police mailboxes are a real attack on providers; writ flags every
// address that is not on the agency's registered domains and never lets a
// flagged requester count as verified.
package requester

import (
	"fmt"
	"net/mail"
	"strings"
	"unicode/utf8"
)

// The findings of a domain check.
const (
	// Registered: the address is on one of the agency's registered domains
	// (or a subdomain of one).
	Registered = ""
	// Unregistered: the domain is not registered to any agency.
	Unregistered = "UNREGISTERED_DOMAIN"
	// Lookalike: the domain imitates a registered domain (edit distance,
	// homoglyphs, punycode, an extra label or TLD).
	Lookalike = "LOOKALIKE_DOMAIN"
	// OtherAgency: the domain is registered to another agency than the one
	// the demand claims to come from.
	OtherAgency = "OTHER_AGENCY_DOMAIN"
	// Malformed: the requester is not an e-mail address.
	Malformed = "MALFORMED_ADDRESS"
)

// Finding is the result of checking one address.
type Finding struct {
	Code   string // one of the constants; empty when registered
	Domain string // the address's domain
	// Resembles is the registered domain a look-alike imitates.
	Resembles string
}

// Message explains the finding to the legal team.
func (f Finding) Message() string {
	switch f.Code {
	case Registered:
		return fmt.Sprintf("%s is a registered domain of the agency", f.Domain)
	case Unregistered:
		return fmt.Sprintf("%s is not a registered domain of any agency: confirm the requester by calling the agency's registered number", f.Domain)
	case Lookalike:
		return fmt.Sprintf("%s imitates the registered domain %s: treat the demand as a possible forgery", f.Domain, f.Resembles)
	case OtherAgency:
		return fmt.Sprintf("%s is registered to another agency (%s), not to the one the demand names", f.Domain, f.Resembles)
	}
	return fmt.Sprintf("%q is not an e-mail address", f.Domain)
}

// Check examines the address a demand came from against the domains of the
// agency it names (own) and of every registered agency (all, which
// includes own).
func Check(address string, own, all []string) Finding {
	a, err := mail.ParseAddress(address)
	if err != nil {
		return Finding{Code: Malformed, Domain: address}
	}
	at := strings.LastIndexByte(a.Address, '@')
	if at < 0 {
		return Finding{Code: Malformed, Domain: address}
	}
	domain := strings.TrimSuffix(strings.ToLower(a.Address[at+1:]), ".")
	f := Finding{Domain: domain}
	for _, d := range own {
		if onDomain(domain, d) {
			return f
		}
	}
	for _, d := range all {
		if onDomain(domain, d) {
			f.Code, f.Resembles = OtherAgency, d
			return f
		}
	}
	for _, d := range all {
		if imitates(domain, strings.ToLower(d)) {
			f.Code, f.Resembles = Lookalike, d
			return f
		}
	}
	f.Code = Unregistered
	return f
}

// onDomain reports whether domain is d or a subdomain of d.
func onDomain(domain, d string) bool {
	d = strings.ToLower(d)
	return domain == d || strings.HasSuffix(domain, "."+d)
}

// imitates reports whether domain looks like the registered domain reg
// without being it.
func imitates(domain, reg string) bool {
	if domain == reg {
		return false
	}
	decoded := domain
	if strings.Contains(domain, "xn--") {
		decoded = decodeLabels(domain)
	}
	ds, rs := skeleton(decoded), skeleton(reg)
	if ds == rs {
		return true
	}
	// fbi.gov.example.com, fbi-gov.com, secure-fbi.gov: the registered
	// name embedded in another domain.
	flatD, flatR := strings.NewReplacer(".", "", "-", "").Replace(ds), strings.NewReplacer(".", "", "-", "").Replace(rs)
	if len(flatR) >= 5 && strings.Contains(flatD, flatR) {
		return true
	}
	// fbl.gov, fbi.gvo, fbii.gov: a small typing distance. Short names
	// need a closer match, or every three-letter domain would collide.
	limit := 1
	if utf8.RuneCountInString(rs) >= 10 {
		limit = 2
	}
	return distance(ds, rs) <= limit
}

// skeleton maps characters that look alike to one representative, in the
// spirit of Unicode's confusable skeletons (UTS #39), for the characters
// used to imitate Latin domain names.
func skeleton(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if m, ok := confusable(r); ok {
			b.WriteString(m)
			continue
		}
		b.WriteRune(r)
	}
	// Letter pairs that read as one letter.
	return strings.NewReplacer("rn", "m", "vv", "w", "cl", "d", "nn", "m").Replace(b.String())
}

// confusable maps a character commonly substituted for a Latin letter to
// that letter.
func confusable(r rune) (string, bool) {
	switch r {
	case '0', 'о', 'ο', 'ɵ', 'օ':
		return "o", true
	case '1', 'i', '|', 'і', 'ӏ', 'ι', 'ı', 'ℓ', 'ɩ':
		return "l", true
	case '3', 'е', 'ε':
		return "e", true
	case '5', 'ѕ':
		return "s", true
	case '8', 'в', 'β', 'ƅ':
		return "b", true
	case 'а', 'α', 'ɑ':
		return "a", true
	case 'ј':
		return "j", true
	case 'к', 'κ':
		return "k", true
	case 'м':
		return "m", true
	case 'н':
		return "h", true
	case 'р', 'ρ':
		return "p", true
	case 'с':
		return "c", true
	case 'т', 'τ':
		return "t", true
	case 'у':
		return "y", true
	case 'х', 'χ':
		return "x", true
	case 'ԁ':
		return "d", true
	case 'ԛ':
		return "q", true
	case 'ԝ':
		return "w", true
	case 'ɡ', 'ց':
		return "g", true
	case 'ν':
		return "v", true
	case 'υ', 'ս':
		return "u", true
	}
	return "", false
}

// distance is the Levenshtein distance between two strings, by rune.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
