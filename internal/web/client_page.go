package web

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/hmiscsv"
	"github.com/doorway-cas/doorway/internal/links"
	"github.com/doorway-cas/doorway/internal/store"
)

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
	// Forms are the CAS admin's forms for the client's record and HPL entry (client_form_page.go).
	Forms []clientForm
	// NoReferral says plainly why the engine does not refer the client; for CAS admins.
	NoReferral []string
	// Documents is the client's checklist of documents on file; for CAS admins.
	Documents []cas.ClientDocument
	// ConsentRecordedBy names who recorded the consent on file, ConsentRecordedAt when.
	ConsentRecordedBy string
	ConsentRecordedAt time.Time
	// Navigator is the client's navigator, if any; ReadsHPL says the reader sees the HPL (agency
	// users, a navigator or an agency the client is referred to, do not).
	Navigator *store.Navigator
	ReadsHPL  bool
}

// hplItemOf finds a client's entry on the HPL (in any status) and its rank, from the maintained
// ranking: one lookup, however long the list.
func (s *Server) hplItemOf(ctx context.Context, u *cas.User, c cas.Client) (*store.HPLItem, error) {
	places, err := s.db.HPLPlaces(ctx, u, []string{c.ID})
	if err != nil {
		return nil, err
	}
	if it, ok := places[c.ID]; ok {
		return &it, nil
	}
	return nil, nil
}

// clientPageData gathers the client page: the store's view of it (the record, an audited read;
// the referrals; the facilities to refer to) and the client's place on the HPL.
func (s *Server) clientPageData(r *http.Request, id, chosenFacility string) (clientData, error) {
	ctx, u := r.Context(), actor(r)
	p, err := s.db.ClientPage(ctx, u, id)
	if err != nil {
		return clientData{}, err
	}
	c := p.Client
	d := clientData{Client: c, CanRefer: cas.CanManageReferrals(u), Today: s.today()}
	d.Age = c.Age(d.Today)
	d.Navigator, d.ReadsHPL = p.Navigator, coc.admits(u.Role)
	if d.ReadsHPL {
		if d.Entry, err = s.hplItemOf(ctx, u, c); err != nil {
			return d, err
		}
	}
	if d.Entry != nil {
		d.Parked = d.Entry.Entry.Parked(d.Today)
	}
	programNames := map[string]string{}
	for _, pr := range p.Programs {
		programNames[pr.ID] = pr.Name
	}
	for _, ref := range p.Referrals {
		d.Referrals = append(d.Referrals, clientReferral{Referral: ref.Referral, Facility: ref.Facility, Program: ref.Program, Unit: ref.Unit})
	}
	if !d.CanRefer {
		return d, nil
	}
	d.NoReferral, d.Documents = p.NoReferral, p.Documents
	d.ConsentRecordedBy, d.ConsentRecordedAt = p.ConsentRecordedBy, p.ConsentRecordedAt
	d.Forms = clientForms(&d, "", nil, nil)
	for _, f := range p.Facilities {
		d.Facilities = append(d.Facilities, facilityChoice{ID: f.ID, Name: f.Name, Program: programNames[f.ProgramID], Free: p.Free[f.ID],
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
	return s.render(w, r, http.StatusOK, "client_detail", d.Client.Name(), view{Data: d})
}

// referFields are the manual referral form's fields; a refusal about anything else shows above it.
var referFields = []string{"facility_id", "over_refer", "reason", "expected_vacancy", "eligibility_override_reason"}

// clientReferPage makes a manual referral. A full facility is refused with a warning that asks whether
// to over-refer, and why.
func (s *Server) clientReferPage(w http.ResponseWriter, r *http.Request) error {
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
	return s.render(w, r, status, "client_detail", d.Client.Name(), view{Data: d, Errors: msgs, Form: r.PostForm})
}

// ----- Consent, recorded in bulk from a consent list -----

// maxConsentUpload bounds an uploaded consent list: 10,000 lines are well under a megabyte.
const maxConsentUpload = 16 << 20

// consentData is the consent page: the list's columns, and the problems of a refused list.
type consentData struct {
	Columns  []string
	Problems []string
}

func (s *Server) clientConsentPage(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, r, http.StatusOK, "client_consent", "Record consent", view{Data: consentData{Columns: hmiscsv.ConsentListColumns}})
}

// clientConsentUploadPage reads an uploaded consent list and records every release of information in it, or
// none, showing every problem by line and column.
func (s *Server) clientConsentUploadPage(w http.ResponseWriter, r *http.Request) error {
	refused := func(field, msg string, problems []string) error {
		return s.render(w, r, http.StatusBadRequest, "client_consent", "Record consent", view{Errors: map[string]string{field: msg},
			Data: consentData{Columns: hmiscsv.ConsentListColumns, Problems: problems}})
	}
	if err := parseUpload(w, r, maxConsentUpload); err != nil {
		if unreadableUpload(err) {
			return refused("consent", "Choose the consent list, a CSV file of at most 16 MB.", nil)
		}
		return err
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
