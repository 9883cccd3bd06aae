package report

import (
	"fmt"
	"strconv"
	"strings"
)

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func rgb(hex string) (r, g, b float64) {
	v, _ := strconv.ParseUint(strings.TrimPrefix(hex, "#"), 16, 32)
	round := func(x uint64) float64 { return float64(int(float64(x)/255*1000+0.5)) / 1000 }
	return round(v >> 16 & 0xff), round(v >> 8 & 0xff), round(v & 0xff)
}

// winAnsi is the code of a character outside Latin-1 that WinAnsiEncoding
// has, or 0.
func winAnsi(r rune) byte {
	switch r {
	case '€':
		return 0x80
	case '…':
		return 0x85
	case '‘':
		return 0x91
	case '’':
		return 0x92
	case '“':
		return 0x93
	case '”':
		return 0x94
	case '•':
		return 0x95
	case '–':
		return 0x96
	case '—':
		return 0x97
	}
	return 0
}

// pdfString encodes s as the body of a PDF literal string in
// WinAnsiEncoding; characters it lacks become "?".
func pdfString(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '(' || r == ')' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r >= 0x20 && r < 0x7f:
			b.WriteRune(r)
		case winAnsi(r) != 0:
			fmt.Fprintf(&b, "\\%03o", winAnsi(r))
		case r >= 0xa0 && r <= 0xff:
			fmt.Fprintf(&b, "\\%03o", r)
		default:
			b.WriteByte('?')
		}
	}
	return b.String()
}

// helvetica are the advance widths of Helvetica's printable ASCII
// characters, from space to tilde, in thousandths of the font size (its
// Adobe font metrics).
var helvetica = [95]int{
	278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,
	556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,
	1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,
	667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,
	333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
	556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
}

// textWidth is the width of s in points. Bold text is counted a little
// wider; digits, which the tables align, are the same in both.
func textWidth(s string, size float64, bold bool) float64 {
	var units float64
	for _, r := range s {
		w := 556.0
		if r >= 0x20 && r < 0x7f {
			w = float64(helvetica[r-0x20])
		}
		if bold && !(r >= '0' && r <= '9') {
			w *= 1.08
		}
		units += w
	}
	return units * size / 1000
}
