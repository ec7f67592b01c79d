package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/store"
)

type hplEntryJSON struct {
	ID           string           `json:"id"`
	ClientID     string           `json:"client_id"`
	Score        int              `json:"score"`
	AssessedOn   cas.Date         `json:"assessed_on"`
	DaysHomeless int              `json:"days_homeless"`
	Documents    []string         `json:"documents"`
	IntakeStatus cas.IntakeStatus `json:"intake_status"`
	Status       cas.HPLStatus    `json:"status"`
	ParkedUntil  *cas.Date        `json:"parked_until"`
	ParkReason   string           `json:"park_reason,omitempty"`
	// RemovalReason says in words why the entry left the list; RemovalReasonCode is its code,
	// absent for reasons from before codes and from an HMIS import.
	RemovalReason     string          `json:"removal_reason,omitempty"`
	RemovalReasonCode cas.RemovalCode `json:"removal_reason_code,omitempty"`
	// HMISEnrollmentID is the HMIS CE enrollment the entry came from; null when made in Doorway.
	HMISEnrollmentID *string   `json:"hmis_enrollment_id"`
	CreatedAt        time.Time `json:"created_at"`
	UpdatedAt        time.Time `json:"updated_at"`
}

func toHPLEntryJSON(e cas.HPLEntry) hplEntryJSON {
	out := hplEntryJSON{ID: e.ID, ClientID: e.ClientID, Score: e.Score, AssessedOn: e.AssessedOn, DaysHomeless: e.DaysHomeless,
		Documents: e.Documents, IntakeStatus: e.IntakeStatus, Status: e.Status, ParkReason: e.ParkReason, RemovalReason: cas.RemovalWords(e.RemovalReason),
		CreatedAt: e.CreatedAt, UpdatedAt: e.UpdatedAt}
	out.RemovalReasonCode, _ = cas.RemovalOf(e.RemovalReason)
	if e.ParkedUntil != "" {
		out.ParkedUntil = &e.ParkedUntil
	}
	if e.HMISEnrollmentID != "" {
		out.HMISEnrollmentID = &e.HMISEnrollmentID
	}
	return out
}

// hplItemJSON is a line of the HPL: the entry, its rank, the client, and the factors ranked on.
type hplItemJSON struct {
	hplEntryJSON
	// Rank is the place on the list; null for housed and removed entries, which are off it.
	Rank    *int           `json:"rank"`
	Client  clientJSON     `json:"client"`
	Factors map[string]any `json:"factors"`
}

func (s *Server) toHPLItemJSON(it store.HPLItem) hplItemJSON {
	c, e := it.Client, it.Entry
	var rank *int
	if it.Rank > 0 {
		rank = &it.Rank
	}
	return hplItemJSON{hplEntryJSON: toHPLEntryJSON(e), Rank: rank, Client: s.toClientJSON(c), Factors: map[string]any{
		string(cas.FactorScore): e.Score, string(cas.FactorChronic): c.Chronic, string(cas.FactorDaysHomeless): e.DaysHomeless,
		string(cas.FactorAssessedOn): e.AssessedOn, string(cas.FactorVeteran): c.Veteran, string(cas.FactorDVSurvivor): c.DVSurvivor,
		string(cas.FactorYouth): c.Youth, string(cas.FactorHouseholdSize): c.HouseholdSize,
	}}
}

type schemeJSON struct {
	Version   int             `json:"version"`
	Criteria  []cas.Criterion `json:"criteria"`
	CreatedAt *time.Time      `json:"created_at,omitempty"`
}

func toSchemeJSON(s cas.PriorityScheme) schemeJSON {
	out := schemeJSON{Version: s.Version, Criteria: s.Criteria}
	if !s.CreatedAt.IsZero() {
		out.CreatedAt = &s.CreatedAt
	}
	return out
}

// hplList answers the HPL in rank order, with the scheme that ranked it.
func (s *Server) hplList(w http.ResponseWriter, r *http.Request) error {
	page, err := pageOf(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := store.HPLFilter{IntakeStatus: cas.IntakeStatus(q.Get("intake_status")), HouseholdType: cas.HouseholdType(q.Get("household_type")),
		Population: cas.Population(q.Get("population")), Search: q.Get("q")}
	if st := q.Get("status"); st != "" {
		for _, v := range strings.Split(st, ",") {
			f.Status = append(f.Status, cas.HPLStatus(v))
		}
	}
	items, next, scheme, err := s.db.HPL(r.Context(), actor(r), f, page)
	if err != nil {
		return err
	}
	out := struct {
		list[hplItemJSON]
		Scheme schemeJSON `json:"scheme"`
	}{list: newList(items, next, s.toHPLItemJSON), Scheme: toSchemeJSON(scheme)}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) hplShow(w http.ResponseWriter, r *http.Request) error {
	e, err := s.db.HPLEntry(r.Context(), actor(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toHPLEntryJSON(e))
	return nil
}

type hplRequest struct {
	ClientID     *string           `json:"client_id"`
	Score        *int              `json:"score"`
	AssessedOn   *cas.Date         `json:"assessed_on"`
	DaysHomeless *int              `json:"days_homeless"`
	Documents    *[]string         `json:"documents"`
	IntakeStatus *cas.IntakeStatus `json:"intake_status"`
}

func (req hplRequest) apply(e *cas.HPLEntry) {
	setIf(&e.ClientID, req.ClientID)
	setIf(&e.Score, req.Score)
	setIf(&e.AssessedOn, req.AssessedOn)
	setIf(&e.DaysHomeless, req.DaysHomeless)
	setIf(&e.Documents, req.Documents)
	setIf(&e.IntakeStatus, req.IntakeStatus)
}

func (s *Server) hplAdd(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		hplRequest
		// HMISEnrollmentID links the entry to the client's CE enrollment in the HMIS.
		HMISEnrollmentID string `json:"hmis_enrollment_id"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if err := requireFields(presence{"client_id", req.ClientID == nil}, presence{"score", req.Score == nil},
		presence{"assessed_on", req.AssessedOn == nil}); err != nil {
		return err
	}
	e := cas.HPLEntry{HMISEnrollmentID: req.HMISEnrollmentID}
	req.apply(&e)
	e, err := s.db.AddToHPL(r.Context(), actor(r), e)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, toHPLEntryJSON(e))
	return nil
}

func (s *Server) hplUpdate(w http.ResponseWriter, r *http.Request) error {
	var req hplRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	e, err := s.db.UpdateHPLEntry(r.Context(), actor(r), r.PathValue("id"), req.apply)
	return respond(w, toHPLEntryJSON(e), err)
}

func (s *Server) hplPark(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Until  *cas.Date `json:"until"`
		Reason *string   `json:"reason"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if err := requireFields(presence{"until", req.Until == nil}, presence{"reason", req.Reason == nil}); err != nil {
		return err
	}
	e, err := s.db.ParkHPLEntry(r.Context(), actor(r), r.PathValue("id"), *req.Until, *req.Reason)
	return respond(w, toHPLEntryJSON(e), err)
}

func (s *Server) hplUnpark(w http.ResponseWriter, r *http.Request) error {
	e, err := s.db.UnparkHPLEntry(r.Context(), actor(r), r.PathValue("id"))
	return respond(w, toHPLEntryJSON(e), err)
}

// hplRemove takes an entry off the list with a coded reason; a free-text reason, from before
// the codes, is taken as other with the text as its note.
func (s *Server) hplRemove(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		ReasonCode cas.RemovalCode `json:"reason_code"`
		Note       string          `json:"note"`
		Reason     *string         `json:"reason"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if req.Reason != nil && req.ReasonCode == "" {
		if strings.TrimSpace(*req.Reason) == "" {
			return cas.Invalid("reason", "a reason is required to remove a client from the HPL")
		}
		req.ReasonCode, req.Note = cas.RemovalOther, *req.Reason
	}
	e, err := s.db.RemoveFromHPL(r.Context(), actor(r), r.PathValue("id"), req.ReasonCode, req.Note)
	return respond(w, toHPLEntryJSON(e), err)
}

func (s *Server) schemeShow(w http.ResponseWriter, r *http.Request) error {
	scheme, err := s.db.PriorityScheme(r.Context())
	return respond(w, toSchemeJSON(scheme), err)
}

func (s *Server) schemeSet(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Criteria *[]cas.Criterion `json:"criteria"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if err := requireFields(presence{"criteria", req.Criteria == nil}); err != nil {
		return err
	}
	scheme, err := s.db.SetPriorityScheme(r.Context(), actor(r), *req.Criteria)
	return respond(w, toSchemeJSON(scheme), err)
}

// respond writes v with 200 when err is nil, and returns err otherwise.
func respond(w http.ResponseWriter, v any, err error) error {
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}
