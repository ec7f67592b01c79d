package web

import (
	"net/http"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
)

// clientDocumentJSON is a document on a client's checklist.
type clientDocumentJSON struct {
	ID         string    `json:"id"`
	ClientID   string    `json:"client_id"`
	Name       string    `json:"name"`
	ReceivedOn *cas.Date `json:"received_on"`
	RecordedBy *string   `json:"recorded_by"`
	CreatedAt  time.Time `json:"created_at"`
}

func toClientDocumentJSON(d cas.ClientDocument) clientDocumentJSON {
	j := clientDocumentJSON{ID: d.ID, ClientID: d.ClientID, Name: d.Name, CreatedAt: d.CreatedAt}
	if d.ReceivedOn != "" {
		j.ReceivedOn = &d.ReceivedOn
	}
	if d.RecordedBy != "" {
		j.RecordedBy = &d.RecordedBy
	}
	return j
}

func (s *Server) clientDocumentList(w http.ResponseWriter, r *http.Request) error {
	list, err := s.db.ClientDocuments(r.Context(), actor(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(list, "", toClientDocumentJSON))
	return nil
}

func (s *Server) clientDocumentCreate(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Name       *string   `json:"name"`
		ReceivedOn *cas.Date `json:"received_on"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if err := requireFields(presence{"name", req.Name == nil}); err != nil {
		return err
	}
	d := cas.ClientDocument{Name: *req.Name, ReceivedOn: s.today()}
	setIf(&d.ReceivedOn, req.ReceivedOn)
	d, err := s.db.AddClientDocument(r.Context(), actor(r), r.PathValue("id"), d)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, toClientDocumentJSON(d))
	return nil
}

func (s *Server) clientDocumentDelete(w http.ResponseWriter, r *http.Request) error {
	if err := s.db.RemoveClientDocument(r.Context(), actor(r), r.PathValue("id"), r.PathValue("doc_id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
