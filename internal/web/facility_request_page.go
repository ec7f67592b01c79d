package web

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/links"
	"github.com/doorway-cas/doorway/internal/report"
	"github.com/doorway-cas/doorway/internal/store"
)

// ----- What reports and requests point at -----

// requestNames reads the agencies, programs, facilities and units that reports and requests point
// at, each once per page and as the viewer may see it: one the viewer may not see is the zero
// value. The first other error sticks, for the page to return.
type requestNames struct {
	ctx        context.Context
	db         *store.DB
	actor      *cas.User
	agencies   map[string]cas.Agency
	programs   map[string]cas.Program
	facilities map[string]cas.Facility
	units      map[string]cas.Unit
	err        error
}

func (s *Server) requestNamesFor(r *http.Request) *requestNames {
	return &requestNames{ctx: r.Context(), db: s.db, actor: actor(r), agencies: map[string]cas.Agency{},
		programs: map[string]cas.Program{}, facilities: map[string]cas.Facility{}, units: map[string]cas.Unit{}}
}

// cached reads the record id into cache once.
func cached[T any](n *requestNames, cache map[string]T, id string, get func(context.Context, *cas.User, string) (T, error)) T {
	rec, ok := cache[id]
	if ok || id == "" || n.err != nil {
		return rec
	}
	rec, err := get(n.ctx, n.actor, id)
	if err != nil {
		if cas.ErrorCode(err) != cas.ENotFound {
			n.err = err
		}
		var none T
		rec = none
	}
	cache[id] = rec
	return rec
}

func (n *requestNames) agency(id string) cas.Agency { return cached(n, n.agencies, id, n.db.Agency) }

func (n *requestNames) program(id string) cas.Program { return cached(n, n.programs, id, n.db.Program) }

func (n *requestNames) facility(id string) cas.Facility {
	return cached(n, n.facilities, id, n.db.Facility)
}

func (n *requestNames) unit(id string) cas.Unit { return cached(n, n.units, id, n.db.Unit) }

// unitLabels names units in the order given, leaving out any the viewer may not see.
func (n *requestNames) unitLabels(ids []string) string {
	labels := make([]string, 0, len(ids))
	for _, id := range ids {
		if u := n.unit(id); u.ID != "" {
			labels = append(labels, u.Label)
		}
	}
	return strings.Join(labels, ", ")
}

// rosterPath is the page where the viewer keeps a facility's units: the units page, for the
// agency's users and the HMIS team; CAS admins keep none.
func rosterPath(u *cas.User, facilityID string) string {
	if facilityID == "" || !unitOperators.admits(u.Role) {
		return ""
	}
	return links.Roster(facilityID)
}

// requestNoteSummary shortens a free-text note for a list; the whole note is on the record's page.
func requestNoteSummary(note string) string {
	const most = 140
	if r := []rune(note); len(r) > most {
		return strings.TrimSpace(string(r[:most])) + "…"
	}
	return note
}

// requestUnitChoice is a unit offered as a checkbox, ticked again when a refused form comes back.
type requestUnitChoice struct {
	cas.Unit
	Checked bool
}

// requestInventory is the viewer's facilities, and their units by facility, for the forms that
// offer them.
func (s *Server) requestInventory(r *http.Request) ([]cas.Facility, map[string][]cas.Unit, error) {
	ctx, u := r.Context(), actor(r)
	facilities, err := store.All(func(p store.Page) ([]cas.Facility, string, error) {
		return s.db.Facilities(ctx, u, store.FacilityFilter{}, p)
	})
	if err != nil {
		return nil, nil, err
	}
	units, err := store.All(func(p store.Page) ([]cas.Unit, string, error) { return s.db.Units(ctx, u, store.UnitFilter{}, p) })
	if err != nil {
		return nil, nil, err
	}
	byFacility := map[string][]cas.Unit{}
	for _, un := range units {
		byFacility[un.FacilityID] = append(byFacility[un.FacilityID], un)
	}
	return facilities, byFacility, nil
}

// unitChoices offers units as checkboxes, those in ticked ticked.
func unitChoices(units []cas.Unit, ticked []string) []requestUnitChoice {
	choices := make([]requestUnitChoice, len(units))
	for i, un := range units {
		choices[i] = requestUnitChoice{Unit: un, Checked: slices.Contains(ticked, un.ID)}
	}
	return choices
}

// ----- Discrepancy reports -----

// discrepancyStatuses are the status filter's values; no status shows every report.
var discrepancyStatuses = []string{string(cas.DiscrepancyOpen), string(cas.DiscrepancyResolved)}

type discrepancyRow struct {
	cas.Discrepancy
	Agency, Facility, Units string
	Summary                 string // the note, shortened
	Outcome                 string // what was done, once resolved
}

// StatusList is a list page filtered by status and paged by cursor: what its filter form and
// pager (templates/partials/status_list.html) need.
type StatusList struct {
	Path, Label                 string // the list page, and the filter form's name for screen readers
	Statuses                    []option
	Status, Limit, Cursor, Next string
}

// statusListOf reads a list page's status filter and paging; the caller sets Next once it has
// read the page.
func statusListOf(r *http.Request, path, label string, statuses []string) (StatusList, store.Page, error) {
	page, err := pageOf(r)
	if err != nil {
		return StatusList{}, page, err
	}
	q := r.URL.Query()
	l := StatusList{Path: path, Label: label, Status: q.Get("status"), Limit: q.Get("limit"), Cursor: page.Cursor}
	l.Statuses = options(l.Status, statuses...)
	return l, page, nil
}

type discrepanciesData struct {
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
	Units    []requestUnitChoice
	Note     string
	Errors   map[string]string
}

func (s *Server) discrepanciesPage(w http.ResponseWriter, r *http.Request) error {
	return s.discrepanciesView(w, r, http.StatusOK, nil)
}

// discrepanciesView renders the list of reports, and for agency users the filing forms; refused
// holds a refused report's messages by field.
func (s *Server) discrepanciesView(w http.ResponseWriter, r *http.Request, status int, refused map[string]string) error {
	ctx, u := r.Context(), actor(r)
	list, page, err := statusListOf(r, "/discrepancies", "Filter reports", discrepancyStatuses)
	if err != nil {
		return err
	}
	d := discrepanciesData{StatusList: list, AllAgencies: cas.SeesAllAgencies(u), CanFile: u.Role == cas.RoleAgencyUser}
	reports, next, err := s.db.Discrepancies(ctx, u, store.DiscrepancyFilter{Status: cas.DiscrepancyStatus(d.Status)}, page)
	if err != nil {
		return err
	}
	d.Next = next
	n := s.requestNamesFor(r)
	for _, rep := range reports {
		row := discrepancyRow{Discrepancy: rep, Agency: n.agency(rep.AgencyID).Name, Facility: n.facility(rep.FacilityID).Name,
			Units: n.unitLabels(rep.UnitIDs), Summary: requestNoteSummary(rep.Note)}
		if rep.Resolution != nil {
			row.Outcome = rep.Resolution.Action.Words()
		}
		d.Rows = append(d.Rows, row)
	}
	if n.err != nil {
		return n.err
	}
	v := view{}
	if d.CanFile {
		if d.Forms, v.Errors, err = s.discrepancyForms(r, refused); err != nil {
			return err
		}
	}
	v.Data = d
	return s.render(w, r, status, "discrepancy_list", "Discrepancy reports", v)
}

// discrepancyForms are the filing forms of the agency's facilities. A refused report refills its
// facility's form; messages that form cannot show next to a field go to the top of the page.
func (s *Server) discrepancyForms(r *http.Request, refused map[string]string) ([]discrepancyForm, map[string]string, error) {
	facilities, units, err := s.requestInventory(r)
	if err != nil {
		return nil, nil, err
	}
	var top map[string]string
	forms := make([]discrepancyForm, 0, len(facilities))
	for _, f := range facilities {
		form := discrepancyForm{Facility: f}
		var ticked []string
		if refused != nil && f.ID == r.PostFormValue("facility_id") {
			form.Note, ticked = r.PostFormValue("note"), r.PostForm["unit_ids"]
			form.Errors, top = splitFormErrors(refused, "unit_ids", "note")
		}
		form.Units = unitChoices(units[f.ID], ticked)
		forms = append(forms, form)
	}
	if refused != nil && top == nil {
		_, top = splitFormErrors(refused) // not one of the agency's facilities: no form to refill
	}
	return forms, top, nil
}

func (s *Server) discrepancyFilePage(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return cas.Errorf(cas.EInvalid, "unreadable form")
	}
	f := r.PostForm
	rep, err := s.db.FileDiscrepancy(r.Context(), actor(r), cas.Discrepancy{FacilityID: f.Get("facility_id"), UnitIDs: f["unit_ids"], Note: f.Get("note")})
	if errs, ok := formError(err); ok {
		return s.discrepanciesView(w, r, http.StatusBadRequest, errs)
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
	ctx, u := r.Context(), actor(r)
	rep, err := s.db.Discrepancy(ctx, u, r.PathValue("id"))
	if err != nil {
		return err
	}
	n := s.requestNamesFor(r)
	f := n.facility(rep.FacilityID)
	d := discrepancyData{Report: rep, Agency: n.agency(rep.AgencyID).Name, Program: n.program(f.ProgramID).Name, Facility: f.Name,
		RosterPath: rosterPath(u, rep.FacilityID), CanResolve: rep.Status == cas.DiscrepancyOpen && cas.CanResolveDiscrepancy(u),
		Note: r.PostFormValue("note")}
	for _, id := range rep.UnitIDs {
		if un := n.unit(id); un.ID != "" {
			d.Units = append(d.Units, un)
		}
	}
	if n.err != nil {
		return n.err
	}
	people, err := s.db.UserNames(ctx, rep.CreatedBy, rep.ResolvedBy)
	if err != nil {
		return err
	}
	d.FiledBy, d.ResolvedBy = people[rep.CreatedBy], people[rep.ResolvedBy]
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

// ----- Facility-setup requests -----

// facilityRequestStatuses are the status filter's values; no status shows every request.
var facilityRequestStatuses = []string{string(cas.RequestPending), string(cas.RequestApproved), string(cas.RequestRejected)}

// requestUnitRows is how many unit rows a request form offers, blank ones ignored: enough for most
// requests without JavaScript; a larger change is sent as several requests.
const requestUnitRows = 5

// unitRowParts are the fields of a unit row, after the row's prefix; "" is the unit as a whole.
var unitRowParts = []string{"", ".label", ".bedrooms", ".household_types"}

type facilityRequestRow struct {
	cas.FacilityRequest
	Agency, Program, Facility string
	Summary                   string
}

type facilityRequestsData struct {
	StatusList
	Rows        []facilityRequestRow
	AllAgencies bool
	CanRequest  bool
	New         facilityRequestForm
	Changes     []facilityRequestForm
}

// facilityRequestForm is a request form: for a new facility (Facility nil), or for changing the
// units of one. A refused submission comes back with its values and messages.
type facilityRequestForm struct {
	Key           string // "new" or the facility's ID: the prefix of the form's element IDs
	Facility      *cas.Facility
	Program       string   // the facility's program
	Programs      []option // the programs a new facility may belong to
	Name, Address string
	Units         []unitSpecRow
	Remove        []requestUnitChoice
	Errors        map[string]string
}

// unitSpecRow is one row of a request form's units.
type unitSpecRow struct {
	N               int    // from 1, to name the row
	Field           string // the prefix of the row's field names: units[2]
	ID              string // the prefix of the row's element IDs
	Label, Bedrooms string
	HouseholdTypes  []option
	Accessible      bool
	Errors          map[string]string // by part: label, bedrooms, household_types; unit for the row as a whole
}

// facilityRequestSummary says what a request asks for, in a phrase.
func facilityRequestSummary(r cas.FacilityRequest) string {
	if r.Kind == cas.NewFacilityRequest {
		return "New facility with " + report.Count(len(r.Details.Units), "unit", "units")
	}
	var parts []string
	if n := len(r.Details.Add); n > 0 {
		parts = append(parts, "add "+report.Count(n, "unit", "units"))
	}
	if n := len(r.Details.RemoveUnitIDs); n > 0 {
		parts = append(parts, "remove "+report.Count(n, "unit", "units"))
	}
	return humanize(strings.Join(parts, ", "))
}

// facilityRequestFacility names the facility a request is about: the one it would create, or the
// one whose units it changes.
func facilityRequestFacility(n *requestNames, r cas.FacilityRequest) string {
	if r.Kind == cas.ChangeUnitsRequest {
		return n.facility(r.Details.FacilityID).Name
	}
	return r.Details.Name
}

func (s *Server) facilityRequestsPage(w http.ResponseWriter, r *http.Request) error {
	return s.facilityRequestsView(w, r, http.StatusOK, nil)
}

// facilityRequestsView renders the list of requests, and for agency users the request forms;
// refused holds a refused request's messages under the form's field names.
func (s *Server) facilityRequestsView(w http.ResponseWriter, r *http.Request, status int, refused map[string]string) error {
	ctx, u := r.Context(), actor(r)
	filter, page, err := statusListOf(r, "/facility-requests", "Filter requests", facilityRequestStatuses)
	if err != nil {
		return err
	}
	d := facilityRequestsData{StatusList: filter, AllAgencies: cas.SeesAllAgencies(u), CanRequest: u.Role == cas.RoleAgencyUser}
	list, next, err := s.db.FacilityRequests(ctx, u, store.FacilityRequestFilter{Status: cas.FacilityRequestStatus(d.Status)}, page)
	if err != nil {
		return err
	}
	d.Next = next
	n := s.requestNamesFor(r)
	for _, fr := range list {
		d.Rows = append(d.Rows, facilityRequestRow{FacilityRequest: fr, Agency: n.agency(fr.AgencyID).Name, Program: n.program(fr.ProgramID).Name,
			Facility: facilityRequestFacility(n, fr), Summary: facilityRequestSummary(fr)})
	}
	if n.err != nil {
		return n.err
	}
	v := view{}
	if d.CanRequest {
		if v.Errors, err = s.facilityRequestForms(r, refused, &d); err != nil {
			return err
		}
	}
	v.Data = d
	return s.render(w, r, status, "facility_request_list", "Facility-setup requests", v)
}

// facilityRequestForms fills in the agency's request forms: one for a new facility, one per
// facility for changing its units. A refused request refills its form and returns the messages
// no field of it shows, for the top of the page.
func (s *Server) facilityRequestForms(r *http.Request, refused map[string]string, d *facilityRequestsData) (map[string]string, error) {
	ctx, u := r.Context(), actor(r)
	programs, err := store.All(func(p store.Page) ([]cas.Program, string, error) {
		return s.db.Programs(ctx, u, store.ProgramFilter{}, p)
	})
	if err != nil {
		return nil, err
	}
	facilities, units, err := s.requestInventory(r)
	if err != nil {
		return nil, err
	}

	// The refused form: the new-facility form, or the change form of the facility it named.
	posted, target := r.PostForm, ""
	switch kind, chosen := cas.FacilityRequestKind(posted.Get("kind")), posted.Get("facility_id"); {
	case refused == nil:
	case kind == cas.NewFacilityRequest:
		target = "new"
	case kind == cas.ChangeUnitsRequest && slices.ContainsFunc(facilities, func(f cas.Facility) bool { return f.ID == chosen }):
		target = chosen
	}
	var formErrs, top map[string]string
	switch target {
	case "":
		if refused != nil {
			_, top = splitFormErrors(refused)
		}
	case "new":
		formErrs, top = splitFormErrors(refused, append(unitRowFields(), "program_id", "name", "address")...)
	default:
		formErrs, top = splitFormErrors(refused, append(unitRowFields(), "remove_unit_ids")...)
	}
	form := func(key string) facilityRequestForm {
		var values url.Values
		errs := map[string]string{}
		if key == target {
			values, errs = posted, formErrs
		}
		return facilityRequestForm{Key: key, Name: values.Get("name"), Address: values.Get("address"), Units: unitSpecRows(key, values, errs), Errors: errs}
	}

	d.New = form("new")
	programNames := map[string]string{}
	for _, p := range programs {
		programNames[p.ID] = p.Name
		d.New.Programs = append(d.New.Programs, option{Value: p.ID, Label: p.Name, Selected: target == "new" && p.ID == posted.Get("program_id")})
	}
	for _, f := range facilities {
		change := form(f.ID)
		change.Facility, change.Program = &f, programNames[f.ProgramID]
		var ticked []string
		if target == f.ID {
			ticked = posted["remove_unit_ids"]
		}
		change.Remove = unitChoices(units[f.ID], ticked)
		d.Changes = append(d.Changes, change)
	}
	return top, nil
}

// unitRowFields are the field names of every unit row, and "units" for the rows as a whole.
func unitRowFields() []string {
	fields := []string{"units"}
	for i := range requestUnitRows {
		for _, part := range unitRowParts {
			fields = append(fields, fmt.Sprintf("units[%d]%s", i, part))
		}
	}
	return fields
}

// unitSpecRows are a form's unit rows, refilled from values (nil for a blank form) with errs next
// to their fields.
func unitSpecRows(key string, values url.Values, errs map[string]string) []unitSpecRow {
	households := make([]string, len(cas.HouseholdTypes))
	for i, t := range cas.HouseholdTypes {
		households[i] = string(t)
	}
	rows := make([]unitSpecRow, requestUnitRows)
	for i := range rows {
		field := fmt.Sprintf("units[%d]", i)
		row := unitSpecRow{N: i + 1, Field: field, ID: fmt.Sprintf("%s-units-%d", key, i), Label: values.Get(field + ".label"),
			Bedrooms: values.Get(field + ".bedrooms"), Accessible: values.Get(field+".accessible") != "",
			HouseholdTypes: options("", households...), Errors: map[string]string{}}
		for j := range row.HouseholdTypes {
			row.HouseholdTypes[j].Selected = slices.Contains(values[field+".household_types"], row.HouseholdTypes[j].Value)
		}
		for _, part := range unitRowParts {
			if msg, ok := errs[field+part]; ok {
				row.Errors[cmp.Or(strings.TrimPrefix(part, "."), "unit")] = msg
			}
		}
		rows[i] = row
	}
	return rows
}

// unitSpecsOfForm reads a request form's unit rows, leaving blank ones out; rows[i] is the form row
// of specs[i], so that a message about specs[i] goes next to that row.
func unitSpecsOfForm(f url.Values) (specs []cas.UnitSpec, rows []int, err error) {
	for i := range requestUnitRows {
		field := fmt.Sprintf("units[%d]", i)
		label, bedrooms := strings.TrimSpace(f.Get(field+".label")), strings.TrimSpace(f.Get(field+".bedrooms"))
		types, accessible := f[field+".household_types"], f.Get(field+".accessible") != ""
		if label == "" && bedrooms == "" && len(types) == 0 && !accessible {
			continue
		}
		n, err := strconv.Atoi(bedrooms)
		if err != nil {
			return nil, nil, cas.Invalid(field+".bedrooms", "bedrooms must be a whole number: 0 for a studio or a bed")
		}
		spec := cas.UnitSpec{Label: label, Bedrooms: n, HouseholdTypes: make([]cas.HouseholdType, len(types)), Accessible: accessible}
		for j, t := range types {
			spec.HouseholdTypes[j] = cas.HouseholdType(t)
		}
		specs, rows = append(specs, spec), append(rows, i)
	}
	return specs, rows, nil
}

// requestFormErrors puts a refused request's messages under the form's field names.
func requestFormErrors(errs map[string]string, rows []int) map[string]string {
	out := make(map[string]string, len(errs))
	for field, msg := range errs {
		if detail, ok := strings.CutPrefix(field, "details."); ok {
			field = requestFormField(detail, rows)
		}
		out[field] = msg
	}
	return out
}

// requestFormField names a field of a request's details in the form. The units of either kind of
// request are the form's unit rows, and the store counts only the rows filled in: details.add[1]
// is the form's units[3] when a row above it was left blank.
func requestFormField(detail string, rows []int) string {
	for _, list := range []string{"units", "add"} {
		if detail == list {
			return "units"
		}
		if rest, ok := strings.CutPrefix(detail, list+"["); ok {
			num, part, _ := strings.Cut(rest, "]")
			if i, err := strconv.Atoi(num); err == nil && i < len(rows) {
				return fmt.Sprintf("units[%d]%s", rows[i], part)
			}
		}
	}
	if strings.HasPrefix(detail, "remove_unit_ids") {
		return "remove_unit_ids"
	}
	return detail
}

func (s *Server) facilityRequestCreatePage(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return cas.Errorf(cas.EInvalid, "unreadable form")
	}
	f := r.PostForm
	specs, rows, err := unitSpecsOfForm(f)
	if err == nil {
		req := cas.FacilityRequest{ProgramID: f.Get("program_id"), Kind: cas.FacilityRequestKind(f.Get("kind")),
			Details: cas.FacilityRequestDetails{Name: f.Get("name"), Address: f.Get("address"), Units: specs}}
		if req.Kind == cas.ChangeUnitsRequest {
			req.Details = cas.FacilityRequestDetails{FacilityID: f.Get("facility_id"), Add: specs, RemoveUnitIDs: f["remove_unit_ids"]}
		}
		if req, err = s.db.CreateFacilityRequest(r.Context(), actor(r), req); err == nil {
			return s.redirect(w, r, links.FacilityRequest(req.ID), "Request sent. The HMIS team approves or rejects it; you will be told here and in your inbox.")
		}
	}
	errs, ok := formError(err)
	if !ok {
		return err
	}
	return s.facilityRequestsView(w, r, http.StatusBadRequest, requestFormErrors(errs, rows))
}

// unitSpecView is a unit a request describes, as the request page shows it.
type unitSpecView struct {
	cas.UnitSpec
	Households string
}

type facilityRequestData struct {
	Request                   cas.FacilityRequest
	Agency, Program, Facility string
	Units                     []unitSpecView // the new facility's units, or the units to add
	Remove                    []cas.Unit     // the units to remove, as they are now
	CreatedBy, DecidedBy      string
	RosterPath                string
	CanDecide                 bool
	Reason                    string // a refused rejection's reason
}

func (s *Server) facilityRequestPage(w http.ResponseWriter, r *http.Request) error {
	return s.facilityRequestView(w, r, http.StatusOK, nil)
}

// facilityRequestView renders one request; errs holds a refused decision's messages by field.
func (s *Server) facilityRequestView(w http.ResponseWriter, r *http.Request, status int, errs map[string]string) error {
	ctx, u := r.Context(), actor(r)
	req, err := s.db.FacilityRequest(ctx, u, r.PathValue("id"))
	if err != nil {
		return err
	}
	n := s.requestNamesFor(r)
	d := facilityRequestData{Request: req, Agency: n.agency(req.AgencyID).Name, Program: n.program(req.ProgramID).Name,
		Facility: facilityRequestFacility(n, req), RosterPath: rosterPath(u, req.FacilityID),
		CanDecide: req.Status == cas.RequestPending && cas.CanManageAgencies(u), Reason: r.PostFormValue("reason")}
	specs := req.Details.Units
	if req.Kind == cas.ChangeUnitsRequest {
		specs = req.Details.Add
	}
	for _, spec := range specs {
		d.Units = append(d.Units, unitSpecView{UnitSpec: spec, Households: households(spec.HouseholdTypes)})
	}
	for _, id := range req.Details.RemoveUnitIDs {
		if un := n.unit(id); un.ID != "" {
			d.Remove = append(d.Remove, un)
		}
	}
	if n.err != nil {
		return n.err
	}
	people, err := s.db.UserNames(ctx, req.CreatedBy, req.DecidedBy)
	if err != nil {
		return err
	}
	d.CreatedBy, d.DecidedBy = people[req.CreatedBy], people[req.DecidedBy]
	return s.render(w, r, status, "facility_request_detail", "Facility-setup request", view{Data: d, Errors: pageErrors(errs, "reason")})
}

// facilityRequestRefused shows the request again with a refused decision's messages, or passes an
// error that is not about the form on.
func (s *Server) facilityRequestRefused(w http.ResponseWriter, r *http.Request, err error) error {
	errs, ok := formError(err)
	if !ok {
		return err
	}
	return s.facilityRequestView(w, r, http.StatusBadRequest, errs)
}

func (s *Server) facilityRequestApprovePage(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	req, err := s.db.ApproveFacilityRequest(r.Context(), actor(r), id)
	if err != nil {
		return s.facilityRequestRefused(w, r, err)
	}
	msg := "Approved: the units are changed."
	if req.Kind == cas.NewFacilityRequest {
		msg = fmt.Sprintf("Approved: %s is set up with %s.", req.Details.Name, report.Count(len(req.Details.Units), "unit", "units"))
	}
	return s.redirect(w, r, links.FacilityRequest(id), msg+" The agency has been told.")
}

func (s *Server) facilityRequestRejectPage(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if _, err := s.db.RejectFacilityRequest(r.Context(), actor(r), id, r.PostFormValue("reason")); err != nil {
		return s.facilityRequestRefused(w, r, err)
	}
	return s.redirect(w, r, links.FacilityRequest(id), "Rejected. The agency has been told, and reads your reason here.")
}
