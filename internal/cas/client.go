package cas

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"
)

// Client is a person on, or once on, the Housing Priority List, with the minimum personal data
// Coordinated Entry needs and the attributes eligibility rules read.
type Client struct {
	ID             string
	FirstName      string
	LastName       string
	BirthDate      Date   // empty when unknown: HMIS records often lack one
	HMISPersonalID string // the PersonalID in the CoC's HMIS; empty when not linked
	HouseholdSize  int
	HouseholdType  HouseholdType
	Veteran        bool
	Chronic        bool // chronically homeless (HUD definition)
	Youth          bool // an unaccompanied youth household, 18 to 24
	DVSurvivor     bool
	// NeedsAccessible says the household needs a wheelchair-accessible unit.
	NeedsAccessible bool
	// Consent says a release of information is on file; without it, or once it has expired, no
	// referral is made. ConsentDate is the day it was signed (empty for records from before dates
	// were kept) and ConsentExpiresOn the last day it holds (empty: until revoked).
	Consent          bool
	ConsentDate      Date
	ConsentExpiresOn Date
	// Race, Gender and Sex are HUD's demographic elements, kept for the CoC's equity review (never
	// for eligibility or ranking); empty means not collected.
	Race   []Race
	Gender []Gender
	Sex    Sex
	// Phone, Email and ContactNotes tell the receiving agency how to reach the client;
	// ContactNotes is free text: where to find them, the best time to call. Never emailed.
	Phone        string
	Email        string
	ContactNotes string
	// NavigatorUserID is the client's navigator, if any: an agency user of any agency (a shelter's
	// case manager, an outreach worker) who sees this client's referrals and adds notes to them, but
	// never acts for the receiving agency (see PartyTo).
	NavigatorUserID string
	// Confidential marks a client whose identity must be kept from receiving agencies (fleeing
	// domestic violence, say): until an agency accepts a referral of the client, its users see
	// the record shielded (Shield), by Alias and Doorway reference only.
	Confidential bool
	// Shielded says this copy of the record was shielded for its reader: the identifying fields
	// are empty, and Name is the alias.
	Shielded bool
	// DeidentifiedAt is when the retention job removed the client's identifying data; nil while
	// the record is whole.
	DeidentifiedAt *time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Alias is the name a confidential client goes by where their identity is shielded: "Client"
// and a letter and four digits derived from the record's ID, so it is the same on every page,
// email and day, and tells nothing of the person.
func (c Client) Alias() string {
	h := sha256.Sum256([]byte(c.ID))
	const letters = "ABCDEFGHJKLMNPRSTUVWXYZ" // no I, O or Q, which read as digits
	n := binary.BigEndian.Uint32(h[1:5])
	return fmt.Sprintf("Client %c-%04d", letters[int(h[0])%len(letters)], 1000+n%9000)
}

// Name is how the client is named to the reader: first and last name, or the alias when the
// record is shielded or de-identified.
func (c Client) Name() string {
	if c.Shielded || c.DeidentifiedAt != nil {
		return c.Alias()
	}
	return strings.TrimSpace(c.FirstName + " " + c.LastName)
}

// Shield removes from the record what identifies the person or says where to find them: name,
// birth date, HMIS PersonalID, contact details and demographics. What a receiving agency needs
// to decide on a referral stays: household, populations, accessibility and consent; and the
// navigator, through whom the agency can reach the client without learning who they are.
func (c *Client) Shield() {
	c.FirstName, c.LastName, c.BirthDate, c.HMISPersonalID = "", "", "", ""
	c.Phone, c.Email, c.ContactNotes = "", "", ""
	c.Race, c.Gender, c.Sex = nil, nil, ""
	c.Shielded = true
}

// Validate checks a client before it is stored.
func (c *Client) Validate(today Date) error {
	c.FirstName, c.LastName = strings.TrimSpace(c.FirstName), strings.TrimSpace(c.LastName)
	c.HMISPersonalID = strings.TrimSpace(c.HMISPersonalID)
	if c.FirstName == "" {
		return Invalid("first_name", "first_name is required")
	}
	if c.LastName == "" {
		return Invalid("last_name", "last_name is required")
	}
	if c.BirthDate != "" {
		if _, err := ParseDate("birth_date", string(c.BirthDate)); err != nil {
			return err
		}
		if c.BirthDate > today {
			return Invalid("birth_date", "birth_date is in the future")
		}
		if c.BirthDate < today.AddDays(-120*366) {
			return Invalid("birth_date", "birth_date is more than 120 years ago")
		}
	}
	if len(c.HMISPersonalID) > 32 {
		return Invalid("hmis_personal_id", "hmis_personal_id must be at most 32 characters (HMIS CSV String(32))")
	}
	if c.HouseholdSize < 1 || c.HouseholdSize > 20 {
		return Invalid("household_size", "household_size must be between 1 and 20")
	}
	if err := validateHouseholdTypes("household_type", []HouseholdType{c.HouseholdType}, true); err != nil {
		return err
	}
	if err := c.validateConsent(today); err != nil {
		return err
	}
	if err := c.validateContact(); err != nil {
		return err
	}
	return c.validateDemographics()
}

// Longest contact details a client record keeps, in characters.
const (
	MaxPhoneLength        = 40
	MaxClientEmailLength  = 254 // RFC 5321's longest path
	MaxContactNotesLength = 1000
)

// validateContact trims and checks how to reach the client; each part is optional.
func (c *Client) validateContact() error {
	c.Phone, c.Email, c.ContactNotes = strings.TrimSpace(c.Phone), strings.TrimSpace(c.Email), strings.TrimSpace(c.ContactNotes)
	c.NavigatorUserID = strings.TrimSpace(c.NavigatorUserID)
	if utf8.RuneCountInString(c.Phone) > MaxPhoneLength {
		return Invalid("phone", "phone must be at most %d characters", MaxPhoneLength)
	}
	if utf8.RuneCountInString(c.Email) > MaxClientEmailLength {
		return Invalid("email", "email must be at most %d characters", MaxClientEmailLength)
	}
	if c.Email != "" {
		if a, err := mail.ParseAddress(c.Email); err != nil || a.Address != c.Email {
			return Invalid("email", "%q is not an email address", c.Email)
		}
	}
	if utf8.RuneCountInString(c.ContactNotes) > MaxContactNotesLength {
		return Invalid("contact_notes", "contact_notes must be at most %d characters", MaxContactNotesLength)
	}
	return nil
}

// validateConsent checks the release of information's dates; without consent there are none.
func (c *Client) validateConsent(today Date) error {
	if !c.Consent {
		c.ConsentDate, c.ConsentExpiresOn = "", ""
		return nil
	}
	return ValidateConsentDates(today, c.ConsentDate, c.ConsentExpiresOn)
}

// ValidateConsentDates checks the dates of a release of information: signed on a real day not in
// the future, and not expiring before it was signed.
func ValidateConsentDates(today, signed, expires Date) error {
	if signed != "" {
		if _, err := ParseDate("consent_date", string(signed)); err != nil {
			return err
		}
		if signed > today {
			return Invalid("consent_date", "consent_date %s is in the future", signed)
		}
	}
	if expires != "" {
		if _, err := ParseDate("consent_expires_on", string(expires)); err != nil {
			return err
		}
		if expires < signed {
			return Invalid("consent_expires_on", "consent_expires_on %s is before consent_date %s", expires, signed)
		}
	}
	return nil
}

// ConsentOn reports whether a release of information is on file and unexpired on a day.
func (c *Client) ConsentOn(day Date) bool {
	return c.Consent && (c.ConsentExpiresOn == "" || day <= c.ConsentExpiresOn)
}

// Age is the client's age in whole years on a day; meaningless when BirthDate is empty.
func (c *Client) Age(on Date) int {
	b, t := c.BirthDate.Start(time.UTC), on.Start(time.UTC)
	age := t.Year() - b.Year()
	if t.Month() < b.Month() || (t.Month() == b.Month() && t.Day() < b.Day()) {
		age--
	}
	return age
}

// ValidateNavigator checks that a user can be a client's navigator: an active agency user, of any
// agency. CAS admins and the HMIS team see every client already, and a disabled account follows
// no one.
func ValidateNavigator(u User) error {
	if u.Role != RoleAgencyUser {
		return Invalid("navigator_user_id", "a navigator must be an agency user; %s is a %s", u.Name, u.Role)
	}
	if u.Disabled() {
		return Invalid("navigator_user_id", "%s's account is disabled", u.Name)
	}
	return nil
}
