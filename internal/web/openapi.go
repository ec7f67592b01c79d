package web

import (
	_ "embed"
	"net/http"
)

// openAPISpec is the API contract, kept true by a test that compares it with the route table.
//
//go:embed openapi.yaml
var openAPISpec []byte

func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/yaml; charset=utf-8")
	w.Write(openAPISpec)
	return nil
}
