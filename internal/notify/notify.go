// Package notify says what Doorway tells people, and sends it: a registry of notification kinds
// with their recipients and templates, and email delivery over SMTP. Notifications carry no client
// personal data: what happened, the program, and a link that requires sign-in.
package notify

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"slices"
	texttemplate "text/template"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
)

// Kind is a kind of notification.
type Kind string

// The notification kinds. Each has a spec in kinds and a .txt and .html template.
const (
	NewReferral         Kind = "new_referral"
	ReferralAccepted    Kind = "referral_accepted"
	ReferralDeclined    Kind = "referral_declined"
	ReferralMovedIn     Kind = "referral_moved_in"
	ReferralExpired     Kind = "referral_expired"
	ReferralWithdrawn   Kind = "referral_withdrawn"
	DeadlineApproaching Kind = "deadline_approaching"
	UnitOffline         Kind = "unit_offline"
	UnitOnline          Kind = "unit_online"
	// UnitsOffline tells an agency which of a facility's units the HMIS team took offline in one
	// action, such as acting on the under-referral suspects.
	UnitsOffline Kind = "units_offline"
	// ConfirmUnitsAsked asks an agency to confirm units that show available but are not being
	// referred to: confirm the roster, or report a discrepancy.
	ConfirmUnitsAsked Kind = "confirm_units_asked"
	// SuspectsRecorded tells the HMIS team the week's under-referral suspects, so that units that
	// show available but are not are found without anyone having to speak up.
	SuspectsRecorded    Kind = "suspects_recorded"
	ReservationExpiring Kind = "reservation_expiring"
	// FacilityRequestDecided tells the agency the HMIS team approved or rejected its
	// facility-setup request.
	FacilityRequestDecided Kind = "facility_request_decided"
	DiscrepancyFiled       Kind = "discrepancy_filed"
	DiscrepancyResolved    Kind = "discrepancy_resolved"
	// OverReferralUnit tells the agency that a unit freed for an over-referral waiting in line.
	OverReferralUnit Kind = "over_referral_unit"
	// HeldUnitOffline tells the CAS admins that a unit was taken offline in an emergency and the
	// referral holding it withdrawn.
	HeldUnitOffline Kind = "held_unit_offline"
	// NoCASContact tells the CAS admins that a referral waiting for an agency's answer reached no
	// one there, because the agency has no CAS Contact.
	NoCASContact Kind = "no_cas_contact"
	// ReferralNoteAdded tells the receiving agency that a note was added to a referral; never the
	// note itself, which may name the client.
	ReferralNoteAdded Kind = "referral_note_added"
	// NavigatedReferral tells a client's navigator of each event of their client's referrals:
	// sent, answered, closed, a note added (see NavigatorNews).
	NavigatedReferral Kind = "navigated_referral"
)

// NeedsAnswer reports whether a kind asks the agency to act on a referral: when the agency has no
// CAS Contact to tell, the CAS admins are told instead.
func NeedsAnswer(k Kind) bool {
	return k == NewReferral || k == OverReferralUnit || k == DeadlineApproaching
}

// SkipsAuthor reports whether a kind is not sent to the person whose action caused it: nobody is
// told of the note they wrote themselves. Other kinds reach their whole audience, as a CAS admin
// whose referral reached no CAS Contact must hear of it.
func SkipsAuthor(k Kind) bool { return k == ReferralNoteAdded || k == NavigatedReferral }

// Audience is who receives a kind of notification.
type Audience string

const (
	// AgencyContacts are the CAS Contacts of the agency concerned.
	AgencyContacts Audience = "agency_cas_contacts"
	// CASAdmins are every active CAS admin.
	CASAdmins Audience = "cas_admins"
	// HMISTeam is every active member of the HMIS team.
	HMISTeam Audience = "hmis_team"
	// Navigator is the navigator of the client concerned, if they have one.
	Navigator Audience = "navigator"
)

type spec struct {
	audience Audience
	subject  string // a text/template over Data
}

var kinds = map[Kind]spec{
	NewReferral:         {AgencyContacts, "New referral to {{.Program}}"},
	ReferralAccepted:    {CASAdmins, "Referral accepted by {{.Program}}"},
	ReferralDeclined:    {CASAdmins, "Referral declined by {{.Program}}: {{.Reason}}"},
	ReferralMovedIn:     {CASAdmins, "Client moved in at {{.Program}}"},
	ReferralExpired:     {CASAdmins, "Referral to {{.Program}} expired without an answer"},
	ReferralWithdrawn:   {AgencyContacts, "Referral to {{.Program}} withdrawn"},
	DeadlineApproaching: {AgencyContacts, "Reminder: a referral to {{.Program}} needs an answer by {{.Deadline}}"},
	UnitOffline:         {AgencyContacts, "Unit {{.Unit}} at {{.Facility}} taken offline"},
	UnitOnline:          {AgencyContacts, "Unit {{.Unit}} at {{.Facility}} back online"},
	UnitsOffline:        {AgencyContacts, "Units taken offline at {{.Facility}}: {{.Unit}}"},
	ConfirmUnitsAsked:   {AgencyContacts, "Please confirm units at {{.Facility}}: {{.Unit}}"},
	// Deadline is the week's Monday; Reason counts the suspects, never names a client.
	SuspectsRecorded:    {HMISTeam, "Under-referral, week of {{.Deadline}}: {{.Reason}}"},
	ReservationExpiring: {AgencyContacts, "Reservation of unit {{.Unit}} at {{.Facility}} expires {{.Deadline}}"},
	// Reason is "approved" or "rejected", never the rejection's free text.
	FacilityRequestDecided: {AgencyContacts, "Your facility-setup request for {{.Program}} was {{.Reason}}"},
	DiscrepancyFiled:       {CASAdmins, "{{.Agency}} reports its inventory at {{.Facility}} is wrong"},
	DiscrepancyResolved:    {AgencyContacts, "Your inventory report for {{.Facility}} was resolved: {{.Reason}}"},
	OverReferralUnit:       {AgencyContacts, "A unit opened for an over-referral to {{.Program}}: unit {{.Unit}}"},
	HeldUnitOffline:        {CASAdmins, "Referral to {{.Program}} withdrawn: unit {{.Unit}} taken offline"},
	NoCASContact:           {CASAdmins, "{{.Agency}} has no CAS Contact: a referral to {{.Program}} reached no one"},
	ReferralNoteAdded:      {AgencyContacts, "A note was added to a referral to {{.Program}}"},
	// Event is NavigatorNews's words for what happened.
	NavigatedReferral: {Navigator, "Your client's referral to {{.Program}}: {{.Event}}"},
}

// navigatorNews says in words, for a client's navigator, each referral event they are told of by
// NavigatedReferral, by the kind the event's other recipients are told of it by.
var navigatorNews = map[Kind]string{
	NewReferral:       "sent",
	OverReferralUnit:  "a unit opened for it",
	ReferralAccepted:  "accepted",
	ReferralDeclined:  "declined",
	ReferralMovedIn:   "the client moved in",
	ReferralExpired:   "expired without an answer",
	ReferralWithdrawn: "withdrawn",
	ReferralNoteAdded: "a note was added",
}

// NavigatorNews returns what a client's navigator is told of a referral event that others are told
// of by kind k, and whether they are told of it at all.
func NavigatorNews(k Kind) (string, bool) {
	news, ok := navigatorNews[k]
	return news, ok
}

// Kinds lists every kind, sorted.
func Kinds() []Kind {
	list := make([]Kind, 0, len(kinds))
	for k := range kinds {
		list = append(list, k)
	}
	slices.Sort(list)
	return list
}

// AudienceOf says who receives a kind.
func AudienceOf(k Kind) Audience { return kinds[k].audience }

// Data is what a notification may say. It has no field for a client's name or any other personal
// data, so no template can print one.
type Data struct {
	Program  string
	Facility string
	Agency   string
	Unit     string
	Deadline string // a date or time, already formatted
	Reason   string // a decline reason's label, an offline reason
	Event    string // what happened to a referral, in NavigatorNews's words
	Link     string // where to read more, after signing in
}

// Message is a rendered notification.
type Message struct {
	Subject string
	Text    string
	HTML    string
}

//go:embed templates
var templateFS embed.FS

var (
	textTemplates = texttemplate.Must(texttemplate.ParseFS(templateFS, "templates/*.txt"))
	htmlTemplates = htmltemplate.Must(htmltemplate.ParseFS(templateFS, "templates/*.html"))
)

// Render renders a kind of notification.
func Render(k Kind, d Data) (Message, error) {
	s, ok := kinds[k]
	if !ok {
		return Message{}, fmt.Errorf("unknown notification kind %q", k)
	}
	var m Message
	var buf bytes.Buffer
	subject, err := texttemplate.New("subject").Parse(s.subject)
	if err == nil {
		err = subject.Execute(&buf, d)
	}
	if err != nil {
		return m, fmt.Errorf("render %s subject: %w", k, err)
	}
	m.Subject = buf.String()
	return renderBodies(m, string(k), d)
}

// renderBodies renders a message's text and HTML bodies from the templates name.txt and
// name.html.
func renderBodies(m Message, name string, d any) (Message, error) {
	var buf bytes.Buffer
	if err := textTemplates.ExecuteTemplate(&buf, name+".txt", d); err != nil {
		return m, fmt.Errorf("render %s text: %w", name, err)
	}
	m.Text = buf.String()
	buf.Reset()
	if err := htmlTemplates.ExecuteTemplate(&buf, name+".html", d); err != nil {
		return m, fmt.Errorf("render %s html: %w", name, err)
	}
	m.HTML = buf.String()
	return m, nil
}

// Digest renders one email that gathers a day's notifications for a user.
func Digest(day cas.Date, items []Message, link string) (Message, error) {
	d := struct {
		Day   cas.Date
		Items []Message
		Link  string
	}{day, items, link}
	return renderBodies(Message{Subject: fmt.Sprintf("Doorway: %d notifications for %s", len(items), day)}, "digest", d)
}

// FormatDeadline writes a moment as people at the CoC read it.
func FormatDeadline(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("Mon 2 Jan 2006 15:04 MST")
}
