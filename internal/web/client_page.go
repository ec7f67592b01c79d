package web

import (
	"cmp"
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/links"
	"github.com/doorway-cas/doorway/internal/store"
)

// factorWords says how the HPL is ordered by a factor, for the scheme caption.
func factorWords(c cas.Criterion) string {
	words := map[cas.Factor][2]string{
		cas.FactorScore:         {"assessment score, highest first", "assessment score, lowest first"},
		cas.FactorChronic:       {"chronically homeless first", "chronically homeless last"},
		cas.FactorDaysHomeless:  {"days homeless, most first", "days homeless, fewest first"},
		cas.FactorAssessedOn:    {"assessment date, latest first", "assessment date, earliest first"},
		cas.FactorVeteran:       {"veterans first", "veterans last"},
		cas.FactorDVSurvivor:    {"DV survivors first", "DV survivors last"},
		cas.FactorYouth:         {"youth first", "youth last"},
		cas.FactorHouseholdSize: {"household size, largest first", "household size, smallest first"},
	}
	w, ok := words[c.Factor]
	if !ok {
		return string(c.Factor)
	}
	if c.Ascending {
		return w[1]
	}
	return w[0]
}

func schemeWords(s cas.PriorityScheme) []string {
	out := make([]string, 0, len(s.Criteria))
	for _, c := range s.Criteria {
		out = append(out, factorWords(c))
	}
	return out
}

// hplRow is one line of the HPL page.
type hplRow struct {
	store.HPLItem
	Parked bool
	// NoConsent says why the client cannot be referred for want of consent: "none on file" or
	// "expired"; empty when consent holds today.
	NoConsent string
}

// consentGap says why a client's consent does not hold on a day: "none on file", "expired", or "".
func consentGap(c cas.Client, today cas.Date) string {
	switch {
	case !c.Consent:
		return "none on file"
	case !c.ConsentOn(today):
		return "expired"
	}
	return ""
}

type hplData struct {
	Rows           []hplRow
	NextURL        string
	Scheme         cas.PriorityScheme
	Criteria       []string
	Q              string
	HouseholdTypes []option
	Populations    []option
	IntakeStatuses []option
	Statuses       []option
	Filtered       bool
}

// hplStatusChoices are the values of the HPL page's status filter; "" is the list itself.
var hplStatusChoices = []string{string(cas.HPLActive), string(cas.HPLReferred), string(cas.HPLHoused), string(cas.HPLInactive), "all"}

func (s *Server) hplPage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := store.HPLFilter{
		HouseholdType: cas.HouseholdType(q.Get("household_type")),
		Population:    cas.Population(q.Get("population")),
		IntakeStatus:  cas.IntakeStatus(q.Get("intake_status")),
		Search:        strings.TrimSpace(q.Get("q")),
	}
	if f.HouseholdType != "" && !slices.Contains(cas.HouseholdTypes, f.HouseholdType) {
		return cas.Invalid("household_type", "household_type must be without_children, with_children or only_children")
	}
	if f.Population != "" && !slices.Contains(cas.Populations, f.Population) {
		return cas.Invalid("population", "population must be veteran, chronically_homeless, youth or dv_survivor")
	}
	if f.IntakeStatus != "" && !slices.Contains([]cas.IntakeStatus{cas.IntakePending, cas.IntakeIncompleteDocuments, cas.IntakeReady}, f.IntakeStatus) {
		return cas.Invalid("intake_status", "intake_status must be pending, incomplete_documents or ready")
	}
	status := q.Get("status")
	switch {
	case status == "":
	case status == "all":
		f.Status = []cas.HPLStatus{cas.HPLActive, cas.HPLReferred, cas.HPLHoused, cas.HPLInactive}
	case slices.Contains(hplStatusChoices, status):
		f.Status = []cas.HPLStatus{cas.HPLStatus(status)}
	default:
		return cas.Invalid("status", "status must be active, referred, housed, inactive or all")
	}
	page, err := pageOf(r)
	if err != nil {
		return err
	}
	if page.Limit == 0 {
		page.Limit = 50
	}
	items, next, scheme, err := s.db.HPL(r.Context(), actor(r), f, page)
	if err != nil {
		return err
	}
	today := s.today()
	d := hplData{
		Scheme: scheme, Criteria: schemeWords(scheme), Q: f.Search,
		HouseholdTypes: options(string(f.HouseholdType), "without_children", "with_children", "only_children"),
		Populations:    options(string(f.Population), "veteran", "chronically_homeless", "youth", "dv_survivor"),
		IntakeStatuses: options(string(f.IntakeStatus), "ready", "incomplete_documents", "pending"),
		Statuses:       options(status, hplStatusChoices...),
		Filtered:       f.HouseholdType != "" || f.Population != "" || f.IntakeStatus != "" || f.Search != "" || status != "",
	}
	for _, it := range items {
		d.Rows = append(d.Rows, hplRow{HPLItem: it, Parked: it.Entry.Parked(today), NoConsent: consentGap(it.Client, today)})
	}
	if next != "" {
		v := url.Values{}
		for _, k := range []string{"household_type", "population", "intake_status", "status", "q", "limit"} {
			if x := q.Get(k); x != "" {
				v.Set(k, x)
			}
		}
		v.Set("cursor", next)
		d.NextURL = "/hpl?" + v.Encode()
	}
	return s.render(w, r, http.StatusOK, "hpl_list", "Housing Priority List", view{Data: d})
}

// facilityChoice is a facility offered in the manual referral form.
type facilityChoice struct {
	ID, Name, Program string
	Free              int
	Selected          bool
}

// clientReferral is a line of the client's referrals.
type clientReferral struct {
	cas.Referral
	Facility, Program, Unit string
}

type clientData struct {
	Client     cas.Client
	Entry      *store.HPLItem
	Parked     bool
	Referrals  []clientReferral
	Facilities []facilityChoice
	CanRefer   bool
	FullWarn   bool
	// FullMessage names the full facility, when a referral to it was refused.
	FullMessage string
	Today       cas.Date
	Age         int
	// Ineligible lists the program's rules the client fails, when a referral was refused for them:
	// a reason to override eligibility refers anyway.
	Ineligible []string
}

// casNames are the display names of programs, facilities and units, by ID.
type casNames struct {
	program, facility, unit map[string]string
	facilities              []cas.Facility
	programs                map[string]cas.Program
}

// loadNames reads every program, facility and, when units is set, unit the actor may see, once.
func (s *Server) loadCASNames(ctx context.Context, u *cas.User, units bool) (casNames, error) {
	n := casNames{program: map[string]string{}, facility: map[string]string{}, unit: map[string]string{}, programs: map[string]cas.Program{}}
	programs, err := store.All(func(p store.Page) ([]cas.Program, string, error) {
		return s.db.Programs(ctx, u, store.ProgramFilter{}, p)
	})
	if err != nil {
		return n, err
	}
	for _, p := range programs {
		n.program[p.ID], n.programs[p.ID] = p.Name, p
	}
	if n.facilities, err = store.All(func(p store.Page) ([]cas.Facility, string, error) {
		return s.db.Facilities(ctx, u, store.FacilityFilter{}, p)
	}); err != nil {
		return n, err
	}
	for _, f := range n.facilities {
		n.facility[f.ID] = f.Name
	}
	if units {
		list, err := store.All(func(p store.Page) ([]cas.Unit, string, error) { return s.db.Units(ctx, u, store.UnitFilter{}, p) })
		if err != nil {
			return n, err
		}
		for _, x := range list {
			n.unit[x.ID] = x.Label
		}
	}
	return n, nil
}

// hplItemOf finds a client's entry on the HPL (in any status) and its rank.
func (s *Server) hplItemOf(ctx context.Context, u *cas.User, c cas.Client) (*store.HPLItem, error) {
	f := store.HPLFilter{Status: []cas.HPLStatus{cas.HPLActive, cas.HPLReferred, cas.HPLHoused, cas.HPLInactive}, Search: c.LastName}
	for cursor := ""; ; {
		items, next, _, err := s.db.HPL(ctx, u, f, store.Page{Limit: 500, Cursor: cursor})
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			if it.Client.ID == c.ID {
				return &it, nil
			}
		}
		if cursor = next; cursor == "" {
			return nil, nil
		}
	}
}

// clientPageData gathers the client page: the record (an audited read), the HPL entry, the
// referrals, and the facilities to refer to.
func (s *Server) clientPageData(r *http.Request, id, chosenFacility string) (clientData, error) {
	ctx, u := r.Context(), actor(r)
	c, err := s.db.Client(ctx, u, id)
	if err != nil {
		return clientData{}, err
	}
	d := clientData{Client: c, CanRefer: cas.CanManageReferrals(u), Today: s.today()}
	d.Age = c.Age(d.Today)
	if d.Entry, err = s.hplItemOf(ctx, u, c); err != nil {
		return d, err
	}
	if d.Entry != nil {
		d.Parked = d.Entry.Entry.Parked(d.Today)
	}
	n, err := s.loadCASNames(ctx, u, false)
	if err != nil {
		return d, err
	}
	refs, _, err := s.db.Referrals(ctx, u, store.ReferralFilter{ClientID: c.ID}, store.Page{Limit: 500})
	if err != nil {
		return d, err
	}
	for _, ref := range refs {
		cr := clientReferral{Referral: ref, Facility: n.facility[ref.FacilityID], Program: n.program[ref.ProgramID]}
		if ref.UnitID != "" {
			if unit, err := s.db.Unit(ctx, u, ref.UnitID); err == nil {
				cr.Unit = unit.Label
			}
		}
		d.Referrals = append(d.Referrals, cr)
	}
	if !d.CanRefer {
		return d, nil
	}
	free := map[string]int{}
	capacity, err := s.db.FreeCapacity(ctx, u, "")
	if err != nil {
		return d, err
	}
	for _, fu := range capacity {
		free[fu.FacilityID] += fu.Free
	}
	for _, f := range n.facilities {
		d.Facilities = append(d.Facilities, facilityChoice{ID: f.ID, Name: f.Name, Program: n.program[f.ProgramID], Free: free[f.ID],
			Selected: f.ID == chosenFacility})
	}
	slices.SortStableFunc(d.Facilities, func(a, b facilityChoice) int {
		return cmp.Or(cmp.Compare(a.Program, b.Program), cmp.Compare(a.Name, b.Name))
	})
	return d, nil
}

func (s *Server) clientPage(w http.ResponseWriter, r *http.Request) error {
	d, err := s.clientPageData(r, r.PathValue("id"), "")
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "client_detail", d.Client.FirstName+" "+d.Client.LastName, view{Data: d})
}

// referFields are the manual referral form's fields; a refusal about anything else shows above it.
var referFields = []string{"facility_id", "over_refer", "reason", "expected_vacancy", "eligibility_override_reason"}

// clientRefer makes a manual referral. A full facility is refused with a warning that asks whether
// to over-refer, and why.
func (s *Server) clientRefer(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return cas.Errorf(cas.EInvalid, "unreadable form")
	}
	id := r.PathValue("id")
	in := store.NewReferral{
		ClientID:        id,
		FacilityID:      strings.TrimSpace(r.PostForm.Get("facility_id")),
		OverRefer:       r.PostForm.Get("over_refer") != "",
		Reason:          strings.TrimSpace(r.PostForm.Get("reason")),
		ExpectedVacancy: cas.Date(strings.TrimSpace(r.PostForm.Get("expected_vacancy"))),

		EligibilityOverrideReason: strings.TrimSpace(r.PostForm.Get("eligibility_override_reason")),
	}
	var err error
	var ref cas.Referral
	if in.FacilityID == "" {
		err = cas.Invalid("facility_id", "choose a facility to refer to")
	} else {
		ref, err = s.db.CreateReferral(r.Context(), actor(r), in)
	}
	if err == nil {
		flash := "Referral sent"
		if ref.OverRefer {
			flash = "Over-referral sent"
		}
		return s.redirect(w, r, links.Referral(ref.ID), flash)
	}
	if cas.ErrorCode(err) == cas.ENotFound {
		return err
	}
	msgs, ok := formError(err)
	if !ok {
		return err
	}
	e := cas.ErrorOf(err)
	full := e.Code == cas.EConflict && e.Field == "" && !in.OverRefer
	for field, msg := range msgs {
		if field != "form" && !slices.Contains(referFields, field) {
			delete(msgs, field)
			msgs["form"] = msg
		}
	}
	if full {
		// The warning says it; the form-level message would repeat it.
		delete(msgs, "form")
	}
	d, derr := s.clientPageData(r, id, in.FacilityID)
	if derr != nil {
		return derr
	}
	d.FullWarn = full
	if full {
		d.FullMessage = e.Message
	}
	if e.Field == "eligibility_override_reason" {
		// The rules are listed next to the field; the store's message names the API's field.
		d.Ineligible = e.Details
		msgs["eligibility_override_reason"] = "Give a reason to refer despite the rules listed above."
	}
	status := statusOf(e.Code)
	return s.render(w, r, status, "client_detail", d.Client.FirstName+" "+d.Client.LastName, view{Data: d, Errors: msgs, Form: r.PostForm})
}
