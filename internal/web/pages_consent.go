package web

import (
	"fmt"
	"net/http"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/hmiscsv"
)

// maxConsentUpload bounds an uploaded consent list: 10,000 lines are well under a megabyte.
const maxConsentUpload = 16 << 20

// consentData is the consent page: the list's columns, and the problems of a refused list.
type consentData struct {
	Columns  []string
	Problems []string
}

func (s *Server) consentPage(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, r, http.StatusOK, "client_consent", "Record consent", view{Data: consentData{Columns: hmiscsv.ConsentListColumns}})
}

// consentUpload reads an uploaded consent list and records every release of information in it, or
// none, showing every problem by line and column.
func (s *Server) consentUpload(w http.ResponseWriter, r *http.Request) error {
	refused := func(field, msg string, problems []string) error {
		return s.render(w, r, http.StatusBadRequest, "client_consent", "Record consent", view{Errors: map[string]string{field: msg},
			Data: consentData{Columns: hmiscsv.ConsentListColumns, Problems: problems}})
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxConsentUpload)
	if err := r.ParseMultipartForm(maxConsentUpload); err != nil {
		return refused("consent", "Choose the consent list, a CSV file of at most 16 MB.", nil)
	}
	f, header, err := r.FormFile("consent")
	if err != nil {
		return refused("consent", "Choose the consent list, a CSV file.", nil)
	}
	defer f.Close()
	records, err := hmiscsv.ReadConsentList(header.Filename, f)
	if err == nil {
		var n int
		if n, err = s.db.RecordConsent(r.Context(), actor(r), records); err == nil {
			return s.redirect(w, r, "/clients/consent", fmt.Sprintf("Consent recorded for %d %s.", n, plural(n, "client", "clients")))
		}
	}
	if e := cas.ErrorOf(err); e != nil && e.Code == cas.EInvalid {
		problems := e.Details
		if len(problems) == 0 {
			problems = []string{e.Message}
		}
		return refused("consent", "Nothing was recorded: fix these lines and upload the list again.", problems)
	}
	return err
}
