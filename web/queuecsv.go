package web

import (
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"

	"writ"
)

// maxExport is how many demands one export holds.
const maxExport = 10000

// queueCSV exports the queue as it is filtered, as CSV: the same filter
// and the same demands the signed-in user's queue shows, at most maxExport
// rows. A cell that a spreadsheet would read as a formula is written with
// a leading apostrophe, so an agency's reference cannot run in a lawyer's
// spreadsheet.
func (s *Server) queueCSV(w http.ResponseWriter, r *http.Request, v *visit) error {
	_, filter, err := queueFilterOf(r)
	if err != nil {
		return err
	}
	filter.Limit, filter.Cursor = 500, ""
	var rows []writ.Demand
	for len(rows) < maxExport {
		page, err := s.store.Demands(r.Context(), v.actor, filter)
		if err != nil {
			return err
		}
		rows = append(rows, page.Items...)
		if filter.Cursor = page.NextCursor; filter.Cursor == "" {
			break
		}
	}
	rows = rows[:min(len(rows), maxExport)]
	agencies, err := s.store.Agencies(r.Context(), v.actor, writ.AgencyFilter{Limit: 500})
	if err != nil {
		return err
	}
	names, countries := map[int64]string{}, map[int64]string{}
	for _, a := range agencies.Items {
		names[a.ID], countries[a.ID] = a.Name, a.Country
	}
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="writ-queue.csv"`)
	out := csv.NewWriter(w)
	_ = out.Write([]string{"id", "reference", "agency", "authority country", "instrument", "state", "route", "flags", "next deadline", "deadline", "received"})
	for _, d := range rows {
		var flags []string
		for _, f := range d.Flags {
			flags = append(flags, label(f))
		}
		next := ""
		if d.NextDeadline != nil {
			next = d.NextDeadline.UTC().Format("2006-01-02 15:04")
		}
		_ = out.Write(safeCells(strconv.FormatInt(d.ID, 10), d.Reference, names[d.AgencyID], countries[d.AgencyID],
			s.instrumentName(d.Instrument), label(string(d.State)), label(d.Route), strings.Join(flags, "; "), next,
			labelOrEmpty(d.NextDeadlineCode), d.ReceivedAt.UTC().Format("2006-01-02 15:04")))
	}
	out.Flush()
	return out.Error()
}

// safeCells neutralises cells a spreadsheet would run as formulas.
func safeCells(cells ...string) []string {
	for i, c := range cells {
		if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
			cells[i] = "'" + c
		}
	}
	return cells
}

func labelOrEmpty(code string) string {
	if code == "" {
		return ""
	}
	return label(code)
}

// instrumentName is an instrument's name in the rulebook, or its label.
func (s *Server) instrumentName(code string) string {
	if name, _ := s.store.Rules().InstrumentName(code); name != "" {
		return name
	}
	return label(code)
}
