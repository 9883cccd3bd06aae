// Command queue measures how long a running writ takes to answer the
// legal team's queue: the list of demands (newest first, filtered by state,
// sorted by deadline, and the demands in review by deadline, a reviewer's
// own queue) and one demand. One client asks each page in turn,
// -requests times a run, -runs runs, after a few unmeasured requests to
// warm the server, and prints the latencies as JSON. The time is the wall
// time on the loopback interface from sending the request to reading the
// whole answer; the Server-Timing header's own figure is kept too when
// writ sends one.
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
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// pages are the requests measured, by name.
var pages = []struct{ name, path string }{
	{"list", "/v1/demands"},
	{"list_in_review", "/v1/demands?state=in_review"},
	{"list_by_deadline", "/v1/demands?sort=deadline"},
	{"list_in_review_by_deadline", "/v1/demands?state=in_review&sort=deadline"},
	{"demand", "/v1/demands/{id}"},
}

func main() {
	base := flag.String("url", "", "writ's address")
	token := flag.String("token", "", "an admin's API token")
	requests := flag.Int("requests", 300, "requests of each page per run")
	runs := flag.Int("runs", 3, "how many runs")
	flag.Parse()
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
	client := &http.Client{Timeout: time.Minute}
	get := func(path string) (time.Duration, *float64, []byte, error) {
		req, err := http.NewRequestWithContext(ctx, "GET", base+path, nil)
		if err != nil {
			return 0, nil, nil, err
		}
		req.Header.Set("Authorization", "Bearer "+token)
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
