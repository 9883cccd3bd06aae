// Command queue measures how long a running writ takes to answer the
// legal team's queue: through the API, the list of demands (newest first,
// filtered by state, sorted by deadline, and the demands in review by
// deadline, a reviewer's own queue) and one demand; in the web
// application, the queue page, a demand's page, the legal team's home and
// the queue searched for a reference and for two common words, signed in
// as the demo reviewer with the demo password and second factor. One client asks each
// page in turn, -requests times a run, -runs runs, after a few unmeasured
// requests to warm the server, and prints the latencies as JSON. The time
// is the wall time on the loopback interface from sending the request to
// reading the whole answer, and the server's own time from its
// Server-Timing header.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"writ"
	"writ/demo"
	"writ/identity"
)

// pages are the requests measured, by name.
var pages = []struct{ name, path string }{
	{"list", "/v1/demands"},
	{"list_in_review", "/v1/demands?state=in_review"},
	{"list_by_deadline", "/v1/demands?sort=deadline"},
	{"list_in_review_by_deadline", "/v1/demands?state=in_review&sort=deadline"},
	{"demand", "/v1/demands/{id}"},
	{"web_queue", "/queue"},
	{"web_demand", "/demands/{id}"},
	{"web_home", "/home"},
	{"web_search_reference", "/queue?search=DEMO-{ref}"},
	{"web_search_words", "/queue?search=fbi+warrant"},
}

func main() {
	base := flag.String("url", "", "writ's address")
	token := flag.String("token", "", "an admin's API token")
	requests := flag.Int("requests", 300, "requests of each page per run")
	runs := flag.Int("runs", 3, "how many runs")
	only := flag.String("pages", "", "the names of the pages to measure, separated by commas (default: all)")
	flag.Parse()
	if *only != "" {
		names := strings.Split(*only, ",")
		pages = slices.DeleteFunc(pages, func(p struct{ name, path string }) bool { return !slices.Contains(names, p.name) })
		if len(pages) != len(names) {
			fmt.Fprintln(os.Stderr, "queue: -pages names a page that is not measured:", *only)
			os.Exit(2)
		}
	}
	if err := measure(context.Background(), *base, *token, *requests, *runs); err != nil {
		fmt.Fprintln(os.Stderr, "queue:", err)
		os.Exit(1)
	}
}

// latencies of one page in one run.
type latencies struct {
	P50ms float64 `json:"p50_ms"`
	P95ms float64 `json:"p95_ms"`
	P99ms float64 `json:"p99_ms"`
	MaxMs float64 `json:"max_ms"`
	// ServerTiming are the same quantiles of the Server-Timing header's
	// durations, when writ sent the header.
	ServerTimingP50ms *float64 `json:"server_timing_p50_ms,omitempty"`
	ServerTimingP95ms *float64 `json:"server_timing_p95_ms,omitempty"`
	Errors            int      `json:"errors"`
}

func measure(ctx context.Context, base, token string, requests, runs int) error {
	if base == "" || token == "" {
		return errors.New("need -url and -token")
	}
	jar, err := cookiejar.New(nil)
	if err != nil {
		return err
	}
	client := &http.Client{Timeout: time.Minute, Jar: jar}
	if err := signIn(ctx, client, base); err != nil {
		return err
	}
	get := func(path string) (time.Duration, *float64, []byte, error) {
		req, err := http.NewRequestWithContext(ctx, "GET", base+path, nil)
		if err != nil {
			return 0, nil, nil, err
		}
		if strings.HasPrefix(path, "/v1/") {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		start := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			return 0, nil, nil, err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		took := time.Since(start)
		if err != nil {
			return 0, nil, nil, err
		}
		if resp.StatusCode != http.StatusOK {
			return 0, nil, nil, fmt.Errorf("GET %s: %s", path, resp.Status)
		}
		return took, serverTiming(resp.Header.Get("Server-Timing")), body, nil
	}
	// The newest demand's id bounds the ids asked for one by one.
	_, _, body, err := get("/v1/demands?limit=1")
	if err != nil {
		return err
	}
	var first struct {
		Items []struct {
			ID int64 `json:"id"`
		} `json:"items"`
	}
	if err := json.Unmarshal(body, &first); err != nil || len(first.Items) == 0 {
		return fmt.Errorf("the store holds no demands to list (%v)", err)
	}
	newest := first.Items[0].ID
	rng := rand.New(rand.NewPCG(1, 2))
	path := func(p string) string {
		p = strings.Replace(p, "{ref}", fmt.Sprintf("%05d", 1+rng.Int64N(newest)), 1)
		return strings.Replace(p, "{id}", strconv.FormatInt(1+rng.Int64N(newest), 10), 1)
	}
	for range 20 {
		for _, p := range pages {
			get(path(p.path))
		}
	}
	out := map[string]any{"requests": requests, "newest_demand": newest}
	var all []map[string]latencies
	for range runs {
		took := map[string][]time.Duration{}
		timing := map[string][]float64{}
		errs := map[string]int{}
		// The pages take turns, so that each sees the same server.
		for range requests {
			for _, p := range pages {
				d, st, _, err := get(path(p.path))
				if err != nil {
					errs[p.name]++
					continue
				}
				took[p.name] = append(took[p.name], d)
				if st != nil {
					timing[p.name] = append(timing[p.name], *st)
				}
			}
		}
		run := map[string]latencies{}
		for _, p := range pages {
			ds := took[p.name]
			slices.Sort(ds)
			l := latencies{P50ms: ms(ds, 0.50), P95ms: ms(ds, 0.95), P99ms: ms(ds, 0.99), MaxMs: ms(ds, 1), Errors: errs[p.name]}
			if ts := timing[p.name]; len(ts) > 0 {
				slices.Sort(ts)
				p50, p95 := ts[int(0.5*float64(len(ts)-1))], ts[int(0.95*float64(len(ts)-1))]
				l.ServerTimingP50ms, l.ServerTimingP95ms = &p50, &p95
			}
			run[p.name] = l
		}
		all = append(all, run)
	}
	out["runs"] = all
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// csrfField is the form token in a page of the web application.
var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// signIn signs the client in to the web application as the demo reviewer,
// through the sign-in forms, as a browser would. A code is accepted once,
// so a sign-in refused the code waits for the next one.
func signIn(ctx context.Context, client *http.Client, base string) error {
	var reviewer demo.Credential
	for _, c := range demo.Credentials() {
		if c.Role == writ.RoleReviewer {
			reviewer = c
		}
	}
	form := func(path string, values url.Values) (string, string, error) {
		page, _, err := fetch(ctx, client, "GET", base+path, nil)
		if err != nil {
			return "", "", err
		}
		m := csrfField.FindStringSubmatch(page)
		if m == nil {
			return "", "", fmt.Errorf("%s has no form", path)
		}
		values.Set("csrf", m[1])
		return fetch(ctx, client, "POST", base+path, values)
	}
	_, at, err := form("/signin", url.Values{"email": {reviewer.Email}, "password": {reviewer.Password}})
	if err != nil {
		return fmt.Errorf("signing in as the demo reviewer (is this the demo data set?): %w", err)
	}
	if at != "/signin/code" {
		return fmt.Errorf("signing in as the demo reviewer led to %s, not the code form", at)
	}
	for range 2 {
		code, err := identity.TOTPCode(reviewer.TOTPSecret, time.Now())
		if err != nil {
			return err
		}
		_, _, err = form("/signin/code", url.Values{"code": {code}})
		var refused refusedError
		if !errors.As(err, &refused) {
			return err
		}
		time.Sleep(time.Until(time.Now().Truncate(30 * time.Second).Add(31 * time.Second)))
	}
	return errors.New("the demo reviewer's second factor was refused")
}

// fetch asks for a page, following redirects, and returns its body and
// the path it ended at.
func fetch(ctx context.Context, client *http.Client, method, target string, form url.Values) (string, string, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		return "", "", err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", "", err
	}
	defer resp.Body.Close()
	page, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", "", err
	}
	switch resp.StatusCode {
	case http.StatusOK:
		return string(page), resp.Request.URL.Path, nil
	case http.StatusUnauthorized:
		return "", "", refusedError(resp.Request.URL.Path)
	}
	return "", "", fmt.Errorf("%s %s: %s", method, resp.Request.URL.Path, resp.Status)
}

// refusedError is a sign-in form's refusal.
type refusedError string

func (e refusedError) Error() string { return "refused at " + string(e) }

func ms(sorted []time.Duration, q float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	return float64(sorted[int(q*float64(len(sorted)-1))].Microseconds()) / 1000
}

// serverTiming sums the dur= figures of a Server-Timing header, in
// milliseconds; nil when there is none.
func serverTiming(h string) *float64 {
	if h == "" {
		return nil
	}
	total, found := 0.0, false
	for _, metric := range strings.Split(h, ",") {
		for _, param := range strings.Split(metric, ";") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(param), "dur="); ok {
				if f, err := strconv.ParseFloat(v, 64); err == nil {
					total, found = total+f, true
				}
			}
		}
	}
	if !found {
		return nil
	}
	return &total
}
