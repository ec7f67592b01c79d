package web

import (
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

// agencyDue says how long until a deadline, or how long past it.
func agencyDue(now, deadline time.Time) string {
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

type agencyReferralRow struct {
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

type agencyReferralsData struct {
	Rows       []agencyReferralRow
	Programs   []option
	Facilities []option
	Statuses   []option
	ProgramID  string
	FacilityID string
	Status     string
	Cursor     string
	Next       string
}

// agencyStatusFilter reads the status filter: "open" (the default) is pending and accepted.
func agencyStatusFilter(v string) (string, []cas.ReferralStatus, error) {
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

// agencyClientLabel is how a client appears in a list: initials and HMIS PersonalID, the least
// that tells referrals apart; the full record is on the referral's page.
func agencyClientLabel(c cas.Client) string {
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

func (s *Server) agencyReferralsPage(w http.ResponseWriter, r *http.Request) error {
	ctx, u, q := r.Context(), actor(r), r.URL.Query()
	status, statuses, err := agencyStatusFilter(q.Get("status"))
	if err != nil {
		return err
	}
	page, err := pageOf(r)
	if err != nil {
		return err
	}
	d := agencyReferralsData{ProgramID: q.Get("program_id"), FacilityID: q.Get("facility_id"), Status: status, Cursor: page.Cursor}
	programs, err := store.All(func(p store.Page) ([]cas.Program, string, error) {
		return s.db.Programs(ctx, u, store.ProgramFilter{}, p)
	})
	if err != nil {
		return err
	}
	facilities, err := store.All(func(p store.Page) ([]cas.Facility, string, error) {
		return s.db.Facilities(ctx, u, store.FacilityFilter{}, p)
	})
	if err != nil {
		return err
	}
	programNames, facilityNames := map[string]string{}, map[string]string{}
	for _, p := range programs {
		programNames[p.ID] = p.Name
		d.Programs = append(d.Programs, option{Value: p.ID, Label: p.Name, Selected: p.ID == d.ProgramID})
	}
	for _, f := range facilities {
		facilityNames[f.ID] = f.Name
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

	list, next, err := s.db.Referrals(ctx, u, store.ReferralFilter{ProgramID: d.ProgramID, FacilityID: d.FacilityID, Status: statuses}, page)
	if err != nil {
		return err
	}
	d.Next = next
	now := s.db.Now()
	clients, units := map[string]string{}, map[string]string{}
	for _, ref := range list {
		row := agencyReferralRow{ID: ref.ID, Program: programNames[ref.ProgramID], Facility: facilityNames[ref.FacilityID],
			Status: ref.Status, OverRefer: ref.OverRefer, Waiting: ref.Waiting(), CreatedAt: ref.CreatedAt, Deadline: ref.Deadline}
		if deadlineRuns(ref) {
			row.Due = agencyDue(now, ref.Deadline)
			row.Overdue = now.After(ref.Deadline)
		}
		label, ok := clients[ref.ClientID]
		if !ok {
			// Each read of a client record is audited, once per client shown.
			if c, err := s.db.Client(ctx, u, ref.ClientID); err == nil {
				label = agencyClientLabel(c)
			} else if cas.ErrorCode(err) != cas.ENotFound {
				return err
			}
			clients[ref.ClientID] = label
		}
		row.Client = label
		if ref.UnitID != "" {
			unit, ok := units[ref.UnitID]
			if !ok {
				if un, err := s.db.Unit(ctx, u, ref.UnitID); err == nil {
					unit = un.Label
				} else if cas.ErrorCode(err) != cas.ENotFound {
					return err
				}
				units[ref.UnitID] = unit
			}
			row.Unit = unit
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

type agencyUnitOption struct {
	ID, Label string
	Selected  bool
}

type agencyReferralData struct {
	Referral     cas.Referral
	Events       []agencyEvent
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

	CanAccept, CanDecline, CanMoveIn, CanWithdraw bool
	DeclineReasons                                []option
	MoveInUnits                                   []agencyUnitOption
}

type agencyEvent struct {
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

// agencyCan says whether the viewer may take an action on a referral now: its status allows it
// and the viewer's role and agency do.
func agencyCan(u *cas.User, ref cas.Referral, action cas.ReferralAction) bool {
	if _, err := cas.NextReferralStatus(ref.Status, action); err != nil {
		return false
	}
	if action == cas.ActionWithdraw {
		return casOnly.admits(u.Role) && cas.CanManageReferrals(u)
	}
	return unitOperators.admits(u.Role) && cas.CanRespondToReferral(u, ref.AgencyID)
}

// agencyReferralView loads what the referral page shows; form holds a refused submission to refill.
func (s *Server) agencyReferralView(r *http.Request, id string, form url.Values) (agencyReferralData, error) {
	ctx, u := r.Context(), actor(r)
	ref, events, err := s.db.Referral(ctx, u, id)
	if err != nil {
		return agencyReferralData{}, err
	}
	d := agencyReferralData{Referral: ref, StatusLabel: humanize(string(ref.Status)), Waiting: ref.Waiting()}
	for _, ev := range events {
		d.Events = append(d.Events, agencyEvent{ReferralEvent: ev, ActionLabel: timelineLabel(ev.Action)})
	}
	now := s.db.Now()
	if deadlineRuns(ref) {
		d.Due, d.Overdue = agencyDue(now, ref.Deadline), now.After(ref.Deadline)
	}
	if ref.ReasonCode != "" {
		if rule, ok := cas.DeclineRuleOf(ref.ReasonCode); ok {
			d.DeclineLabel = rule.Label
		} else {
			d.DeclineLabel = string(ref.ReasonCode)
		}
	}
	c, err := s.db.Client(ctx, u, ref.ClientID)
	switch {
	case err == nil:
		d.Client = &c
		d.ClientAge = c.Age(cas.DateOf(now, s.db.Zone))
		d.Household = strings.ReplaceAll(string(c.HouseholdType), "_", " ")
	case cas.ErrorCode(err) != cas.ENotFound:
		return d, err
	}
	if p, err := s.db.Program(ctx, u, ref.ProgramID); err == nil {
		d.Program = p.Name
	} else if cas.ErrorCode(err) != cas.ENotFound {
		return d, err
	}
	if f, err := s.db.Facility(ctx, u, ref.FacilityID); err == nil {
		d.Facility = f.Name
	} else if cas.ErrorCode(err) != cas.ENotFound {
		return d, err
	}
	if ref.UnitID != "" {
		if un, err := s.db.Unit(ctx, u, ref.UnitID); err == nil {
			d.Unit = un.Label
		} else if cas.ErrorCode(err) != cas.ENotFound {
			return d, err
		}
	}

	d.CanAccept = agencyCan(u, ref, cas.ActionAccept)
	d.CanDecline = agencyCan(u, ref, cas.ActionDecline)
	d.CanMoveIn = agencyCan(u, ref, cas.ActionMoveIn)
	d.CanWithdraw = agencyCan(u, ref, cas.ActionWithdraw)
	if d.CanDecline {
		for _, rule := range cas.DeclineRules {
			d.DeclineReasons = append(d.DeclineReasons, option{Value: string(rule.Reason), Label: rule.Label,
				Selected: form.Get("reason_code") == string(rule.Reason)})
		}
	}
	if d.CanMoveIn {
		if d.MoveInUnits, err = s.agencyMoveInUnits(r, ref, form.Get("unit_id")); err != nil {
			return d, err
		}
	}
	return d, nil
}

// agencyMoveInUnits lists the units of the referral's facility a client can move into: available
// or reserved, and not held by another open referral. The unit the referral holds comes first,
// selected unless the refused form chose another.
func (s *Server) agencyMoveInUnits(r *http.Request, ref cas.Referral, chosen string) ([]agencyUnitOption, error) {
	ctx, u := r.Context(), actor(r)
	units, err := store.All(func(p store.Page) ([]cas.Unit, string, error) {
		return s.db.Units(ctx, u, store.UnitFilter{FacilityID: ref.FacilityID}, p)
	})
	if err != nil {
		return nil, err
	}
	if chosen == "" {
		chosen = ref.UnitID
	}
	var opts []agencyUnitOption
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
		opt := agencyUnitOption{ID: un.ID, Label: label, Selected: un.ID == chosen}
		if un.ID == ref.UnitID {
			opts = append([]agencyUnitOption{opt}, opts...)
		} else {
			opts = append(opts, opt)
		}
	}
	return opts, nil
}

func (s *Server) agencyReferralPage(w http.ResponseWriter, r *http.Request) error {
	d, err := s.agencyReferralView(r, r.PathValue("id"), nil)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "referral_detail", "Referral", view{Data: d})
}

// agencyReferralRefused shows the referral page again with a refused form's messages, or passes
// an error that is not about the form on.
func (s *Server) agencyReferralRefused(w http.ResponseWriter, r *http.Request, err error) error {
	errs, ok := formError(err)
	if !ok {
		return err
	}
	d, verr := s.agencyReferralView(r, r.PathValue("id"), r.PostForm)
	if verr != nil {
		return verr
	}
	return s.render(w, r, http.StatusBadRequest, "referral_detail", "Referral", view{Data: d, Errors: errs, Form: r.PostForm})
}

func (s *Server) agencyReferralAccept(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if _, err := s.db.AcceptReferral(r.Context(), actor(r), id, r.PostFormValue("note")); err != nil {
		return s.agencyReferralRefused(w, r, err)
	}
	return s.redirect(w, r, links.Referral(id), "Referral accepted. Record the move-in here when the client moves in.")
}

func (s *Server) agencyReferralDecline(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	reason := cas.DeclineReason(r.PostFormValue("reason_code"))
	if _, err := s.db.DeclineReferral(r.Context(), actor(r), id, reason, r.PostFormValue("note")); err != nil {
		return s.agencyReferralRefused(w, r, err)
	}
	return s.redirect(w, r, links.Referral(id), "Referral declined; the CAS team has been told.")
}

func (s *Server) agencyReferralMoveIn(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	ref, err := s.db.MoveIn(r.Context(), actor(r), id, r.PostFormValue("unit_id"))
	if err != nil {
		return s.agencyReferralRefused(w, r, err)
	}
	msg := "Move-in recorded: the client is housed."
	if un, err := s.db.Unit(r.Context(), actor(r), ref.UnitID); err == nil {
		msg = fmt.Sprintf("Move-in recorded: the client is housed and unit %s is occupied.", un.Label)
	}
	return s.redirect(w, r, links.Referral(id), msg)
}

func (s *Server) agencyReferralWithdraw(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if _, err := s.db.WithdrawReferral(r.Context(), actor(r), id, r.PostFormValue("reason")); err != nil {
		return s.agencyReferralRefused(w, r, err)
	}
	return s.redirect(w, r, links.Referral(id), "Referral withdrawn; the client is back on the HPL.")
}
