package notify_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"writ"
	"writ/notify"
	"writ/store"
	"writ/store/storetest"
)

// internalService is a service of the provider's own network, on loopback:
// what an attacker would like writ to reach. It counts what reaches it and
// answers with something no one outside may read.
type internalService struct {
	URL  string
	hits atomic.Int64
}

const internalSecret = "INTERNAL-ONLY redis_password=hunter2"

func startInternal(t *testing.T) *internalService {
	s := &internalService{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		w.Write([]byte(internalSecret))
	}))
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// webhookFailures runs the worker on a new demand's notice until its
// webhook delivery has failed twice, and returns the delivery and the
// demand's events.
func webhookFailures(t *testing.T, f *storetest.Fixture, w *notify.Worker, url string) (writ.NoticeDelivery, []writ.Event, string) {
	t.Helper()
	secret := "whsec_" + strings.Repeat("k", 40)
	_, err := f.Store.UpdateNoticeChannels(ctx, f.Admin, f.Consumer.ID, store.NoticeChannels{WebhookURL: url, WebhookSecret: secret})
	check(t, err)
	d, _, err := f.Store.CreateDemand(ctx, f.AgencyUserUS, storetest.Warrant("joe@mail.example"), "")
	check(t, err)
	for range 3 {
		runDue(t, w)
		f.Clock.Advance(10 * time.Minute)
	}
	n, err := f.Store.Notice(ctx, f.Reviewer, d.ID)
	check(t, err)
	for _, dl := range n.Deliveries {
		if dl.Channel == "webhook" {
			return dl, events(t, f, d.ID), n.LastError
		}
	}
	t.Fatalf("no webhook delivery: %+v", n)
	return writ.NoticeDelivery{}, nil, ""
}

// noLeak fails if the internal answer appears in the delivery, the
// notice or the demand's events (which are the audit log's entries).
func noLeak(t *testing.T, dl writ.NoticeDelivery, evs []writ.Event, noticeError string) {
	t.Helper()
	all, _ := json.Marshal(struct {
		D writ.NoticeDelivery
		E []writ.Event
		N string
	}{dl, evs, noticeError})
	if strings.Contains(string(all), "INTERNAL-ONLY") || strings.Contains(string(all), "hunter2") {
		t.Fatalf("the internal answer came back: %s", all)
	}
}

// A customer's endpoint that answers 307 to an internal address does not
// send writ there: the redirect is not followed, the internal service is
// never reached, and the failure is recorded in writ's own words.
func TestWebhookRedirectIntoTheNetworkIsRefused(t *testing.T) {
	both(t, func(t *testing.T, open storetest.Opener) {
		f := storetest.NewFixture(t, open)
		internal := startInternal(t)
		redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Location", internal.URL+"/admin")
			w.WriteHeader(http.StatusTemporaryRedirect)
			w.Write([]byte(internalSecret)) // a body of its own, which must not be kept either
		}))
		t.Cleanup(redirector.Close)
		// Loopback is allowed here only because the customer's endpoint of
		// the test is itself on loopback.
		dl, evs, last := webhookFailures(t, f, worker(t, f, nil, "w1"), redirector.URL+"/hook")
		if internal.hits.Load() != 0 {
			t.Fatalf("the internal service was reached %d times", internal.hits.Load())
		}
		if dl.State == "delivered" || dl.Attempts < 2 || !strings.Contains(dl.LastError, "307 Temporary Redirect") ||
			!strings.Contains(dl.LastError, "does not follow redirects") {
			t.Fatalf("delivery %+v", dl)
		}
		noLeak(t, dl, evs, last)
	})
}

// Without AllowLoopback a webhook reaches public addresses only: loopback
// written out or behind a host name that resolves to it is refused before
// any connection, and so are private, link-local and unspecified ones.
func TestWebhookToAnInternalAddressIsRefused(t *testing.T) {
	both(t, func(t *testing.T, open storetest.Opener) {
		f := storetest.NewFixture(t, open)
		internal := startInternal(t)
		w := worker(t, f, nil, "w1")
		w.Webhooks = &notify.Webhooks{Now: f.Clock.Now} // as writ serve runs by default
		port := internal.URL[strings.LastIndex(internal.URL, ":"):]
		for _, url := range []string{internal.URL + "/hook", "http://localhost" + port + "/hook"} {
			dl, evs, last := webhookFailures(t, f, w, url)
			if dl.State == "delivered" || !strings.Contains(dl.LastError, "loopback address, not a public one") {
				t.Fatalf("%s: delivery %+v", url, dl)
			}
			noLeak(t, dl, evs, last)
		}
		if internal.hits.Load() != 0 {
			t.Fatalf("the internal service was reached %d times", internal.hits.Load())
		}
	})
}

// A failing endpoint's answer is never kept: only its status code, with
// the code's standard name rather than the reason phrase it sent.
func TestWebhookFailureKeepsOnlyTheStatus(t *testing.T) {
	f := storetest.NewFixture(t, storetest.SQLite)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, internalSecret, http.StatusBadGateway)
	}))
	t.Cleanup(srv.Close)
	dl, evs, last := webhookFailures(t, f, worker(t, f, nil, "w1"), srv.URL+"/hook")
	if dl.LastError != "webhook: the endpoint answered 502 Bad Gateway" {
		t.Fatalf("last error %q", dl.LastError)
	}
	noLeak(t, dl, evs, last)
}
