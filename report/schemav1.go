package report

// Reports of SchemaV1 were published before rulebook v2: they banded every
// demand that met the national-security test, in bands of 250 for the
// report's half-year, and left nothing out. They are read so that the
// published ones keep their pages; their bytes, served as published, are
// what their hashes in the log are of.

// reportV1 is a report of SchemaV1: the fields of Report, with v1's
// national_security section in place of v2's (the outer field wins).
type reportV1 struct {
	Report
	NationalSecurity struct {
		BandWidth int    `json:"band_width"`
		Demands   string `json:"demands_band"`
		Accounts  string `json:"accounts_band"`
	} `json:"national_security"`
}

// parseV1 reads a report of SchemaV1 into a Report whose band section has
// the one figure v1 gave, with no structure, and which leaves out nothing
// (NotIncluded empty, its statement "" as v1 had none).
func parseV1(data []byte) (*Report, error) {
	var v reportV1
	if err := decodeStrict(data, &v); err != nil {
		return nil, err
	}
	r := v.Report
	ns := v.NationalSecurity
	r.NationalSecurity = NationalSecurity{Citation: "50 U.S.C. 1874(a)(3)", BandWidth: ns.BandWidth, Figures: []BandFigure{{
		Process: processV1, Period: r.Period, PeriodStart: r.PeriodStart, PeriodEnd: r.PeriodEnd, Demands: ns.Demands, Selectors: ns.Accounts,
	}}}
	r.NotIncluded = NotIncluded{}
	return &r, nil
}
