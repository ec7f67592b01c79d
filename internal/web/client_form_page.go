package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/doorway-cas/doorway/internal/cas"
)

// The CAS admin's daily work on a client in the browser: add a client with their HPL entry, change
// the record, record consent, the entry's assessment and intake status, park, unpark, remove. Every
// form field is named as the API's field, so what the API refuses names the field the form shows.

// formField is a field of a form, its value and the message of a refusal beside it.
type formField struct {
	ID, Name, Label, Type, Value, Hint, Error string
	Required, Checked                         bool
	Options                                   []option
}

// clientForm is one of the forms on a client's page, or the form that adds a client.
type clientForm struct {
	ID, Action, Title, Submit string
	// Spec names the fields and their types (see values.fields); Fields are built from it.
	Spec   []string
	Fields []formField
	// Error is a refusal about no one field of the form.
	Error string
	// Open shows the form unfolded: the one just refused.
	Open bool
}

// fieldLabels are the fields' words, used in labels and in the messages beside them.
var fieldLabels = map[string]string{
	"first_name": "First name", "last_name": "Last name", "birth_date": "Birth date", "hmis_personal_id": "HMIS PersonalID",
	"household_size": "Household size", "household_type": "Household type", "veteran": "Veteran",
	"chronic": "Chronically homeless", "youth": "Youth (18 to 24)", "dv_survivor": "DV survivor",
	"needs_accessible": "Needs a wheelchair-accessible unit", "phone": "Phone", "email": "Email",
	"confidential":  "Confidential (receiving agencies see an alias until they accept a referral)",
	"contact_notes": "Where to find them", "navigator_user_id": "Navigator's user ID", "race": "Race and ethnicity",
	"gender": "Gender", "sex": "Sex", "consent_date": "Consent signed on", "consent_expires_on": "Consent holds until",
	"score": "Assessment score", "assessed_on": "Assessed on", "days_homeless": "Days homeless", "intake_status": "Intake status",
	"until": "Parked until", "reason": "Reason", "reason_code": "Reason", "note": "Note",
	"name": "Document", "received_on": "Received on",
}

// inWords says a refusal in the form's words: the API's field names become the fields' labels.
func inWords(field, msg string) string {
	label, ok := fieldLabels[field]
	if !ok {
		return msg
	}
	if strings.HasPrefix(msg, field) {
		return label + msg[len(field):]
	}
	return strings.ReplaceAll(msg, field, strings.ToLower(label))
}

// values reads a field's submitted or stored value: the form's when one was submitted.
type values struct {
	form   url.Values
	stored map[string]string
}

func (v values) get(name string) string {
	if v.form != nil {
		return v.form.Get(name)
	}
	return v.stored[name]
}

func (v values) ticked(name, option string) bool {
	if v.form != nil {
		return slices.Contains(v.form[name], option)
	}
	return slices.Contains(strings.Split(v.stored[name], ","), option)
}

// fields builds a form's fields from (name, type) pairs; a select or a checkbox group takes its
// options from choices.
func (v values) fields(prefix string, errs map[string]string, choices map[string][]option, spec ...string) []formField {
	out := make([]formField, 0, len(spec)/2)
	for i := 0; i < len(spec); i += 2 {
		name, typ := spec[i], spec[i+1]
		required := strings.HasSuffix(typ, "!")
		typ = strings.TrimSuffix(typ, "!")
		f := formField{ID: prefix + "-" + name, Name: name, Label: fieldLabels[name], Type: typ, Value: v.get(name), Required: required}
		if msg, ok := errs[name]; ok {
			f.Error = inWords(name, msg)
		}
		switch typ {
		case "checkbox":
			f.Checked = v.get(name) == "true" || v.get(name) == "on"
		case "select", "checkboxes":
			for _, o := range choices[name] {
				o.Selected = v.ticked(name, o.Value)
				if typ == "select" {
					o.Selected = v.get(name) == o.Value
				}
				f.Options = append(f.Options, o)
			}
		}
		out = append(out, f)
	}
	return out
}

// clientStored is a client's record as form values.
func clientStored(c cas.Client) map[string]string {
	join := func(list []string) string { return strings.Join(list, ",") }
	races, genders := make([]string, len(c.Race)), make([]string, len(c.Gender))
	for i, r := range c.Race {
		races[i] = string(r)
	}
	for i, g := range c.Gender {
		genders[i] = string(g)
	}
	return map[string]string{
		"first_name": c.FirstName, "last_name": c.LastName, "birth_date": string(c.BirthDate), "hmis_personal_id": c.HMISPersonalID,
		"household_size": strconv.Itoa(c.HouseholdSize), "household_type": string(c.HouseholdType),
		"veteran": strconv.FormatBool(c.Veteran), "chronic": strconv.FormatBool(c.Chronic), "youth": strconv.FormatBool(c.Youth),
		"dv_survivor": strconv.FormatBool(c.DVSurvivor), "needs_accessible": strconv.FormatBool(c.NeedsAccessible),
		"confidential": strconv.FormatBool(c.Confidential),
		"phone":        c.Phone, "email": c.Email, "contact_notes": c.ContactNotes, "navigator_user_id": c.NavigatorUserID,
		"race": join(races), "gender": join(genders), "sex": string(c.Sex),
		"consent_date": string(c.ConsentDate), "consent_expires_on": string(c.ConsentExpiresOn),
	}
}

// clientChoices are the options of the client forms' selects and checkbox groups.
func clientChoices() map[string][]option {
	choices := map[string][]option{
		"sex":           {{Value: "", Label: "Not collected"}, {Value: string(cas.SexFemale), Label: "Female"}, {Value: string(cas.SexMale), Label: "Male"}},
		"intake_status": options("", string(cas.IntakePending), string(cas.IntakeIncompleteDocuments), string(cas.IntakeReady)),
		"reason_code":   {{Value: "", Label: "Choose a reason…"}},
	}
	for _, h := range cas.HouseholdTypes {
		choices["household_type"] = append(choices["household_type"], options("", string(h))...)
	}
	for _, r := range cas.Races {
		choices["race"] = append(choices["race"], option{Value: string(r), Label: r.Label()})
	}
	for _, g := range cas.Genders {
		choices["gender"] = append(choices["gender"], option{Value: string(g), Label: g.Label()})
	}
	for _, r := range cas.RemovalRules {
		label := r.Label
		if r.NeedsNote {
			label += " (explain in the note)"
		}
		choices["reason_code"] = append(choices["reason_code"], option{Value: string(r.Code), Label: label})
	}
	return choices
}

// clientFieldSpec are the client record's fields, as the API names them.
var clientFieldSpec = []string{"first_name", "text!", "last_name", "text!", "birth_date", "date", "hmis_personal_id", "text",
	"household_size", "number!", "household_type", "select!", "veteran", "checkbox", "chronic", "checkbox", "youth", "checkbox",
	"dv_survivor", "checkbox", "needs_accessible", "checkbox", "confidential", "checkbox", "phone", "tel", "email", "email", "contact_notes", "textarea",
	"navigator_user_id", "text", "race", "checkboxes", "gender", "checkboxes", "sex", "select"}

// entryFieldSpec are the HPL entry's fields a CAS admin sets.
var entryFieldSpec = []string{"score", "number!", "assessed_on", "date!", "days_homeless", "number", "intake_status", "select!"}

// clientFromForm reads the client record's fields of a form into c.
func clientFromForm(f url.Values, c *cas.Client) error {
	c.FirstName, c.LastName = f.Get("first_name"), f.Get("last_name")
	c.BirthDate, c.HMISPersonalID = cas.Date(strings.TrimSpace(f.Get("birth_date"))), f.Get("hmis_personal_id")
	n, err := formInt(f, "household_size")
	if err != nil {
		return err
	}
	c.HouseholdSize, c.HouseholdType = n, cas.HouseholdType(f.Get("household_type"))
	c.Veteran, c.Chronic, c.Youth = f.Get("veteran") != "", f.Get("chronic") != "", f.Get("youth") != ""
	c.DVSurvivor, c.NeedsAccessible = f.Get("dv_survivor") != "", f.Get("needs_accessible") != ""
	c.Confidential = f.Get("confidential") != ""
	c.Phone, c.Email = strings.TrimSpace(f.Get("phone")), strings.TrimSpace(f.Get("email"))
	c.ContactNotes, c.NavigatorUserID = strings.TrimSpace(f.Get("contact_notes")), strings.TrimSpace(f.Get("navigator_user_id"))
	c.Race, c.Gender = nil, nil
	for _, r := range f["race"] {
		c.Race = append(c.Race, cas.Race(r))
	}
	for _, g := range f["gender"] {
		c.Gender = append(c.Gender, cas.Gender(g))
	}
	c.Sex = cas.Sex(f.Get("sex"))
	return nil
}

// entryFromForm reads the HPL entry's fields of a form into e.
func entryFromForm(f url.Values, e *cas.HPLEntry) error {
	score, err := formInt(f, "score")
	if err != nil {
		return err
	}
	days := 0
	if strings.TrimSpace(f.Get("days_homeless")) != "" {
		if days, err = formInt(f, "days_homeless"); err != nil {
			return err
		}
	}
	e.Score, e.DaysHomeless = score, days
	e.AssessedOn, e.IntakeStatus = cas.Date(strings.TrimSpace(f.Get("assessed_on"))), cas.IntakeStatus(f.Get("intake_status"))
	return nil
}

// formInt reads a whole number, or refuses naming the field.
func formInt(f url.Values, name string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(f.Get(name)))
	if err != nil {
		return 0, cas.Invalid(name, "%s must be a whole number", name)
	}
	return n, nil
}

// newClientForm is the form that adds a client and their HPL entry.
func newClientForm(form url.Values, errs map[string]string) clientForm {
	v := values{form: form, stored: map[string]string{"household_size": "1", "household_type": string(cas.WithoutChildren),
		"intake_status": string(cas.IntakePending), "days_homeless": "0"}}
	spec := append(slices.Clone(clientFieldSpec), "consent_date", "date", "consent_expires_on", "date")
	spec = append(spec, entryFieldSpec...)
	return clientForm{ID: "new-client", Action: "/clients", Title: "Add a client to the HPL", Submit: "Add to the HPL",
		Fields: v.fields("new", errs, clientChoices(), spec...), Error: otherError(errs, spec)}
}

// clientForms are the forms of a client's page, for CAS admins: which is the form submitted, when a
// submission was refused, refilled from form with errs beside its fields.
func clientForms(d *clientData, which string, form url.Values, errs map[string]string) []clientForm {
	stored := clientStored(d.Client)
	if d.Entry != nil {
		e := d.Entry.Entry
		stored["score"], stored["assessed_on"] = strconv.Itoa(e.Score), string(e.AssessedOn)
		stored["days_homeless"], stored["intake_status"] = strconv.Itoa(e.DaysHomeless), string(e.IntakeStatus)
	} else {
		stored["intake_status"], stored["days_homeless"] = string(cas.IntakePending), "0"
	}
	stored["received_on"] = string(d.Today)
	id := d.Client.ID
	onList := d.Entry != nil && (d.Entry.Entry.Status == cas.HPLActive || d.Entry.Entry.Status == cas.HPLReferred)
	forms := []clientForm{
		{ID: "consent", Action: "/clients/" + id + "/consent", Title: "Record or renew consent", Submit: "Record consent",
			Spec: []string{"consent_date", "date!", "consent_expires_on", "date"}},
		{ID: "documents", Action: "/clients/" + id + "/documents", Title: "Add a document on file", Submit: "Add the document",
			Spec: []string{"name", "text!", "received_on", "date!"}},
		{ID: "hpl", Action: "/clients/" + id + "/hpl", Title: "Assessment and intake", Submit: "Save the HPL entry",
			Spec: entryFieldSpec},
		{ID: "details", Action: "/clients/" + id, Title: "Change the client's details", Submit: "Save details",
			Spec: clientFieldSpec},
	}
	if !onList {
		forms[1].Title, forms[1].Submit = "Put the client on the HPL", "Add to the HPL"
	}
	if onList && !d.Parked {
		forms = append(forms, clientForm{ID: "park", Action: "/clients/" + id + "/park", Title: "Park", Submit: "Park",
			Spec: []string{"until", "date!", "reason", "text!"}})
	}
	if onList && d.Entry.Entry.Status == cas.HPLActive {
		forms = append(forms, clientForm{ID: "remove", Action: "/clients/" + id + "/remove", Title: "Remove from the HPL", Submit: "Remove",
			Spec: []string{"reason_code", "select!", "note", "text"}})
	}
	out := make([]clientForm, 0, len(forms))
	for _, f := range forms {
		v, ferrs := values{stored: stored}, map[string]string(nil)
		if f.ID == which {
			v.form, ferrs = form, errs
			f.Error, f.Open = otherError(errs, f.Spec), true
		}
		f.Fields = v.fields(f.ID, ferrs, clientChoices(), f.Spec...)
		out = append(out, f)
	}
	return out
}

// otherError is a refusal about no field of a form's spec, shown above its fields.
func otherError(errs map[string]string, spec []string) string {
	for field, msg := range errs {
		if i := slices.Index(spec, field); i < 0 || i%2 == 1 {
			return inWords(field, msg)
		}
	}
	return ""
}

// clientPath is a client's page.
func clientPath(id string) string { return "/clients/" + url.PathEscape(id) }

func (s *Server) clientNewPage(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, r, http.StatusOK, "client_new", "Add a client", view{Data: newClientForm(nil, nil)})
}

// clientCreatePage adds a client and their HPL entry, both or neither, and shows the client's page.
func (s *Server) clientCreatePage(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return cas.Errorf(cas.EInvalid, "unreadable form")
	}
	f := r.PostForm
	var c cas.Client
	var e cas.HPLEntry
	err := clientFromForm(f, &c)
	if err == nil {
		err = entryFromForm(f, &e)
	}
	if err == nil {
		signed, expires := cas.Date(strings.TrimSpace(f.Get("consent_date"))), cas.Date(strings.TrimSpace(f.Get("consent_expires_on")))
		c.Consent, c.ConsentDate, c.ConsentExpiresOn = signed != "" || expires != "", signed, expires
		c, _, err = s.db.AddClientToHPL(r.Context(), actor(r), c, e)
	}
	if err == nil {
		return s.redirect(w, r, clientPath(c.ID), c.FirstName+" "+c.LastName+" is on the HPL.")
	}
	errs, ok := formError(err)
	if !ok {
		return err
	}
	return s.render(w, r, statusOf(cas.ErrorOf(err).Code), "client_new", "Add a client", view{Data: newClientForm(f, errs)})
}

// clientAction runs one form of a client's page: back to the page with flash when done; when
// refused, the page again with that form refilled and the messages beside its fields.
func (s *Server) clientAction(w http.ResponseWriter, r *http.Request, form string, act func(id string, f url.Values) (string, error)) error {
	if err := r.ParseForm(); err != nil {
		return cas.Errorf(cas.EInvalid, "unreadable form")
	}
	id := r.PathValue("id")
	flash, err := act(id, r.PostForm)
	if err == nil {
		return s.redirect(w, r, clientPath(id), flash)
	}
	errs, ok := formError(err)
	if !ok {
		return err
	}
	d, derr := s.clientPageData(r, id, "")
	if derr != nil {
		return derr
	}
	d.Forms = clientForms(&d, form, r.PostForm, errs)
	return s.render(w, r, statusOf(cas.ErrorOf(err).Code), "client_detail", d.Client.Name(), view{Data: d})
}

// hplEntryID is the client's entry on the HPL, or a refusal when they are not on it.
func (s *Server) hplEntryID(r *http.Request, clientID string) (string, error) {
	places, err := s.db.HPLPlaces(r.Context(), actor(r), []string{clientID})
	if err != nil {
		return "", err
	}
	it, ok := places[clientID]
	if !ok || (it.Entry.Status != cas.HPLActive && it.Entry.Status != cas.HPLReferred) {
		return "", cas.Errorf(cas.EConflict, "the client is not on the HPL")
	}
	return it.Entry.ID, nil
}

func (s *Server) clientUpdatePage(w http.ResponseWriter, r *http.Request) error {
	return s.clientAction(w, r, "details", func(id string, f url.Values) (string, error) {
		if err := clientFromForm(f, &cas.Client{}); err != nil {
			return "", err
		}
		_, err := s.db.UpdateClient(r.Context(), actor(r), id, func(c *cas.Client) { _ = clientFromForm(f, c) })
		return "Details saved.", err
	})
}

// clientConsentRecordPage records or renews a client's release of information.
func (s *Server) clientConsentRecordPage(w http.ResponseWriter, r *http.Request) error {
	return s.clientAction(w, r, "consent", func(id string, f url.Values) (string, error) {
		signed, expires := cas.Date(strings.TrimSpace(f.Get("consent_date"))), cas.Date(strings.TrimSpace(f.Get("consent_expires_on")))
		if signed == "" {
			return "", cas.Invalid("consent_date", "consent_date is required: the day the release was signed")
		}
		_, err := s.db.UpdateClient(r.Context(), actor(r), id, func(c *cas.Client) {
			c.Consent, c.ConsentDate, c.ConsentExpiresOn = true, signed, expires
		})
		return "Consent recorded.", err
	})
}

// clientHPLPage changes the client's HPL entry (assessment, intake status), or puts the client on
// the HPL when they are not on it.
func (s *Server) clientHPLPage(w http.ResponseWriter, r *http.Request) error {
	return s.clientAction(w, r, "hpl", func(id string, f url.Values) (string, error) {
		var in cas.HPLEntry
		if err := entryFromForm(f, &in); err != nil {
			return "", err
		}
		entryID, err := s.hplEntryID(r, id)
		if cas.ErrorCode(err) == cas.EConflict {
			in.ClientID = id
			_, err = s.db.AddToHPL(r.Context(), actor(r), in)
			return "The client is on the HPL.", err
		}
		if err != nil {
			return "", err
		}
		_, err = s.db.UpdateHPLEntry(r.Context(), actor(r), entryID, func(e *cas.HPLEntry) {
			e.Score, e.AssessedOn, e.DaysHomeless, e.IntakeStatus = in.Score, in.AssessedOn, in.DaysHomeless, in.IntakeStatus
		})
		return "HPL entry saved.", err
	})
}

func (s *Server) clientParkPage(w http.ResponseWriter, r *http.Request) error {
	return s.clientAction(w, r, "park", func(id string, f url.Values) (string, error) {
		entryID, err := s.hplEntryID(r, id)
		if err != nil {
			return "", err
		}
		e, err := s.db.ParkHPLEntry(r.Context(), actor(r), entryID, cas.Date(strings.TrimSpace(f.Get("until"))), f.Get("reason"))
		return "Parked until " + string(e.ParkedUntil) + ".", err
	})
}

func (s *Server) clientUnparkPage(w http.ResponseWriter, r *http.Request) error {
	return s.clientAction(w, r, "park", func(id string, f url.Values) (string, error) {
		entryID, err := s.hplEntryID(r, id)
		if err != nil {
			return "", err
		}
		_, err = s.db.UnparkHPLEntry(r.Context(), actor(r), entryID)
		return "Back on the list.", err
	})
}

func (s *Server) clientRemovePage(w http.ResponseWriter, r *http.Request) error {
	return s.clientAction(w, r, "remove", func(id string, f url.Values) (string, error) {
		entryID, err := s.hplEntryID(r, id)
		if err != nil {
			return "", err
		}
		_, err = s.db.RemoveFromHPL(r.Context(), actor(r), entryID, cas.RemovalCode(f.Get("reason_code")), f.Get("note"))
		return "Removed from the HPL.", err
	})
}

// clientDocumentAddPage records a document on file for the client.
func (s *Server) clientDocumentAddPage(w http.ResponseWriter, r *http.Request) error {
	return s.clientAction(w, r, "documents", func(id string, f url.Values) (string, error) {
		d, err := s.db.AddClientDocument(r.Context(), actor(r), id, cas.ClientDocument{Name: f.Get("name"),
			ReceivedOn: cas.Date(strings.TrimSpace(f.Get("received_on")))})
		return d.Name + " is on file.", err
	})
}

// clientDocumentRemovePage takes a document off the client's checklist.
func (s *Server) clientDocumentRemovePage(w http.ResponseWriter, r *http.Request) error {
	return s.clientAction(w, r, "documents", func(id string, f url.Values) (string, error) {
		return "Document removed.", s.db.RemoveClientDocument(r.Context(), actor(r), id, r.PathValue("doc_id"))
	})
}
