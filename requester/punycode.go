package requester

import (
	"strings"

	"golang.org/x/net/idna"
)

// decodeLabels turns the punycode labels of a domain ("xn--…") back into
// Unicode, so that a homoglyph domain registered as punycode is compared by
// what it shows. A label that does not decode is kept as it is. The raw
// Punycode profile is used: a homoglyph is what is looked for, so labels
// that IDNA's stricter profiles would refuse are decoded all the same.
func decodeLabels(domain string) string {
	labels := strings.Split(domain, ".")
	for i, l := range labels {
		if !strings.HasPrefix(l, "xn--") {
			continue
		}
		if u, err := idna.Punycode.ToUnicode(l); err == nil {
			labels[i] = u
		}
	}
	return strings.Join(labels, ".")
}
