package httpapi

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"writ"
	"writ/notify"
	"writ/store"
)

// TestOpenAPINoticeSchemas holds the notice operations' schemas to the
// types the handlers decode and answer with, as the tests of the other
// operations do.
func TestOpenAPINoticeSchemas(t *testing.T) {
	doc := mustLoadOpenAPI(t)
	for name, v := range map[string]any{
		"CustomerResponseInput":  writ.CustomerResponseInput{},
		"ObjectionDecisionInput": writ.ObjectionDecisionInput{},
		"NoticeChannels":         store.NoticeChannels{},
	} {
		if got, want := schemaNames(t, doc, name), jsonNames(reflect.TypeOf(v)); !slices.Equal(got, want) {
			t.Errorf("schema %s has properties %v but %T decodes %v", name, got, v, want)
		}
	}
	now := time.Date(2026, 11, 20, 14, 0, 0, 0, time.UTC)
	notice := writ.Notice{DemandID: 1, Reference: "R", CustomerID: 2, Timing: "delayed", State: "delayed", Until: "2027-01-01", Reason: "18 U.S.C. 2705(b)",
		SentAt: &now, Warnings: []writ.NoticeWarning{{Flag: "NDO_OVER_ONE_YEAR", Challenge: "move the court"}},
		Deliveries: []writ.NoticeDelivery{{Channel: "webhook", Recipient: "https://x.example/h", State: "failed", Attempts: 8, LastError: "503", SentAt: &now, UpdatedAt: now}},
		UpdatedAt:  now}
	response := writ.CustomerResponse{ID: 1, DemandID: 1, Kind: "object", Grounds: "g", By: "c", At: now, Decision: "upheld", DecidedAt: &now}
	authority := writ.AuthorityNotification{ID: 1, DemandID: 1, Code: "DPA", Country: "DE", Name: "BfDI", State: "sent", DraftedAt: now, SentAt: &now}
	job := writ.Job{ID: 1, Kind: notify.JobNoticeEmail, Subject: "demand:1", State: "completed", RunAt: now, Attempts: 1, MaxAttempts: 8, CompletedAt: &now}
	for _, tc := range []struct {
		schema string
		value  any
	}{
		{"Notice", notice},
		{"NoticePage", writ.Page[writ.Notice]{Items: []writ.Notice{notice}}},
		{"CustomerResponse", response},
		{"CustomerResponsePage", writ.Page[writ.CustomerResponse]{Items: []writ.CustomerResponse{response}}},
		{"AuthorityNotification", authority},
		{"AuthorityNotificationPage", writ.Page[writ.AuthorityNotification]{Items: []writ.AuthorityNotification{authority}}},
		{"Job", job},
		{"JobPage", writ.Page[writ.Job]{Items: []writ.Job{job}}},
	} {
		t.Run(tc.schema, func(t *testing.T) {
			checkSchema(t, doc, tc.schema, tc.value)
		})
	}
}
