package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
)

// profile is a CPU profile of writ taken while the first run's flood is
// under way, from pprof, writ's /debug/pprof address (on its metrics
// listener), for seconds, into file: it shows what the flood costs the
// server and so what the PATCHes wait for.
type profile struct {
	pprof, file string
	seconds     int
}

// start fetches the profile in the background; the function it returns
// waits until it is written. Without an address it does nothing.
func (p profile) start() (wait func() error) {
	if p.pprof == "" || p.file == "" {
		return func() error { return nil }
	}
	done := make(chan error, 1)
	go func() { done <- p.fetch() }()
	return func() error { return <-done }
}

func (p profile) fetch() error {
	c := &http.Client{Timeout: time.Duration(p.seconds)*time.Second + 30*time.Second}
	res, err := c.Get(fmt.Sprintf("%s/profile?seconds=%d", p.pprof, p.seconds))
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", res.Request.URL, res.Status)
	}
	f, err := os.Create(p.file)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, res.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
