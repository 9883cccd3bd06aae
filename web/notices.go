package web

import (
	"net/http"
	"slices"

	"writ"
)

// noticesData is the delayed-notice dashboard: every notice held back by
// a non-disclosure order, an emergency or a national-security prohibition,
// with its end date and the challenge its order calls for.
type noticesData struct {
	State   string
	States  []string
	Notices []writ.Notice
	NextURL string
}

func (s *Server) notices(w http.ResponseWriter, r *http.Request, v *visit) error {
	state := r.URL.Query().Get("state")
	if state == "" {
		state = "delayed"
	}
	if state == "all" {
		state = ""
	}
	page, err := s.store.Notices(r.Context(), v.actor, writ.NoticeFilter{State: state, Cursor: r.URL.Query().Get("cursor"), Limit: 100})
	if err != nil {
		return err
	}
	d := noticesData{State: state, States: append(writ.NoticeStates(), writ.NoticeReviewDue, writ.NoticeUndeliverable), Notices: page.Items}
	// Soonest end first; indefinite orders (no end) last, where they wait
	// for a challenge.
	slices.SortStableFunc(d.Notices, func(a, b writ.Notice) int {
		switch {
		case a.Until == b.Until:
			return 0
		case a.Until == "":
			return 1
		case b.Until == "":
			return -1
		case a.Until < b.Until:
			return -1
		}
		return 1
	})
	if page.NextCursor != "" {
		d.NextURL = "/notices?state=" + urlQuery(r.URL.Query().Get("state")) + "&cursor=" + urlQuery(page.NextCursor)
	}
	return s.render(w, v, http.StatusOK, "notices", "Delayed notices", d)
}
