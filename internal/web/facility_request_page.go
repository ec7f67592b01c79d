package web

import (
	"cmp"
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

type facilityRequestListData struct {
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
	Remove        []unitChoice
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
func facilityRequestFacility(rec store.Records, r cas.FacilityRequest) string {
	if r.Kind == cas.ChangeUnitsRequest {
		return rec.Facility(r.Details.FacilityID).Name
	}
	return r.Details.Name
}

func (s *Server) facilityRequestListPage(w http.ResponseWriter, r *http.Request) error {
	return s.facilityRequestListView(w, r, http.StatusOK, nil)
}

// facilityRequestListView renders the list of requests, and for agency users the request forms;
// refused holds a refused request's messages under the form's field names.
func (s *Server) facilityRequestListView(w http.ResponseWriter, r *http.Request, status int, refused map[string]string) error {
	u := actor(r)
	filter, page, err := statusListOf(r, "/facility-requests", "Filter requests", facilityRequestStatuses)
	if err != nil {
		return err
	}
	d := facilityRequestListData{StatusList: filter, AllAgencies: cas.SeesAllAgencies(u), CanRequest: u.Role == cas.RoleAgencyUser}
	list, err := s.db.FacilityRequestList(r.Context(), u, store.FacilityRequestFilter{Status: cas.FacilityRequestStatus(d.Status)}, page)
	if err != nil {
		return err
	}
	d.Next = list.Next
	for _, fr := range list.Requests {
		d.Rows = append(d.Rows, facilityRequestRow{FacilityRequest: fr, Agency: list.Agency(fr.AgencyID).Name, Program: list.Program(fr.ProgramID).Name,
			Facility: facilityRequestFacility(list.Records, fr), Summary: facilityRequestSummary(fr)})
	}
	v := view{}
	if d.CanRequest {
		v.Errors = facilityRequestForms(r, list.Records, refused, &d)
	}
	v.Data = d
	return s.render(w, r, status, "facility_request_list", "Facility-setup requests", v)
}

// facilityRequestForms fills in the agency's request forms: one for a new facility, one per
// facility for changing its units. A refused request refills its form and returns the messages
// no field of it shows, for the top of the page.
func facilityRequestForms(r *http.Request, rec store.Records, refused map[string]string, d *facilityRequestListData) map[string]string {
	// The refused form: the new-facility form, or the change form of the facility it named.
	posted, target := r.PostForm, ""
	switch kind, chosen := cas.FacilityRequestKind(posted.Get("kind")), posted.Get("facility_id"); {
	case refused == nil:
	case kind == cas.NewFacilityRequest:
		target = "new"
	case kind == cas.ChangeUnitsRequest && slices.ContainsFunc(rec.Facilities, func(f cas.Facility) bool { return f.ID == chosen }):
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
	for _, p := range rec.Programs {
		d.New.Programs = append(d.New.Programs, option{Value: p.ID, Label: p.Name, Selected: target == "new" && p.ID == posted.Get("program_id")})
	}
	for _, f := range rec.Facilities {
		change := form(f.ID)
		change.Facility, change.Program = &f, rec.Program(f.ProgramID).Name
		var ticked []string
		if target == f.ID {
			ticked = posted["remove_unit_ids"]
		}
		change.Remove = unitChoices(rec.UnitsOf(f.ID), ticked)
		d.Changes = append(d.Changes, change)
	}
	return top
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
	return s.facilityRequestListView(w, r, http.StatusBadRequest, requestFormErrors(errs, rows))
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
	u := actor(r)
	p, err := s.db.FacilityRequestPage(r.Context(), u, r.PathValue("id"))
	if err != nil {
		return err
	}
	req := p.Request
	d := facilityRequestData{Request: req, Agency: p.Agency(req.AgencyID).Name, Program: p.Program(req.ProgramID).Name,
		Facility: facilityRequestFacility(p.Records, req), RosterPath: rosterPath(u, req.FacilityID),
		CanDecide: req.Status == cas.RequestPending && cas.CanManageAgencies(u), Reason: r.PostFormValue("reason"),
		CreatedBy: p.People[req.CreatedBy], DecidedBy: p.People[req.DecidedBy]}
	specs := req.Details.Units
	if req.Kind == cas.ChangeUnitsRequest {
		specs = req.Details.Add
	}
	for _, spec := range specs {
		d.Units = append(d.Units, unitSpecView{UnitSpec: spec, Households: households(spec.HouseholdTypes)})
	}
	for _, id := range req.Details.RemoveUnitIDs {
		if un := p.Unit(id); un.ID != "" {
			d.Remove = append(d.Remove, un)
		}
	}
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
