package requester

import "testing"

func TestCheck(t *testing.T) {
	fbi := []string{"fbi.gov", "ic.fbi.gov"}
	all := []string{"fbi.gov", "ic.fbi.gov", "met.police.uk", "bka.bund.de", "politie.nl", "springfield-pd.example"}
	cases := []struct {
		address, code, resembles string
	}{
		{"agent@fbi.gov", Registered, ""},
		{"Agent Smith <agent@FBI.GOV>", Registered, ""},
		{"agent@field.ic.fbi.gov", Registered, ""},
		{"agent@fbl.gov", Lookalike, "fbi.gov"},        // i → l
		{"agent@fb1.gov", Lookalike, "fbi.gov"},        // digit one
		{"agent@fbi.gov.us", Lookalike, "fbi.gov"},     // extra label
		{"agent@fbi-gov.com", Lookalike, "fbi.gov"},    // name embedded
		{"agent@xn--fb-ioc.gov", Lookalike, "fbi.gov"}, // punycode of fbі.gov, Cyrillic і
		{"agent@fbі.gov", Lookalike, "fbi.gov"},        // the same, unencoded
		{"officer@met.po1ice.uk", Lookalike, "met.police.uk"},
		{"officer@rnet.police.uk", Lookalike, "met.police.uk"}, // rn reads as m
		{"k@bka.bund.de", OtherAgency, "bka.bund.de"},
		{"chief@gmail.com", Unregistered, ""},
		{"chief@police.example", Unregistered, ""},
		{"not an address", Malformed, ""},
	}
	for _, c := range cases {
		f := Check(c.address, fbi, all)
		if f.Code != c.code || f.Resembles != c.resembles {
			t.Errorf("Check(%q) = %+v, want %s resembling %q", c.address, f, c.code, c.resembles)
		}
		if f.Message() == "" {
			t.Errorf("no message for %+v", f)
		}
	}
}

func TestPunycode(t *testing.T) {
	cases := map[string]string{"xn--mnchen-3ya.de": "münchen.de", "ic.xn--fb-ioc.gov": "ic.fbі.gov", "xn--bcher-kva.example": "bücher.example",
		"fbi.gov": "fbi.gov"}
	for in, want := range cases {
		if got := decodeLabels(in); got != want {
			t.Errorf("decodeLabels(%q) = %q, want %q", in, got, want)
		}
	}
	// A label that does not decode is kept as it is.
	for _, bad := range []string{"xn--é-x.gov", "xn--zzzzzzzzzzzzzzzzzzzzzzzz.gov", "xn---.gov"} {
		if got := decodeLabels(bad); got != bad {
			t.Errorf("decodeLabels(%q) = %q, want it kept", bad, got)
		}
	}
}

func FuzzCheck(f *testing.F) {
	f.Add("agent@xn--fb-ioc.gov")
	f.Add("a@b")
	f.Fuzz(func(t *testing.T, address string) {
		c := Check(address, []string{"fbi.gov"}, []string{"fbi.gov", "met.police.uk"})
		if c.Code == Registered && c.Domain != "fbi.gov" && !onDomain(c.Domain, "fbi.gov") {
			t.Fatalf("%q counted as registered: %+v", address, c)
		}
	})
}
