package web

import "net/http"

// Mount serves the API's paths — the JSON API under /v1/, the audit log's
// tiles under /log/, and the published transparency reports' files and
// warrant canary under /transparency — and the web application everywhere
// else, the transparency reports' pages among it, as "writ serve" does.
// The API keeps its own headers and limits; the pages get theirs. Every
// answer carries a Server-Timing header (see serverTiming).
func Mount(api http.Handler, app *Server) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/v1/", api)
	mux.Handle("/log/", api)
	mux.Handle("/transparency/canary", api)
	mux.Handle("/transparency/{period}/{file}", api)
	mux.Handle("/", app)
	return serverTiming(mux)
}
