package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"writ"
	"writ/casework"
	"writ/rules"
)

// demandData is everything one demand page shows. Which parts are filled
// depends on the role: each comes from a store method called with the
// signed-in actor, so a part the role may not see is never read.
type demandData struct {
	Demand        writ.Demand
	AgencyName    string
	Customer      *writ.Customer
	Documents     []writ.Document
	Assessment    *rules.Assessment
	Events        []writ.Event
	Notice        *writ.Notice
	Responses     []writ.CustomerResponse
	Replies       []writ.AgencyReply
	OpenObjection *writ.CustomerResponse
	Reviewer      string
	// Assignee holds the demand; Workload is the legal team with the open
	// demands each holds, for reassigning it.
	Assignee string
	Workload []writ.Workload
	// Notes are the legal team's internal notes.
	Notes []writ.Note
	// Next is what the rulebook says to do next; its move leads Actions.
	Next *nextStep
	// SoughtNowhere is set when the demand names regions that hold none
	// of the customer's data (it is then assessed as reaching every one).
	SoughtNowhere bool
	// AgencyPhone is the agency's registered number, the only one to call
	// back; Callbacks the calls recorded about an emergency.
	AgencyPhone string
	Callbacks   []writ.Callback
	// Deadlines are the demand's deadlines with their status and the
	// assessment's message.
	Deadlines []deadlineRow
	// Audiences and DeliveryMethods are the choices of their forms.
	Audiences, DeliveryMethods []string
	// Actions are the moves the legal team may offer in the current state.
	Actions    []action
	Categories []string
	// CanUpload, CanWithdraw, CanReply and CanRespond say which forms the
	// page offers the signed-in user.
	CanUpload, CanWithdraw, CanReply, CanRespond, CanAct, CanVerify bool
	// CanDeliver: the notice is due and not given, so a delivery may be
	// recorded or retried; CanReview: an order with an end holds it back.
	CanDeliver, CanReview bool
	// Answer is what the provider's answer means for the agency.
	Answer answer
	// Portal is the answer to the agency and the customer (portal.go).
	Portal portalData
	// Threads are the threads of messages the signed-in user may read.
	Threads []thread
	// Form is the form that was sent and refused, with what was typed,
	// so that the page shows the reason next to it.
	Form *formState
}

// action is one move offered on the demand page.
type action struct {
	To writ.State
	// Note explains a condition of the move (four eyes, say).
	Note string
	// Blocked is set when the move cannot be made by this user; Note says why.
	Blocked bool
	// Primary is the move of the next step.
	Primary bool
}

// formState is a refused form: which one, why, and what was typed.
type formState struct {
	Name   string
	Error  failure
	Values url.Values
	// Fields are the invalid fields, each with its message.
	Fields map[string]string
}

// FieldError is the message for one field of the refused form: the one
// the store named, or one of Fields.
func (f *formState) FieldError(name string) string {
	if f == nil {
		return ""
	}
	if m := f.Fields[name]; m != "" {
		return m
	}
	if f.Error.Field == name || indexSuffix.ReplaceAllString(f.Error.Field, "") == name {
		return f.Error.Message
	}
	return ""
}

// Checked reports whether a checkbox of name was ticked with value in the
// refused form.
func (f *formState) Checked(name, value string) bool {
	return f != nil && slices.Contains(f.Values[name], value)
}

// Value returns what was typed into a field of the refused form.
func (f *formState) Value(name string) string {
	if f == nil {
		return ""
	}
	return f.Values.Get(name)
}

// Is reports whether the refused form is the one named.
func (f *formState) Is(name string) bool { return f != nil && f.Name == name }

// deadlineRow is a deadline of the demand page.
type deadlineRow struct {
	writ.DeadlineEntry
	Message string
}

// demandID reads the {id} of the path.
func demandID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, writ.Errorf(writ.ENOTFOUND, "there is no demand %q", r.PathValue("id"))
	}
	return id, nil
}

func (s *Server) demandPage(w http.ResponseWriter, r *http.Request, v *visit) error {
	id, err := demandID(r)
	if err != nil {
		return err
	}
	return s.showDemand(w, r, v, id, http.StatusOK, nil)
}

// showDemand renders the demand page for the signed-in role, with a
// refused form when there is one.
func (s *Server) showDemand(w http.ResponseWriter, r *http.Request, v *visit, id int64, status int, form *formState) error {
	d, err := s.loadDemand(r.Context(), v.actor, id)
	if err != nil {
		return err
	}
	d.Form = form
	name := "demand_customer"
	switch {
	case v.actor.Role.SeesAll():
		name = "demand_legal"
	case v.actor.Role == writ.RoleAgency:
		name = "demand_agency"
	}
	title := s.printer(v).T("demand.title", strconv.FormatInt(id, 10))
	if d.Demand.Reference != "" {
		title += " · " + d.Demand.Reference
	}
	return s.render(w, v, status, name, title, d)
}

func (s *Server) loadDemand(ctx context.Context, actor writ.Actor, id int64) (*demandData, error) {
	dm, err := s.store.Demand(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	d := &demandData{Demand: dm, Categories: s.store.Rules().Categories(), Audiences: writ.Audiences(), DeliveryMethods: writ.DeliveryMethods()}
	if d.Documents, err = s.store.Documents(ctx, actor, id); err != nil {
		return nil, err
	}
	open := dm.State != writ.StateClosed
	switch {
	case actor.Role.SeesAll():
		if err := s.loadLegal(ctx, actor, d); err != nil {
			return nil, err
		}
	case actor.Role == writ.RoleAgency:
		if ag, err := s.store.Agency(ctx, actor, dm.AgencyID); err == nil {
			d.AgencyName = ag.Name
		}
		if d.Replies, err = s.store.Replies(ctx, actor, id); err != nil {
			return nil, err
		}
		d.CanUpload = open
		d.CanWithdraw = slices.Contains([]writ.State{writ.StateReceived, writ.StateVerifying, writ.StateInReview,
			writ.StateChallenged, writ.StateApproved, writ.StateNoticed}, dm.State)
		d.CanReply = dm.State == writ.StateRedirected || dm.State == writ.StateRejected ||
			(dm.State == writ.StateClosed && (dm.Outcome == writ.OutcomeRedirected || dm.Outcome == writ.OutcomeRejected))
		d.Answer = agencyAnswer(dm)
	case actor.Role == writ.RoleCustomer:
		c, err := s.store.Customer(ctx, actor, dm.CustomerID)
		if err != nil {
			return nil, err
		}
		d.Customer = &c
		if d.Responses, err = s.store.Responses(ctx, actor, id); err != nil {
			return nil, err
		}
		d.CanRespond, d.CanUpload = open, open
		d.OpenObjection = openObjection(d.Responses)
	}
	if err := s.loadThreads(ctx, actor, d); err != nil {
		return nil, err
	}
	return d, s.loadPortal(ctx, actor, d)
}

func openObjection(list []writ.CustomerResponse) *writ.CustomerResponse {
	for i := range list {
		if list[i].Kind == writ.ResponseObject && list[i].Decision == "" {
			return &list[i]
		}
	}
	return nil
}

// loadLegal reads what the legal team and auditors see of a demand.
//
// Long because: it reads each part of the legal team's view of a demand in
// turn, a call and its error each; the page needs them all.
func (s *Server) loadLegal(ctx context.Context, actor writ.Actor, d *demandData) error {
	id := d.Demand.ID
	if ag, err := s.store.Agency(ctx, actor, d.Demand.AgencyID); err == nil {
		d.AgencyName, d.AgencyPhone = ag.Name, ag.Phone
	} else {
		return err
	}
	if d.Demand.CustomerID != 0 {
		c, err := s.store.Customer(ctx, actor, d.Demand.CustomerID)
		if err != nil {
			return err
		}
		d.Customer = &c
		d.SoughtNowhere = len(d.Demand.DataLocationsSought) > 0 && len(casework.SoughtLocations(&d.Demand, c)) == 0
	}
	raw, err := s.store.Assessment(ctx, actor, id)
	if err != nil {
		return err
	}
	var a rules.Assessment
	if err := json.Unmarshal(raw, &a); err != nil {
		return fmt.Errorf("web: assessment of demand %d: %w", id, err)
	}
	d.Assessment = &a
	deadlines, err := s.store.DemandDeadlines(ctx, actor, id)
	if err != nil {
		return err
	}
	for _, dl := range deadlines {
		row := deadlineRow{DeadlineEntry: dl}
		for _, m := range a.Deadlines {
			if m.Code == dl.Code {
				row.Message = m.Message
			}
		}
		d.Deadlines = append(d.Deadlines, row)
	}
	if d.Demand.Emergency != nil {
		if d.Callbacks, err = s.store.Callbacks(ctx, actor, id); err != nil {
			return err
		}
	}
	if d.Events, err = s.events(ctx, actor, id); err != nil {
		return err
	}
	if n, err := s.store.Notice(ctx, actor, id); err == nil {
		d.Notice = &n
	} else if writ.ErrorCode(err) != writ.ENOTFOUND {
		return err
	}
	if d.Responses, err = s.store.Responses(ctx, actor, id); err != nil {
		return err
	}
	d.OpenObjection = openObjection(d.Responses)
	if d.Replies, err = s.store.Replies(ctx, actor, id); err != nil {
		return err
	}
	if d.Demand.ReviewerID != nil {
		if u, err := s.store.User(ctx, *d.Demand.ReviewerID); err == nil {
			d.Reviewer = u.Name
		}
	}
	if err := s.loadTeam(ctx, actor, d); err != nil {
		return err
	}
	if !actor.Role.LegalTeam() {
		return nil
	}
	d.Next = next(d)
	d.CanAct, d.CanUpload = true, d.Demand.State != writ.StateClosed
	d.CanVerify = !d.Demand.RequesterVerified && d.Demand.RequesterCheck == "" && d.Demand.State != writ.StateClosed
	if n := d.Notice; n != nil && d.Demand.CustomerID != 0 {
		d.CanDeliver = n.GivenAt == nil && (n.State == "scheduled" || n.State == "failed")
		d.CanReview = n.State == "delayed" && n.Until != ""
	}
	d.Actions = legalActions(actor, d)
	return nil
}

// events reads a demand's timeline: at most 20 pages of 200 events.
func (s *Server) events(ctx context.Context, actor writ.Actor, id int64) ([]writ.Event, error) {
	var out []writ.Event
	cursor := ""
	for range 20 {
		page, err := s.store.DemandEvents(ctx, actor, id, cursor, 200)
		if err != nil {
			return nil, err
		}
		out = append(out, page.Items...)
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	return out, nil
}

// loadTeam reads the legal team's own part of a demand page: the
// internal notes and who holds the demand, with the team's workload.
func (s *Server) loadTeam(ctx context.Context, actor writ.Actor, d *demandData) error {
	var err error
	if d.Notes, err = s.store.Notes(ctx, actor, d.Demand.ID); err != nil {
		return err
	}
	if d.Workload, err = s.store.Workload(ctx, actor); err != nil {
		return err
	}
	for _, w := range d.Workload {
		if d.Demand.AssigneeID != nil && *d.Demand.AssigneeID == w.UserID {
			d.Assignee = w.Name
		}
	}
	return nil
}

// legalActions are the moves the legal team may offer on a demand, the
// next step's first, each with the condition that blocks it for actor.
func legalActions(actor writ.Actor, d *demandData) []action {
	var actions []action
	for _, to := range writ.States() {
		if !d.Demand.State.CanMove(to) {
			continue
		}
		a := action{To: to}
		switch to {
		case writ.StateInReview:
			if d.Demand.State == writ.StateApproved || d.Demand.State == writ.StateNoticed {
				continue // only the customer's objection moves it back
			}
		case writ.StateDisclosed:
			continue // only the production package, made available, discloses
		case writ.StateApproved:
			switch {
			case actor.Role != writ.RoleApprover && actor.Role != writ.RoleAdmin:
				a.Blocked, a.Note = true, "Approval needs an approver: the second pair of eyes on every disclosure."
			case d.Demand.ReviewerID != nil && *d.Demand.ReviewerID == actor.UserID:
				a.Blocked, a.Note = true, "Four eyes: you reviewed this demand, so another approver must approve it."
			case d.Reviewer != "":
				a.Note = "Four eyes: reviewed by " + d.Reviewer + "; you approve as the second person."
			}
			if d.OpenObjection != nil {
				a.Blocked, a.Note = true, "The customer objected: decide the objection first."
			}
		}
		actions = append(actions, a)
	}
	if d.Next != nil {
		for i := range actions {
			if actions[i].To == d.Next.To {
				actions[i].Primary = true
				actions[0], actions[i] = actions[i], actions[0]
			}
		}
	}
	return actions
}

// answer is the provider's answer to an agency: a catalog key, and the
// outcome of a closed demand, which its message names.
type answer struct {
	Key, Outcome string
}

// agencyAnswer is what the provider's answer means for the agency, in
// words, from the state of its demand.
func agencyAnswer(d writ.Demand) answer {
	switch d.State {
	case writ.StateReceived, writ.StateVerifying:
		return answer{Key: "answer.received"}
	case writ.StateInReview, writ.StateApproved, writ.StateNoticed:
		return answer{Key: "answer.in_review"}
	case writ.StateChallenged, writ.StateRedirected, writ.StateRejected, writ.StateNoData, writ.StateDisclosed:
		return answer{Key: "answer." + string(d.State)}
	}
	return answer{Key: "answer.closed", Outcome: d.Outcome}
}
