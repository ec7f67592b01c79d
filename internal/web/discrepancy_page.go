package web

import (
	"net/http"
	"strings"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/links"
	"github.com/doorway-cas/doorway/internal/store"
)

// discrepancyStatuses are the status filter's values; no status shows every report.
var discrepancyStatuses = []string{string(cas.DiscrepancyOpen), string(cas.DiscrepancyResolved)}

type discrepancyRow struct {
	cas.Discrepancy
	Agency, Facility, Units string
	Summary                 string // the note, shortened
	Outcome                 string // what was done, once resolved
}

type discrepancyListData struct {
	StatusList
	Rows        []discrepancyRow
	AllAgencies bool // the viewer sees every agency's reports, so rows name the agency
	CanFile     bool
	Forms       []discrepancyForm
}

// discrepancyForm is the filing form of one of the agency's facilities: its units to tick, and a
// refused submission's note and messages.
type discrepancyForm struct {
	Facility cas.Facility
	Units    []unitChoice
	Note     string
	Errors   map[string]string
}

func (s *Server) discrepancyListPage(w http.ResponseWriter, r *http.Request) error {
	return s.discrepancyListView(w, r, http.StatusOK, nil)
}

// discrepancyListView renders the list of reports, and for agency users the filing forms; refused
// holds a refused report's messages by field.
func (s *Server) discrepancyListView(w http.ResponseWriter, r *http.Request, status int, refused map[string]string) error {
	u := actor(r)
	filter, page, err := statusListOf(r, "/discrepancies", "Filter reports", discrepancyStatuses)
	if err != nil {
		return err
	}
	d := discrepancyListData{StatusList: filter, AllAgencies: cas.SeesAllAgencies(u), CanFile: u.Role == cas.RoleAgencyUser}
	list, err := s.db.DiscrepancyList(r.Context(), u, store.DiscrepancyFilter{Status: cas.DiscrepancyStatus(d.Status)}, page)
	if err != nil {
		return err
	}
	d.Next = list.Next
	for _, rep := range list.Reports {
		row := discrepancyRow{Discrepancy: rep, Agency: list.Agency(rep.AgencyID).Name, Facility: list.Facility(rep.FacilityID).Name,
			Units: unitLabels(list.Records, rep.UnitIDs), Summary: noteSummary(rep.Note)}
		if rep.Resolution != nil {
			row.Outcome = rep.Resolution.Action.Words()
		}
		d.Rows = append(d.Rows, row)
	}
	v := view{}
	if d.CanFile {
		d.Forms, v.Errors = discrepancyForms(r, list.Records, refused)
	}
	v.Data = d
	return s.render(w, r, status, "discrepancy_list", "Discrepancy reports", v)
}

// unitLabels names units in the order given, leaving out any the viewer may not see.
func unitLabels(rec store.Records, ids []string) string {
	labels := make([]string, 0, len(ids))
	for _, id := range ids {
		if u := rec.Unit(id); u.ID != "" {
			labels = append(labels, u.Label)
		}
	}
	return strings.Join(labels, ", ")
}

// discrepancyForms are the filing forms of the agency's facilities. A refused report refills its
// facility's form; messages that form cannot show next to a field go to the top of the page.
func discrepancyForms(r *http.Request, rec store.Records, refused map[string]string) ([]discrepancyForm, map[string]string) {
	var top map[string]string
	forms := make([]discrepancyForm, 0, len(rec.Facilities))
	for _, f := range rec.Facilities {
		form := discrepancyForm{Facility: f}
		var ticked []string
		if refused != nil && f.ID == r.PostFormValue("facility_id") {
			form.Note, ticked = r.PostFormValue("note"), r.PostForm["unit_ids"]
			form.Errors, top = splitFormErrors(refused, "unit_ids", "note")
		}
		form.Units = unitChoices(rec.UnitsOf(f.ID), ticked)
		forms = append(forms, form)
	}
	if refused != nil && top == nil {
		_, top = splitFormErrors(refused) // not one of the agency's facilities: no form to refill
	}
	return forms, top
}

func (s *Server) discrepancyFilePage(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return cas.Errorf(cas.EInvalid, "unreadable form")
	}
	f := r.PostForm
	rep, err := s.db.FileDiscrepancy(r.Context(), actor(r), cas.Discrepancy{FacilityID: f.Get("facility_id"), UnitIDs: f["unit_ids"], Note: f.Get("note")})
	if errs, ok := formError(err); ok {
		return s.discrepancyListView(w, r, http.StatusBadRequest, errs)
	}
	if err != nil {
		return err
	}
	return s.redirect(w, r, links.Discrepancy(rep.ID), "Report filed. CAS admins have been told; you will be told here and in your inbox when it is resolved.")
}

// resolutionLabels offer each of cas.ResolutionActions in the resolve form.
var resolutionLabels = map[cas.ResolutionAction]string{
	cas.ResolveOffline:    "Take the reported units offline now, with the report's note as the reason (each must be available)",
	cas.ResolveCheckIn:    "The occupancy was recorded with check-ins on the units",
	cas.ResolveCorrection: "The unit records were corrected",
	cas.ResolveNone:       "No change: close the report, giving the reason in the note",
}

type resolutionChoice struct {
	Value   cas.ResolutionAction
	Label   string
	Checked bool
}

type discrepancyData struct {
	Report                    cas.Discrepancy
	Agency, Program, Facility string
	Units                     []cas.Unit
	FiledBy, ResolvedBy       string
	Outcome                   string
	RosterPath                string
	CanResolve                bool
	Actions                   []resolutionChoice
	Note                      string // a refused resolution's note
}

func (s *Server) discrepancyPage(w http.ResponseWriter, r *http.Request) error {
	return s.discrepancyView(w, r, http.StatusOK, nil)
}

// discrepancyView renders one report; errs holds a refused resolution's messages by field.
func (s *Server) discrepancyView(w http.ResponseWriter, r *http.Request, status int, errs map[string]string) error {
	u := actor(r)
	p, err := s.db.DiscrepancyPage(r.Context(), u, r.PathValue("id"))
	if err != nil {
		return err
	}
	rep := p.Report
	f := p.Facility(rep.FacilityID)
	d := discrepancyData{Report: rep, Agency: p.Agency(rep.AgencyID).Name, Program: p.Program(f.ProgramID).Name, Facility: f.Name,
		RosterPath: rosterPath(u, rep.FacilityID), CanResolve: rep.Status == cas.DiscrepancyOpen && cas.CanResolveDiscrepancy(u),
		Note: r.PostFormValue("note"), FiledBy: p.People[rep.CreatedBy], ResolvedBy: p.People[rep.ResolvedBy]}
	for _, id := range rep.UnitIDs {
		if un := p.Unit(id); un.ID != "" {
			d.Units = append(d.Units, un)
		}
	}
	if rep.Resolution != nil {
		d.Outcome = humanize(rep.Resolution.Action.Words())
	}
	if d.CanResolve {
		for _, a := range cas.ResolutionActions {
			d.Actions = append(d.Actions, resolutionChoice{Value: a, Label: resolutionLabels[a], Checked: r.PostFormValue("action") == string(a)})
		}
	}
	return s.render(w, r, status, "discrepancy_detail", "Discrepancy report", view{Data: d, Errors: pageErrors(errs, "action", "note")})
}

func (s *Server) discrepancyResolvePage(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	res := cas.Resolution{Action: cas.ResolutionAction(r.PostFormValue("action")), Note: r.PostFormValue("note")}
	if _, err := s.db.ResolveDiscrepancy(r.Context(), actor(r), id, res); err != nil {
		errs, ok := formError(err)
		if !ok {
			return err
		}
		return s.discrepancyView(w, r, http.StatusBadRequest, errs)
	}
	return s.redirect(w, r, links.Discrepancy(id), "Report resolved: "+res.Action.Words()+". The agency has been told.")
}

// noteSummary shortens a free-text note for a list; the whole note is on the record's page.
func noteSummary(note string) string {
	const most = 140
	if r := []rune(note); len(r) > most {
		return strings.TrimSpace(string(r[:most])) + "…"
	}
	return note
}
