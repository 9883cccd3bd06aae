// Command signin measures what a flood of failed sign-ins does to the
// legal team's work: the p95 of a reviewer's PATCH of a demand over the
// API, at rest and while -flood clients send wrong passwords to the
// sign-in form as fast as writ answers them. Each flooding request comes
// from an address of its own (writ runs with --trusted-proxy 127.0.0.1 and
// is told the address in X-Forwarded-For) and names an account of its
// own, as a botnet spraying addresses would: no throttle refuses it
// unchecked, so every one costs writ a password hash and its writes. Each
// run measures -requests PATCHes at rest and -requests during the flood,
// one after another from one client, after a few unmeasured ones; it
// prints the latencies and the flood's rate as JSON.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	base := flag.String("url", "", "writ's address")
	token := flag.String("token", "", "a reviewer's API token")
	flood := flag.Int("flood", 24, "concurrent clients sending wrong passwords")
	requests := flag.Int("requests", 200, "PATCHes measured at rest and during the flood, per run")
	runs := flag.Int("runs", 3, "how many runs")
	var prof profile
	flag.StringVar(&prof.pprof, "pprof", "", "writ's profiles (`URL` of /debug/pprof on its metrics address), to profile its CPU during the first flood")
	flag.StringVar(&prof.file, "cpuprofile", "", "write that profile to this `file`")
	flag.IntVar(&prof.seconds, "profile-seconds", 5, "how long the profile lasts; the first flood goes on at least that long")
	flag.Parse()
	if *base == "" || *token == "" {
		fmt.Fprintln(os.Stderr, "signin: need -url and -token")
		os.Exit(2)
	}
	out, err := measure(context.Background(), *base, *token, *flood, *requests, *runs, prof)
	if err != nil {
		fmt.Fprintln(os.Stderr, "signin:", err)
		os.Exit(1)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	enc.Encode(out)
}

// result is what one invocation measured.
type result struct {
	Flood    int   `json:"flood_clients"`
	Requests int   `json:"requests"`
	Runs     []run `json:"runs"`
}

// run is one run: the PATCH latencies at rest and during the flood, and
// what the flood got.
type run struct {
	RestP50ms  float64        `json:"rest_p50_ms"`
	RestP95ms  float64        `json:"rest_p95_ms"`
	FloodP50ms float64        `json:"flood_p50_ms"`
	FloodP95ms float64        `json:"flood_p95_ms"`
	Ratio      float64        `json:"ratio"`
	Attempts   int64          `json:"flood_attempts"`
	PerSecond  float64        `json:"flood_attempts_per_s"`
	Statuses   map[string]int `json:"flood_statuses"`
	Errors     int            `json:"errors"`
}

func measure(ctx context.Context, base, token string, flood, requests, runs int, prof profile) (result, error) {
	out := result{Flood: flood, Requests: requests}
	api := &http.Client{Timeout: 30 * time.Second}
	id, err := firstDemand(api, base, token)
	if err != nil {
		return out, err
	}
	// Each PATCH names the version it changes (If-Match): the ETag of the
	// demand as read, then as the last PATCH answered it.
	req, _ := http.NewRequest("GET", fmt.Sprintf("%s/v1/demands/%d", base, id), nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := api.Do(req)
	if err != nil {
		return out, err
	}
	res.Body.Close()
	tag := res.Header.Get("ETag")
	patch := func(n int) (time.Duration, error) {
		due := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(n) * time.Minute).Format(time.RFC3339)
		req, _ := http.NewRequest("PATCH", fmt.Sprintf("%s/v1/demands/%d", base, id), strings.NewReader(`{"due":"`+due+`"}`))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("If-Match", tag)
		start := time.Now()
		res, err := api.Do(req)
		if err != nil {
			return 0, err
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			return 0, fmt.Errorf("PATCH answered %s", res.Status)
		}
		tag = res.Header.Get("ETag")
		return time.Since(start), nil
	}
	series := func(from int) ([]time.Duration, int) {
		var lat []time.Duration
		errs := 0
		for i := range 10 + requests {
			d, err := patch(from + i)
			if err != nil {
				errs++
				continue
			}
			if i >= 10 {
				lat = append(lat, d)
			}
		}
		return lat, errs
	}
	n := 0
	for r := range runs {
		rest, errs := series(n)
		n += 10 + requests
		stop := make(chan struct{})
		var attempts atomic.Int64
		statuses := &sync.Map{}
		var wg sync.WaitGroup
		for c := range flood {
			wg.Go(func() { floodSignIns(base, r, c, stop, &attempts, statuses) })
		}
		time.Sleep(time.Second) // the flood under way
		profiled := func() error { return nil }
		if r == 0 {
			profiled = prof.start()
		}
		floodStart, before := time.Now(), attempts.Load()
		during, ferrs := series(n)
		n += 10 + requests
		elapsed, done := time.Since(floodStart), attempts.Load()-before
		if err := profiled(); err != nil {
			fmt.Fprintln(os.Stderr, "signin: no profile:", err)
		}
		close(stop)
		wg.Wait()
		one := run{Attempts: done, PerSecond: float64(done) / elapsed.Seconds(), Statuses: map[string]int{}, Errors: errs + ferrs}
		statuses.Range(func(k, v any) bool { one.Statuses[k.(string)] = int(v.(*atomic.Int64).Load()); return true })
		one.RestP50ms, one.RestP95ms = quantile(rest, 0.5), quantile(rest, 0.95)
		one.FloodP50ms, one.FloodP95ms = quantile(during, 0.5), quantile(during, 0.95)
		if one.RestP95ms > 0 {
			one.Ratio = one.FloodP95ms / one.RestP95ms
		}
		out.Runs = append(out.Runs, one)
	}
	return out, nil
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// floodSignIns sends wrong passwords from client c until stop closes,
// each from an address and for an account of its own.
func floodSignIns(base string, run, c int, stop chan struct{}, attempts *atomic.Int64, statuses *sync.Map) {
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Timeout: 60 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Get(base + "/signin")
	if err != nil {
		return
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := csrfField.FindSubmatch(page)
	if m == nil {
		return
	}
	for i := 0; ; i++ {
		select {
		case <-stop:
			return
		default:
		}
		form := url.Values{"csrf": {string(m[1])}, "email": {fmt.Sprintf("flood-%d-%d-%d@attacker.example", run, c, i)}, "password": {"not the password"}}
		req, _ := http.NewRequest("POST", base+"/signin", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		// 10.x addresses stand for the clients of a botnet, each seen once.
		req.Header.Set("X-Forwarded-For", fmt.Sprintf("10.%d.%d.%d", run*32+c, i/250%250, i%250+1))
		res, err := client.Do(req)
		status := "error"
		if err == nil {
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			status = fmt.Sprint(res.StatusCode)
		}
		attempts.Add(1)
		v, _ := statuses.LoadOrStore(status, &atomic.Int64{})
		v.(*atomic.Int64).Add(1)
	}
}

// firstDemand is the id of a demand the reviewer can PATCH.
func firstDemand(c *http.Client, base, token string) (int64, error) {
	req, _ := http.NewRequest("GET", base+"/v1/demands?limit=1&state=in_review", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	var page struct {
		Items []struct {
			ID int64 `json:"id"`
		} `json:"items"`
	}
	if err := json.NewDecoder(res.Body).Decode(&page); err != nil || len(page.Items) == 0 {
		return 0, errors.New("no demand in review to PATCH: load the demo data set with some demands")
	}
	return page.Items[0].ID, nil
}

// quantile is the q-quantile of ds in milliseconds.
func quantile(ds []time.Duration, q float64) float64 {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return float64(s[min(len(s)-1, int(q*float64(len(s))))].Microseconds()) / 1000
}
