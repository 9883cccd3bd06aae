package report

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"writ"
)

// Period is a half-year: H1 is January to June, H2 July to December, in
// UTC. A report counts the demands received in its period.
type Period struct {
	Year int
	Half int // 1 or 2
}

// ParsePeriod reads a period written "2026-H2". It returns EINVALID naming
// the field "period" for anything else.
func ParsePeriod(s string) (Period, error) {
	year, half, ok := strings.Cut(s, "-H")
	y, err := strconv.Atoi(year)
	if !ok || err != nil || len(year) != 4 || y < 1970 || y > 9998 || (half != "1" && half != "2") {
		return Period{}, writ.FieldErrorf("period", "%q is not a half-year: write it as 2026-H1 (January to June) or 2026-H2 (July to December)", s)
	}
	return Period{Year: y, Half: int(half[0] - '0')}, nil
}

// PeriodOf returns the half-year that contains t.
func PeriodOf(t time.Time) Period {
	t = t.UTC()
	if t.Month() <= time.June {
		return Period{Year: t.Year(), Half: 1}
	}
	return Period{Year: t.Year(), Half: 2}
}

// ReportPeriod is the half-year as a report asks the records for its
// demands: every instrument's.
func (p Period) ReportPeriod() writ.ReportPeriod {
	return writ.ReportPeriod{HalfYear: p.String(), Start: p.Start(), End: p.End()}
}

// String returns the period as "2026-H2".
func (p Period) String() string { return fmt.Sprintf("%04d-H%d", p.Year, p.Half) }

// Start is the first instant of the period, 1 January or 1 July 00:00 UTC.
func (p Period) Start() time.Time {
	return time.Date(p.Year, time.Month(1+6*(p.Half-1)), 1, 0, 0, 0, 0, time.UTC)
}

// End is the first instant after the period: demands received at End
// belong to the next one.
func (p Period) End() time.Time { return p.Next().Start() }

// Next is the half-year after p.
func (p Period) Next() Period {
	if p.Half == 1 {
		return Period{Year: p.Year, Half: 2}
	}
	return Period{Year: p.Year + 1, Half: 1}
}

// Prev is the half-year before p.
func (p Period) Prev() Period {
	if p.Half == 2 {
		return Period{Year: p.Year, Half: 1}
	}
	return Period{Year: p.Year - 1, Half: 2}
}

// Contains reports whether t falls in the period.
func (p Period) Contains(t time.Time) bool {
	return !t.Before(p.Start()) && t.Before(p.End())
}
