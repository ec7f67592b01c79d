package web

import (
	"fmt"
	"net/http"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/store"
)

type clientJSON struct {
	ID              string            `json:"id"`
	FirstName       string            `json:"first_name"`
	LastName        string            `json:"last_name"`
	BirthDate       *cas.Date         `json:"birth_date"`
	HMISPersonalID  string            `json:"hmis_personal_id"`
	HouseholdSize   int               `json:"household_size"`
	HouseholdType   cas.HouseholdType `json:"household_type"`
	Veteran         bool              `json:"veteran"`
	Chronic         bool              `json:"chronic"`
	Youth           bool              `json:"youth"`
	DVSurvivor      bool              `json:"dv_survivor"`
	NeedsAccessible bool              `json:"needs_accessible"`
	// Consent is true while a release of information is on file and unexpired.
	Consent          bool         `json:"consent"`
	ConsentDate      *cas.Date    `json:"consent_date"`
	ConsentExpiresOn *cas.Date    `json:"consent_expires_on"`
	Race             []cas.Race   `json:"race"`
	Gender           []cas.Gender `json:"gender"`
	Sex              cas.Sex      `json:"sex"`
	Phone            string       `json:"phone"`
	Email            string       `json:"email"`
	ContactNotes     string       `json:"contact_notes"`
	NavigatorUserID  *string      `json:"navigator_user_id"`
	clientIdentityJSON
	DeidentifiedAt *time.Time `json:"deidentified_at"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
}

// clientIdentityJSON says how a client is shown: confidential or not, shielded from this reader or
// not, and the alias they go by where they are.
type clientIdentityJSON struct {
	Confidential bool   `json:"confidential"`
	Shielded     bool   `json:"shielded"`
	Alias        string `json:"alias"`
}

func identityJSON(c cas.Client) clientIdentityJSON {
	return clientIdentityJSON{Confidential: c.Confidential, Shielded: c.Shielded, Alias: c.Alias()}
}

// clientJSONOn encodes a client as of a day, when consent may have expired; race and gender are []
// when not collected, never null.
func clientJSONOn(today cas.Date) func(cas.Client) clientJSON {
	return func(c cas.Client) clientJSON {
		j := clientJSON{ID: c.ID, FirstName: c.FirstName, LastName: c.LastName, HMISPersonalID: c.HMISPersonalID,
			HouseholdSize: c.HouseholdSize, HouseholdType: c.HouseholdType, Veteran: c.Veteran, Chronic: c.Chronic, Youth: c.Youth,
			DVSurvivor: c.DVSurvivor, NeedsAccessible: c.NeedsAccessible, Consent: c.ConsentOn(today), Race: nonNil(c.Race),
			Gender: nonNil(c.Gender), Sex: c.Sex, Phone: c.Phone, Email: c.Email, ContactNotes: c.ContactNotes,
			clientIdentityJSON: identityJSON(c), DeidentifiedAt: c.DeidentifiedAt, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
		if c.NavigatorUserID != "" {
			j.NavigatorUserID = &c.NavigatorUserID
		}
		if c.BirthDate != "" {
			j.BirthDate = &c.BirthDate
		}
		if c.Consent && c.ConsentDate != "" {
			j.ConsentDate = &c.ConsentDate
		}
		if c.Consent && c.ConsentExpiresOn != "" {
			j.ConsentExpiresOn = &c.ConsentExpiresOn
		}
		return j
	}
}

// toClientJSON encodes a client as of today in the CoC's time zone.
func (s *Server) toClientJSON(c cas.Client) clientJSON { return clientJSONOn(s.today())(c) }

// today is the CoC's calendar day now.
func (s *Server) today() cas.Date { return cas.DateOf(s.db.Now(), s.db.Zone) }

func (s *Server) clientList(w http.ResponseWriter, r *http.Request) error {
	page, err := pageOf(r)
	if err != nil {
		return err
	}
	list, next, err := s.db.Clients(r.Context(), actor(r), store.ClientFilter{Search: r.URL.Query().Get("q")}, page)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(list, next, s.toClientJSON))
	return nil
}

func (s *Server) clientShow(w http.ResponseWriter, r *http.Request) error {
	c, err := s.db.Client(r.Context(), actor(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.toClientJSON(c))
	return nil
}

type clientRequest struct {
	FirstName       *string            `json:"first_name"`
	LastName        *string            `json:"last_name"`
	BirthDate       *cas.Date          `json:"birth_date"`
	HMISPersonalID  *string            `json:"hmis_personal_id"`
	HouseholdSize   *int               `json:"household_size"`
	HouseholdType   *cas.HouseholdType `json:"household_type"`
	Veteran         *bool              `json:"veteran"`
	Chronic         *bool              `json:"chronic"`
	Youth           *bool              `json:"youth"`
	DVSurvivor      *bool              `json:"dv_survivor"`
	NeedsAccessible *bool              `json:"needs_accessible"`
	Consent         *bool              `json:"consent"`
	// ConsentDate and ConsentExpiresOn record a release of information; a date given records
	// consent.
	ConsentDate      *cas.Date     `json:"consent_date"`
	ConsentExpiresOn *cas.Date     `json:"consent_expires_on"`
	Race             *[]cas.Race   `json:"race"`
	Gender           *[]cas.Gender `json:"gender"`
	Sex              *cas.Sex      `json:"sex"`
	Phone            *string       `json:"phone"`
	Email            *string       `json:"email"`
	ContactNotes     *string       `json:"contact_notes"`
	// NavigatorUserID sets the client's navigator; "" removes them.
	NavigatorUserID *string `json:"navigator_user_id"`
	Confidential    *bool   `json:"confidential"`
}

func (req clientRequest) apply(c *cas.Client) {
	setIf(&c.FirstName, req.FirstName)
	setIf(&c.LastName, req.LastName)
	setIf(&c.BirthDate, req.BirthDate)
	setIf(&c.HMISPersonalID, req.HMISPersonalID)
	setIf(&c.HouseholdSize, req.HouseholdSize)
	setIf(&c.HouseholdType, req.HouseholdType)
	setIf(&c.Veteran, req.Veteran)
	setIf(&c.Chronic, req.Chronic)
	setIf(&c.Youth, req.Youth)
	setIf(&c.DVSurvivor, req.DVSurvivor)
	setIf(&c.NeedsAccessible, req.NeedsAccessible)
	setIf(&c.Consent, req.Consent)
	setIf(&c.ConsentDate, req.ConsentDate)
	setIf(&c.ConsentExpiresOn, req.ConsentExpiresOn)
	if (req.ConsentDate != nil || req.ConsentExpiresOn != nil) && req.Consent == nil {
		c.Consent = true
	}
	setIf(&c.Race, req.Race)
	setIf(&c.Gender, req.Gender)
	setIf(&c.Sex, req.Sex)
	setIf(&c.Phone, req.Phone)
	setIf(&c.Email, req.Email)
	setIf(&c.ContactNotes, req.ContactNotes)
	setIf(&c.NavigatorUserID, req.NavigatorUserID)
	setIf(&c.Confidential, req.Confidential)
}

func (s *Server) clientCreate(w http.ResponseWriter, r *http.Request) error {
	var req clientRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if err := requireFields(presence{"first_name", req.FirstName == nil}, presence{"last_name", req.LastName == nil},
		presence{"birth_date", req.BirthDate == nil}, presence{"household_size", req.HouseholdSize == nil},
		presence{"household_type", req.HouseholdType == nil}); err != nil {
		return err
	}
	var c cas.Client
	req.apply(&c)
	c, err := s.db.CreateClient(r.Context(), actor(r), c)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, s.toClientJSON(c))
	return nil
}

func (s *Server) clientUpdate(w http.ResponseWriter, r *http.Request) error {
	var req clientRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	c, err := s.db.UpdateClient(r.Context(), actor(r), r.PathValue("id"), req.apply)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.toClientJSON(c))
	return nil
}

// clientConsent records releases of information for many clients at once, all or nothing.
func (s *Server) clientConsent(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Items []struct {
			ClientID         string   `json:"client_id"`
			HMISPersonalID   string   `json:"hmis_personal_id"`
			ConsentDate      cas.Date `json:"consent_date"`
			ConsentExpiresOn cas.Date `json:"consent_expires_on"`
		} `json:"items"`
	}
	if err := decodeJSONUpTo(w, r, &req, maxBulkBody); err != nil {
		return err
	}
	records := make([]store.ConsentRecord, len(req.Items))
	for i, it := range req.Items {
		records[i] = store.ConsentRecord{ClientID: it.ClientID, HMISPersonalID: it.HMISPersonalID, ConsentDate: it.ConsentDate,
			ExpiresOn: it.ConsentExpiresOn, Where: fmt.Sprintf("items[%d]", i)}
	}
	n, err := s.db.RecordConsent(r.Context(), actor(r), records)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]int{"recorded": n})
	return nil
}
