package web

import (
	"cmp"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/links"
	"github.com/doorway-cas/doorway/internal/store"
)

// due says how long until a deadline, or how long past it.
func due(now, deadline time.Time) string {
	d := deadline.Sub(now)
	if d < 0 {
		return "overdue by " + strings.TrimSuffix(ago(-d), " ago")
	}
	switch {
	case d < time.Hour:
		return fmt.Sprintf("due in %d min", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("due in %d h", int(d.Hours()))
	}
	return fmt.Sprintf("due in %d days", int(d.Hours()/24))
}

// deadlineRuns says whether a referral's response deadline is running: it is pending and holds a
// unit. An over-referral waiting in line has no deadline until a unit is assigned to it.
func deadlineRuns(ref cas.Referral) bool { return ref.Status == cas.ReferralPending && !ref.Waiting() }

// ----- Incoming referrals -----

type referralRow struct {
	ID        string
	Client    string
	Program   string
	Facility  string
	Unit      string
	Status    cas.ReferralStatus
	OverRefer bool
	Waiting   bool // an over-referral in line for a unit: no deadline yet
	CreatedAt time.Time
	Deadline  time.Time
	Due       string
	Overdue   bool
}

type referralListData struct {
	Rows       []referralRow
	Programs   []option
	Facilities []option
	Statuses   []option
	ProgramID  string
	FacilityID string
	Status     string
	Cursor     string
	Next       string
}

// referralStatusFilter reads the status filter: "open" (the default) is pending and accepted.
func referralStatusFilter(v string) (string, []cas.ReferralStatus, error) {
	switch v {
	case "", "open":
		return "open", []cas.ReferralStatus{cas.ReferralPending, cas.ReferralAccepted}, nil
	case "all":
		return "all", nil, nil
	}
	if st := cas.ReferralStatus(v); slices.Contains(cas.ReferralStatuses, st) {
		return v, []cas.ReferralStatus{st}, nil
	}
	return "", nil, cas.Invalid("status", "unknown status %q", v)
}

// clientLabel is how a client appears in a list: initials and HMIS PersonalID, the least
// that tells referrals apart, or the alias of a shielded client; the full record is on the
// referral's page.
func clientLabel(c cas.Client) string {
	if c.Shielded {
		return c.Alias()
	}
	initials := ""
	for _, n := range []string{c.FirstName, c.LastName} {
		if r := []rune(strings.TrimSpace(n)); len(r) > 0 {
			initials += strings.ToUpper(string(r[0])) + ". "
		}
	}
	label := strings.TrimSpace(initials)
	if c.HMISPersonalID != "" {
		label += " · HMIS " + c.HMISPersonalID
	}
	return label
}

func (s *Server) referralListPage(w http.ResponseWriter, r *http.Request) error {
	u, q := actor(r), r.URL.Query()
	status, statuses, err := referralStatusFilter(q.Get("status"))
	if err != nil {
		return err
	}
	page, err := pageOf(r)
	if err != nil {
		return err
	}
	d := referralListData{ProgramID: q.Get("program_id"), FacilityID: q.Get("facility_id"), Status: status, Cursor: page.Cursor}
	list, err := s.db.ReferralList(r.Context(), u, store.ReferralFilter{ProgramID: d.ProgramID, FacilityID: d.FacilityID, Status: statuses}, page)
	if err != nil {
		return err
	}
	programNames := map[string]string{}
	for _, p := range list.Programs {
		programNames[p.ID] = p.Name
		d.Programs = append(d.Programs, option{Value: p.ID, Label: p.Name, Selected: p.ID == d.ProgramID})
	}
	for _, f := range list.Facilities {
		label := f.Name
		if pn := programNames[f.ProgramID]; pn != "" {
			label += " (" + pn + ")"
		}
		d.Facilities = append(d.Facilities, option{Value: f.ID, Label: label, Selected: f.ID == d.FacilityID})
	}
	d.Statuses = append(d.Statuses, option{Value: "open", Label: "Open (pending or accepted)", Selected: status == "open"})
	for _, st := range cas.ReferralStatuses {
		d.Statuses = append(d.Statuses, option{Value: string(st), Label: humanize(string(st)), Selected: status == string(st)})
	}
	d.Statuses = append(d.Statuses, option{Value: "all", Label: "All", Selected: status == "all"})
	d.Next = list.Next
	now := s.db.Now()
	for _, ref := range list.Referrals {
		row := referralRow{ID: ref.ID, Program: ref.Program, Facility: ref.Facility, Unit: ref.Unit,
			Status: ref.Status, OverRefer: ref.OverRefer, Waiting: ref.Waiting(), CreatedAt: ref.CreatedAt, Deadline: ref.Deadline}
		if deadlineRuns(ref.Referral) {
			row.Due = due(now, ref.Deadline)
			row.Overdue = now.After(ref.Deadline)
		}
		if ref.Client != nil {
			row.Client = clientLabel(*ref.Client)
		}
		d.Rows = append(d.Rows, row)
	}
	title := "Referrals"
	if u.Role == cas.RoleAgencyUser {
		title = "Incoming referrals"
	}
	return s.render(w, r, http.StatusOK, "referral_list", title, view{Data: d})
}

// ----- One referral -----

type referralData struct {
	Referral     cas.Referral
	Events       []referralEvent
	Client       *cas.Client
	ClientAge    int
	Household    string
	Program      string
	Facility     string
	Unit         string
	StatusLabel  string
	Waiting      bool // an over-referral in line for a unit: its deadline starts when one is assigned
	Due          string
	Overdue      bool
	DeclineLabel string

	// Navigator is the client's navigator, named with how to reach them; IsNavigator says the
	// reader is that navigator, who reads and adds notes but never answers for the agency.
	Navigator   *store.Navigator
	IsNavigator bool

	CanAccept, CanDecline, CanMoveIn, CanWithdraw, CanNote bool
	DeclineReasons                                         []option
	MoveInUnits                                            []option
}

type referralEvent struct {
	cas.ReferralEvent
	ActionLabel string
}

// timelineWords says in words the timeline actions whose code does not read well as a label.
var timelineWords = map[string]string{
	"unit_assigned": "A unit opened and was assigned",
}

// timelineLabel is how a referral's timeline names an action.
func timelineLabel(action string) string {
	if words, ok := timelineWords[action]; ok {
		return words
	}
	return humanize(action)
}

// canActOn says whether the viewer may take an action on a referral now: its status allows it
// and the viewer's role and agency do.
func canActOn(u *cas.User, ref cas.Referral, action cas.ReferralAction) bool {
	if _, err := cas.NextReferralStatus(ref.Status, action); err != nil {
		return false
	}
	if action == cas.ActionWithdraw {
		return casOnly.admits(u.Role) && cas.CanManageReferrals(u)
	}
	return unitOperators.admits(u.Role) && cas.CanRespondToReferral(u, ref.AgencyID)
}

// referralView reads what the referral page shows; form holds a refused submission to refill.
func (s *Server) referralView(r *http.Request, id string, form url.Values) (referralData, error) {
	u := actor(r)
	p, err := s.db.ReferralPage(r.Context(), u, id)
	if err != nil {
		return referralData{}, err
	}
	ref := p.Referral
	d := referralData{Referral: ref, Client: p.Client, Program: p.Program, Facility: p.Facility, Unit: p.Unit,
		StatusLabel: humanize(string(ref.Status)), Waiting: ref.Waiting(), Navigator: p.Navigator,
		IsNavigator: p.Party == cas.PartyNavigator, CanNote: p.Party.May(cas.RightNote)}
	for _, ev := range p.Events {
		d.Events = append(d.Events, referralEvent{ReferralEvent: ev, ActionLabel: timelineLabel(ev.Action)})
	}
	now := s.db.Now()
	if deadlineRuns(ref) {
		d.Due, d.Overdue = due(now, ref.Deadline), now.After(ref.Deadline)
	}
	if ref.ReasonCode != "" {
		if rule, ok := cas.DeclineRuleOf(ref.ReasonCode); ok {
			d.DeclineLabel = rule.Label
		} else {
			d.DeclineLabel = string(ref.ReasonCode)
		}
	}
	if c := p.Client; c != nil {
		d.ClientAge = c.Age(cas.DateOf(now, s.db.Zone))
		d.Household = strings.ReplaceAll(string(c.HouseholdType), "_", " ")
	}
	d.CanAccept = canActOn(u, ref, cas.ActionAccept)
	d.CanDecline = canActOn(u, ref, cas.ActionDecline)
	d.CanMoveIn = canActOn(u, ref, cas.ActionMoveIn)
	d.CanWithdraw = canActOn(u, ref, cas.ActionWithdraw)
	if d.CanDecline {
		for _, rule := range cas.DeclineRules {
			d.DeclineReasons = append(d.DeclineReasons, option{Value: string(rule.Reason), Label: rule.Label,
				Selected: form.Get("reason_code") == string(rule.Reason)})
		}
	}
	if d.CanMoveIn {
		d.MoveInUnits = moveInUnits(p.FacilityUnits, ref, form.Get("unit_id"))
	}
	return d, nil
}

// moveInUnits offers the units of the referral's facility a client can move into: available or
// reserved, and not held by another open referral. The unit the referral holds comes first,
// selected unless the refused form chose another.
func moveInUnits(units []cas.Unit, ref cas.Referral, chosen string) []option {
	if chosen == "" {
		chosen = ref.UnitID
	}
	var opts []option
	for _, un := range units {
		heldElsewhere := holdOf(un, cas.HoldReferral) != nil && un.HeldBy.ID != ref.ID
		if heldElsewhere || (un.Status != cas.UnitAvailable && un.Status != cas.UnitReserved) {
			continue
		}
		label := fmt.Sprintf("%s (%d BR, %s", un.Label, un.Bedrooms, un.Status)
		if un.Accessible {
			label += ", accessible"
		}
		label += ")"
		if un.ID == ref.UnitID {
			label += " — held for this referral"
		}
		opt := option{Value: un.ID, Label: label, Selected: un.ID == chosen}
		if un.ID == ref.UnitID {
			opts = append([]option{opt}, opts...)
		} else {
			opts = append(opts, opt)
		}
	}
	return opts
}

func (s *Server) referralPage(w http.ResponseWriter, r *http.Request) error {
	d, err := s.referralView(r, r.PathValue("id"), nil)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "referral_detail", "Referral", view{Data: d})
}

// referralRefused shows the referral page again with a refused form's messages, or passes
// an error that is not about the form on.
func (s *Server) referralRefused(w http.ResponseWriter, r *http.Request, err error) error {
	errs, ok := formError(err)
	if !ok {
		return err
	}
	d, verr := s.referralView(r, r.PathValue("id"), r.PostForm)
	if verr != nil {
		return verr
	}
	return s.render(w, r, http.StatusBadRequest, "referral_detail", "Referral", view{Data: d, Errors: errs, Form: r.PostForm})
}

func (s *Server) referralAcceptPage(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if _, err := s.db.AcceptReferral(r.Context(), actor(r), id, r.PostFormValue("note")); err != nil {
		return s.referralRefused(w, r, err)
	}
	return s.redirect(w, r, links.Referral(id), "Referral accepted. Record the move-in here when the client moves in.")
}

func (s *Server) referralDeclinePage(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	reason := cas.DeclineReason(r.PostFormValue("reason_code"))
	if _, err := s.db.DeclineReferral(r.Context(), actor(r), id, reason, r.PostFormValue("note")); err != nil {
		return s.referralRefused(w, r, err)
	}
	return s.redirect(w, r, links.Referral(id), "Referral declined; the CAS team has been told.")
}

func (s *Server) referralMoveInPage(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	ref, err := s.db.MoveIn(r.Context(), actor(r), id, r.PostFormValue("unit_id"))
	if err != nil {
		return s.referralRefused(w, r, err)
	}
	msg := "Move-in recorded: the client is housed."
	if un, err := s.db.Unit(r.Context(), actor(r), ref.UnitID); err == nil {
		msg = fmt.Sprintf("Move-in recorded: the client is housed and unit %s is occupied.", un.Label)
	}
	return s.redirect(w, r, links.Referral(id), msg)
}

func (s *Server) referralNotePage(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if _, err := s.db.AddReferralNote(r.Context(), actor(r), id, r.PostFormValue("text")); err != nil {
		return s.referralRefused(w, r, err)
	}
	return s.redirect(w, r, links.Referral(id), "Note added. The others on this referral are told a note was added, not what it says.")
}

func (s *Server) referralWithdrawPage(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if _, err := s.db.WithdrawReferral(r.Context(), actor(r), id, r.PostFormValue("reason")); err != nil {
		return s.referralRefused(w, r, err)
	}
	return s.redirect(w, r, links.Referral(id), "Referral withdrawn; the client is back on the HPL.")
}

// ----- The referral board -----

// boardReferral is a line of the referral board.
type boardReferral struct {
	store.BoardReferral
	AgeDays        int
	Overdue        bool
	WaitingForUnit bool // an over-referral in line: no deadline until a unit is assigned
}

// boardProgram is the board's group of one program's open referrals.
type boardProgram struct {
	ID, Name                   string
	Pending, Accepted, Overdue int
	Referrals                  []boardReferral
}

type boardData struct {
	Programs  []boardProgram
	Proposals []store.BoardProposal
	Reviewer  bool
	Total     int
}

func (s *Server) boardData(r *http.Request) (boardData, error) {
	u := actor(r)
	b, err := s.db.Board(r.Context(), u)
	if err != nil {
		return boardData{}, err
	}
	d := boardData{Reviewer: cas.CanManageReferrals(u), Total: len(b.Referrals), Proposals: b.Proposals}
	now := s.db.Now()
	groups := map[string]*boardProgram{}
	for _, ref := range b.Referrals {
		g, ok := groups[ref.ProgramID]
		if !ok {
			g = &boardProgram{ID: ref.ProgramID, Name: cmp.Or(ref.Program, "Program "+ref.ProgramID)}
			groups[ref.ProgramID] = g
		}
		br := boardReferral{BoardReferral: ref, AgeDays: int(now.Sub(ref.CreatedAt).Hours() / 24),
			Overdue: deadlineRuns(ref.Referral) && now.After(ref.Deadline), WaitingForUnit: ref.Waiting()}
		switch ref.Status {
		case cas.ReferralPending:
			g.Pending++
		case cas.ReferralAccepted:
			g.Accepted++
		}
		if br.Overdue {
			g.Overdue++
		}
		g.Referrals = append(g.Referrals, br)
	}
	for _, g := range groups {
		// Oldest first: the ones waiting longest need attention first.
		slices.SortStableFunc(g.Referrals, func(a, b boardReferral) int { return a.CreatedAt.Compare(b.CreatedAt) })
		d.Programs = append(d.Programs, *g)
	}
	slices.SortFunc(d.Programs, func(a, b boardProgram) int { return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID)) })
	return d, nil
}

func (s *Server) referralBoardPage(w http.ResponseWriter, r *http.Request) error {
	d, err := s.boardData(r)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "referral_board", "Referral board", view{Data: d})
}

// boardRefusal shows the board again with why a proposal could not be acted on.
func (s *Server) boardRefusal(w http.ResponseWriter, r *http.Request, err error) error {
	msgs, ok := formError(err)
	if !ok {
		return err
	}
	e := cas.ErrorOf(err)
	d, derr := s.boardData(r)
	if derr != nil {
		return derr
	}
	form := map[string]string{}
	for _, m := range msgs {
		form["form"] = m
	}
	return s.render(w, r, statusOf(e.Code), "referral_board", "Referral board", view{Data: d, Errors: form})
}
