package web

import (
	"net/http"
	"strconv"
	"time"
)

// serverTiming adds a Server-Timing header to every answer: "app;dur=" and
// the milliseconds from receiving the request to sending the answer's
// headers. writ renders a page or a JSON body whole before writing it, so
// that is the time the server took to make the answer, without the
// network; browsers' developer tools show it, and the benchmarks read it.
// Document downloads, which stream, report the time to their first byte.
func serverTiming(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tw := &timingWriter{ResponseWriter: w, start: time.Now()}
		next.ServeHTTP(tw, r)
	})
}

// timingWriter stamps the header on the answer's first WriteHeader or
// Write.
type timingWriter struct {
	http.ResponseWriter
	start   time.Time
	stamped bool
}

func (w *timingWriter) stamp() {
	if w.stamped {
		return
	}
	w.stamped = true
	ms := float64(time.Since(w.start).Microseconds()) / 1000
	w.Header().Set("Server-Timing", "app;dur="+strconv.FormatFloat(ms, 'f', 3, 64))
}

func (w *timingWriter) WriteHeader(code int) {
	w.stamp()
	w.ResponseWriter.WriteHeader(code)
}

func (w *timingWriter) Write(b []byte) (int, error) {
	w.stamp()
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *timingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
