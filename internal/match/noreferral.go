package match

import (
	"slices"
	"strings"

	"github.com/doorway-cas/doorway/internal/cas"
)

// ProgramUnits is a program with all its units, free or not: what a client could one day be
// referred to.
type ProgramUnits struct {
	Program cas.Program
	Units   []cas.Unit
}

// NoReferral says in words why the engine does not refer a client, as the client's page tells a
// CAS admin. The client's own reasons come first, each that applies: already referred or housed, off
// the list, no consent or consent expired (on which day), not ready (the intake status), parked
// (until when, why), an open proposal. Then, when no program fits the client, why: the documents
// missing for every program that would otherwise fit (which, by program), the birth date a
// program's ages need, or no fitting program. The programs are judged with the engine's rules
// (Refusals) as if the client were ready and not parked. Nil means nothing stops a referral but a
// free unit.
func NoReferral(today cas.Date, c Candidate, programs []ProgramUnits) []string {
	var why []string
	switch c.Entry.Status {
	case cas.HPLReferred:
		return []string{"already referred: see the referrals below"}
	case cas.HPLHoused:
		return []string{"already housed"}
	case cas.HPLInactive:
		if r := c.Entry.RemovalInWords(); r != "" {
			return []string{"removed from the HPL: " + r}
		}
		return []string{"removed from the HPL"}
	}
	switch {
	case !c.Client.Consent:
		why = append(why, "no consent on file: record the release of information")
	case !c.Client.ConsentOn(today):
		why = append(why, "consent expired on "+string(c.Client.ConsentExpiresOn)+": renew it")
	}
	if c.Entry.IntakeStatus != cas.IntakeReady {
		why = append(why, "not ready: intake status is "+strings.ReplaceAll(string(c.Entry.IntakeStatus), "_", " "))
	}
	if c.Entry.Parked(today) {
		why = append(why, "parked until "+string(c.Entry.ParkedUntil)+": "+c.Entry.ParkReason)
	}
	if c.OpenReferral {
		why = append(why, "a proposal of the client awaits a CAS admin's review")
	}
	judged := c
	judged.Entry.IntakeStatus, judged.Entry.ParkedUntil = cas.IntakeReady, ""
	var documents, birthDate []string
	for _, p := range programs {
		refusals := Refusals(today, judged, p.Program, p.Units)
		if len(p.Units) == 0 {
			continue
		}
		var missing string
		other := slices.DeleteFunc(slices.Clone(refusals), func(r string) bool {
			if rest, ok := strings.CutPrefix(r, refusedDocuments.String()+": "); ok {
				missing = rest
				return true
			}
			return false
		})
		switch {
		case len(refusals) == 0:
			return why // a program fits: the client waits for one of its units to free
		case len(other) == 0:
			documents = append(documents, p.Program.Name+" ("+missing+")")
		case len(other) == 1 && other[0] == refusedNoBirthDate.String():
			birthDate = append(birthDate, p.Program.Name)
		}
	}
	if len(documents) > 0 {
		why = append(why, "documents missing for every program that fits: "+strings.Join(documents, "; "))
	}
	if len(birthDate) > 0 {
		why = append(why, "birth date missing: "+strings.Join(birthDate, ", ")+" need it for their age limits")
	}
	if len(documents) == 0 && len(birthDate) == 0 {
		why = append(why, "no fitting program: no program's rules and units fit this household")
	}
	return why
}
