package report

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"
)

// The pages carry their one style sheet inline, so that a report saved
// from the browser or written by "writ report --format html" is complete
// on its own. A server sends it under a Content-Security-Policy that
// allows that sheet by its hash (StyleSource) and nothing else: no script,
// no other style, nothing fetched.

// baseCSS is the style of every page.
const baseCSS = `body { font-family: Helvetica, Arial, sans-serif; color: #222; max-width: 980px; margin: 2em auto; padding: 0 1em; line-height: 1.4; }
h1 { font-size: 1.8em; margin-bottom: 0.2em; }
h2 { font-size: 1.3em; margin-top: 1.8em; border-bottom: 1px solid #ccc; padding-bottom: 0.2em; }
table { border-collapse: collapse; width: 100%; margin: 0.8em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.5em; text-align: right; }
th:first-child, td:first-child { text-align: left; }
thead th { background: #f3f3f3; }
.muted { color: #666; font-size: 0.9em; }
table.summary { width: auto; min-width: 50%; }
table.summary th { text-align: left; font-weight: normal; background: none; }
table.compact { font-size: 0.75em; }
table.compact th, table.compact td { padding: 0.2em 0.3em; }
table.compact td { white-space: nowrap; }
.wide { overflow-x: auto; }
.swatch { display: inline-block; width: 0.8em; height: 0.8em; margin-right: 0.3em; vertical-align: baseline; }
.chart { max-width: 100%; height: auto; display: block; margin: 0.5em 0; }
.downloads a { margin-right: 1em; }
code { font-size: 0.9em; word-break: break-all; }
nav a { margin-right: 1em; }
@media print {
  body { margin: 0; max-width: none; font-size: 10pt; }
  nav, .downloads { display: none; }
  h2 { break-after: avoid; }
  table, .chart { break-inside: avoid; }
}`

// pageCSS is the style sheet: the base and a class for each outcome
// group's colour (g-rejected, …).
func pageCSS() string {
	var b strings.Builder
	b.WriteString(baseCSS)
	for _, g := range OutcomeGroups() {
		fmt.Fprintf(&b, "\n.g-%s { background: %s; }", g, GroupColor(g))
	}
	b.WriteString("\n")
	return b.String()
}

// StyleSource is the Content-Security-Policy source that allows the pages'
// style sheet: 'sha256-…'.
func StyleSource() string {
	sum := sha256.Sum256([]byte(pageCSS()))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

// ContentSecurityPolicy is the policy to serve the pages under.
func ContentSecurityPolicy() string {
	return "default-src 'none'; style-src " + StyleSource() + "; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
}
