package web

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/report"
)

// defaultReviewReason is the offline reason the suspects form offers.
const defaultReviewReason = "Under-referral review: shows available but is not confirmed free"

// suspectsView is the suspects partial's data: the suspects, and for CoC staff the form that asks
// the agencies to confirm the ticked ones or, for the HMIS team, takes them offline; refilled after
// a refusal.
type suspectsView struct {
	Suspects []report.Suspect
	// CanAsk says the reader may ask agencies to confirm units; CanTakeOffline, take them offline.
	CanAsk, CanTakeOffline bool
	// Back is where the form returns after success; Program names the form for screen readers;
	// Suffix keeps the form's element IDs unique on a page with several.
	Back, Program, Suffix  string
	Reason, ExpectedReturn string
	Errors                 map[string]string
	picked                 []string
}

// Picked says whether a refused submission had ticked the unit.
func (v suspectsView) Picked(unitID string) bool { return slices.Contains(v.picked, unitID) }

// suspectsForm is what a refused submission of the suspects form (ask, or take offline) leaves for
// the page to show again.
type suspectsForm struct {
	picked                 []string
	reason, expectedReturn string
	errors                 map[string]string
}

// view builds the partial's data for one program's suspects.
func (f suspectsForm) view(u *cas.User, programID, programName, back string, suspects []report.Suspect) suspectsView {
	v := suspectsView{Suspects: suspects, CanAsk: cas.SeesAllAgencies(u),
		CanTakeOffline: cas.CanManageAgencies(u), Back: back, Program: programName, Suffix: "-" + programID,
		Reason: defaultReviewReason, picked: f.picked}
	if f.errors == nil {
		return v
	}
	v.Reason, v.ExpectedReturn = f.reason, f.expectedReturn
	mine := len(f.picked) == 0 || slices.ContainsFunc(suspects, func(sp report.Suspect) bool { return slices.Contains(f.picked, sp.UnitID) })
	if mine {
		// A message about a field the form does not show (one unit's, say) goes above its buttons.
		shown, other := splitFormErrors(f.errors, "unit_ids", "reason", "expected_return")
		maps.Copy(shown, other)
		v.Errors = shown
	}
	return v
}

// programSuspects is one program's part of the under-referral page.
type programSuspects struct {
	ProgramID, ProgramName string
	Consistently           bool
	Suspects               suspectsView
}

type underReferralPageData struct {
	underReferralReport
	Programs   []programSuspects
	WindowDays int
}

// reportListPage lists the reports, with how many units are under-referral suspects now.
func (s *Server) reportListPage(w http.ResponseWriter, r *http.Request) error {
	rep, err := s.underReferralReport(r)
	if err != nil {
		return err
	}
	data := struct {
		underReferralReport
		PolicyLab bool // the policy lab is the CAS admins'
	}{rep, actor(r).Role == cas.RoleCASAdmin}
	return s.render(w, r, http.StatusOK, "report_list", "Reports", view{Data: data})
}

func (s *Server) underReferralPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderUnderReferral(w, r, http.StatusOK, suspectsForm{})
}

// renderUnderReferral shows the under-referral report by program, consistently under-referred
// programs first, with CoC staff's form under each program's suspects.
func (s *Server) renderUnderReferral(w http.ResponseWriter, r *http.Request, status int, form suspectsForm) error {
	rep, err := s.underReferralReport(r)
	if err != nil {
		return err
	}
	d := underReferralPageData{underReferralReport: rep, WindowDays: int(rep.Thresholds.Window.Hours() / 24)}
	at := map[string]int{}
	for _, sp := range rep.Suspects {
		i, ok := at[sp.ProgramID]
		if !ok {
			i = len(d.Programs)
			at[sp.ProgramID] = i
			d.Programs = append(d.Programs, programSuspects{ProgramID: sp.ProgramID, ProgramName: sp.ProgramName,
				Consistently: slices.ContainsFunc(rep.Consistently, func(p programName) bool { return p.ID == sp.ProgramID })})
		}
		d.Programs[i].Suspects.Suspects = append(d.Programs[i].Suspects.Suspects, sp)
	}
	var top map[string]string // a refusal no program's form shows goes at the top of the page
	if form.errors != nil {
		top = map[string]string{"form": strings.Join(slices.Collect(maps.Values(form.errors)), " ")}
	}
	for i, p := range d.Programs {
		d.Programs[i].Suspects = form.view(actor(r), p.ProgramID, p.ProgramName, "/reports/under-referral#program-"+p.ProgramID, p.Suspects.Suspects)
		if d.Programs[i].Suspects.Errors != nil {
			top = nil
		}
	}
	slices.SortStableFunc(d.Programs, func(a, b programSuspects) int {
		switch {
		case a.Consistently == b.Consistently:
			return strings.Compare(a.ProgramName, b.ProgramName)
		case a.Consistently:
			return -1
		}
		return 1
	})
	return s.render(w, r, status, "report_under_referral", "Under-referral", view{Data: d, Errors: top})
}

// underReferralOfflinePage takes the ticked suspects offline, all or none, and returns to the page the
// form came from; a refusal shows the under-referral page again with the message and the ticks.
func (s *Server) underReferralOfflinePage(w http.ResponseWriter, r *http.Request) error {
	return s.actOnSuspects(w, r, func(form suspectsForm) (int, error) {
		periods, err := s.db.TakeUnitsOffline(r.Context(), actor(r), form.picked,
			cas.OfflinePeriod{Reason: form.reason, ExpectedReturn: cas.Date(form.expectedReturn)})
		return len(periods), err
	}, "%s offline; their agencies were told.")
}

// underReferralAskPage asks the agencies of the ticked suspects to confirm them.
func (s *Server) underReferralAskPage(w http.ResponseWriter, r *http.Request) error {
	return s.actOnSuspects(w, r, func(form suspectsForm) (int, error) {
		return s.db.AskToConfirm(r.Context(), actor(r), form.picked)
	}, "Asked the agencies to confirm %s.")
}

// actOnSuspects reads the suspects form, acts, and returns to the page the form came from with
// done's message about the units; a refusal shows the under-referral page again with the message
// and the ticks.
func (s *Server) actOnSuspects(w http.ResponseWriter, r *http.Request, act func(suspectsForm) (int, error), done string) error {
	if err := r.ParseForm(); err != nil {
		return cas.Errorf(cas.EInvalid, "unreadable form")
	}
	form := suspectsForm{picked: r.PostForm["unit_id"], reason: r.PostForm.Get("reason"),
		expectedReturn: strings.TrimSpace(r.PostForm.Get("expected_return"))}
	n, err := act(form)
	if err != nil {
		errs, ok := formError(err)
		if !ok {
			return err
		}
		form.errors = errs
		return s.renderUnderReferral(w, r, http.StatusBadRequest, form)
	}
	back := r.PostForm.Get("back")
	if !strings.HasPrefix(back, "/reports/under-referral") && !strings.HasPrefix(back, "/reports/hpl-packet") {
		back = "/reports/under-referral"
	}
	return s.redirect(w, r, back, fmt.Sprintf(done, report.Count(n, "unit", "units")))
}
