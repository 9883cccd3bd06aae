package notify

import (
	"testing"

	"writ"
	"writ/rules"
)

func TestAuthoritiesOfTheUnionAreWrittenToInTheDemandsLanguage(t *testing.T) {
	rb, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, demand, country, want string
	}{
		{"an EU authority, in the demand's language", "fr", "DE", "fr"},
		{"an EU authority, the demand's language not stated: its country's", "", "DE", "de"},
		{"an EU authority, a language writ does not speak: its country's", "pl", "AT", "de"},
		{"an EU authority of a country writ has no language of: English", "", "PL", "en"},
		{"an authority outside the Union keeps its country's", "fr", "US", "en"},
		{"Switzerland is not in the Union", "de", "CH", "fr"},
	} {
		if got := authorityLanguage(rb, writ.Demand{Language: c.demand}, c.country); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
}
