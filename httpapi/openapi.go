package httpapi

import (
	_ "embed"
	"net/http"
)

// openAPIDocument describes every route of routes(); a test checks that the
// two agree exactly and that the document is valid OpenAPI 3.1.
//
//go:embed openapi.json
var openAPIDocument []byte

// OpenAPIDocument returns the API's OpenAPI 3.1 document.
func OpenAPIDocument() []byte { return openAPIDocument }

func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/json")
	w.Write(openAPIDocument)
	return nil
}
