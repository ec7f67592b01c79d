package web

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/store"
)

// The HPL page: the Housing Priority List in rank order, filtered, for CAS admins and the HMIS team.

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

func (s *Server) hplListPage(w http.ResponseWriter, r *http.Request) error {
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
