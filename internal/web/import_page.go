package web

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"sort"
	"sync"

	"github.com/google/uuid"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/hmiscsv"
	"github.com/doorway-cas/doorway/internal/store"
)

// maxUpload bounds an uploaded export; a CoC's full HMIS export zips to tens of megabytes.
const maxUpload = 512 << 20

// importJob is one upload being imported; the progress page polls it.
type importJob struct {
	mu     sync.Mutex
	DryRun bool
	// Strict refuses the export on any skipped record or warning, not only on problems.
	Strict bool
	// ConsentFile names the consent list uploaded with the export, if any; ConsentProblems are its
	// lines that do not fit the export and the database, which refused the import.
	ConsentFile     string
	ConsentProblems []string
	File            string
	Rows            int
	Done            bool
	Failed          string
	Report          hmiscsv.Report
	Result          store.ImportResult
	Created         []countLine
}

type countLine struct {
	Kind             string
	Created, Updated int
}

// importJobs keeps the jobs of this process; a restart forgets them (the imports themselves are
// complete or not at all).
type importJobs struct {
	mu   sync.Mutex
	jobs map[string]*importJob
}

func (j *importJobs) add(job *importJob) string {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.jobs == nil {
		j.jobs = map[string]*importJob{}
	}
	id := uuid.NewString()
	j.jobs[id] = job
	return id
}

func (j *importJobs) get(id string) *importJob {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.jobs[id]
}

// snapshot copies a job's state for rendering.
func (job *importJob) snapshot() importJob {
	job.mu.Lock()
	defer job.mu.Unlock()
	return importJob{DryRun: job.DryRun, Strict: job.Strict, ConsentFile: job.ConsentFile, ConsentProblems: job.ConsentProblems,
		File: job.File, Rows: job.Rows, Done: job.Done, Failed: job.Failed, Report: job.Report, Result: job.Result, Created: job.Created}
}

// importFormData is the import page: the problems of a refused consent list.
type importFormData struct {
	ConsentProblems []string
}

func (s *Server) importPage(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, r, http.StatusOK, "import_upload", "Import an HMIS export", view{})
}

// importUpload saves the uploaded ZIP and imports it in the background; the browser is sent to a
// page that shows the progress. A consent list sent with it is read first: one with a problem
// refuses the upload, every problem listed, before anything is imported.
func (s *Server) importUpload(w http.ResponseWriter, r *http.Request) error {
	refused := func(errs map[string]string, form url.Values, consentProblems []string) error {
		return s.render(w, r, http.StatusBadRequest, "import_upload", "Import an HMIS export",
			view{Errors: errs, Form: form, Data: importFormData{ConsentProblems: consentProblems}})
	}
	if err := parseUpload(w, r, maxUpload); err != nil {
		if unreadableUpload(err) {
			return refused(map[string]string{"export": "Choose the export's ZIP file (at most 512 MB)."}, nil, nil)
		}
		return err
	}
	errs := map[string]string{}
	var consent []store.ConsentRecord
	var consentFile string
	var consentProblems []string
	if cf, header, err := r.FormFile("consent"); err == nil {
		consentFile = header.Filename
		consent, err = hmiscsv.ReadConsentList(header.Filename, cf)
		cf.Close()
		if e := cas.ErrorOf(err); e != nil && e.Code == cas.EInvalid {
			errs["consent"] = "Nothing was imported: fix these lines of the consent list, then choose both files again."
			consentProblems = e.Details
		} else if err != nil {
			return err
		}
	}
	f, _, err := r.FormFile("export")
	if err != nil {
		errs["export"] = "Choose the export's ZIP file."
	}
	if len(errs) > 0 {
		if f != nil {
			f.Close()
		}
		return refused(errs, r.PostForm, consentProblems)
	}
	defer f.Close()
	tmp, err := os.CreateTemp("", "doorway-import-*.zip")
	if err != nil {
		return err
	}
	if _, err := io.Copy(tmp, f); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	tmp.Close()
	job := &importJob{DryRun: r.PostFormValue("dry_run") != "", Strict: r.PostFormValue("strict") != "", ConsentFile: consentFile}
	id := s.imports.add(job)
	go s.runImport(context.WithoutCancel(r.Context()), actor(r), tmp.Name(), consent, job)
	http.Redirect(w, r, "/admin/import/"+id, http.StatusSeeOther)
	return nil
}

// runImport maps and imports one uploaded export, with its consent list in the import's
// transaction, recording progress and the outcome in job.
func (s *Server) runImport(ctx context.Context, u *cas.User, path string, consent []store.ConsentRecord, job *importJob) {
	defer os.Remove(path)
	finish := func(rep hmiscsv.Report, res store.ImportResult, failed string) {
		job.mu.Lock()
		defer job.mu.Unlock()
		job.Done, job.Report, job.Result, job.Failed = true, rep, res, failed
		kinds := map[string]bool{}
		for k := range res.Created {
			kinds[k] = true
		}
		for k := range res.Updated {
			kinds[k] = true
		}
		for k := range kinds {
			job.Created = append(job.Created, countLine{Kind: k, Created: res.Created[k], Updated: res.Updated[k]})
		}
		sort.Slice(job.Created, func(i, j int) bool { return job.Created[i].Kind < job.Created[j].Kind })
	}
	e, err := hmiscsv.Open(path)
	if err != nil {
		finish(hmiscsv.Report{}, store.ImportResult{}, "Nothing was imported: the file is not a ZIP of an HMIS CSV export.")
		return
	}
	defer e.Close()
	plan, rep, err := hmiscsv.Map(ctx, e, func(p hmiscsv.Progress) {
		job.mu.Lock()
		defer job.mu.Unlock()
		job.File, job.Rows = p.File, p.Rows
	})
	if err != nil {
		finish(rep, store.ImportResult{}, fmt.Sprintf("Nothing was imported: %v", err))
		return
	}
	if _, skipped, warnings := rep.Totals(); job.Strict && skipped+warnings > 0 {
		finish(rep, store.ImportResult{}, fmt.Sprintf("Nothing was imported (strict): %d %s skipped and %d %s.",
			skipped, plural(skipped, "record", "records"), warnings, plural(warnings, "warning", "warnings")))
		return
	}
	plan.Consent = consent
	res, err := s.db.ImportHMIS(ctx, u, plan, job.DryRun)
	if e := cas.ErrorOf(err); e != nil && e.Field == "items" {
		problems := e.Details
		if len(problems) == 0 {
			problems = []string{e.Message}
		}
		job.mu.Lock()
		job.ConsentProblems = problems
		job.mu.Unlock()
		finish(rep, store.ImportResult{}, fmt.Sprintf("Nothing was imported: the consent list %s does not fit the export and the database.", job.ConsentFile))
		return
	}
	if err != nil {
		finish(rep, store.ImportResult{}, fmt.Sprintf("Nothing was imported: %v", err))
		return
	}
	finish(rep, res, "")
}

func (s *Server) importStatusPage(w http.ResponseWriter, r *http.Request) error {
	job := s.imports.get(r.PathValue("id"))
	if job == nil {
		return cas.NotFound("import")
	}
	return s.render(w, r, http.StatusOK, "import_status", "Importing an HMIS export", view{Data: newImportView(r.PathValue("id"), job)})
}

// importView is the status page and its progress fragment: the job and, once it is done, what the
// export holds that the command line's summary also shows, in its words.
type importView struct {
	ID  string
	Job *importJob
	// Lists are the Report's lists that hold anything: problems, skipped records, warnings.
	Lists []problemList
	// Found says what the export holds beside the lists: the housed left off the HPL, the clients
	// without a birth date; Did what the import did beside the counts of records.
	Found, Did []string
	// NoCASContact says, when the import leaves agencies with programs but no CAS Contact, what
	// that means; Job.Result.NoCASContact names them.
	NoCASContact string
}

// problemList is one list of a Report with its heading, which counts the whole list, and what
// the Report counted but did not list, by file and column.
type problemList struct {
	ID, Heading string
	Problems    []*hmiscsv.Problem
	More        []string
}

// newImportView renders a snapshot of the job with the ID it has in the pages' addresses.
func newImportView(id string, job *importJob) importView {
	snap := job.snapshot()
	v := importView{ID: id, Job: &snap}
	if !snap.Done {
		return v
	}
	rep := snap.Report
	problems, skipped, warnings := rep.Totals()
	for _, l := range []struct {
		id, list string
		total    int
		heading  string
		problems []*hmiscsv.Problem
	}{
		{"problems", "Problems", problems, fmt.Sprintf("%d %s the export", problems, plural(problems, "problem refuses", "problems refuse")), rep.Problems},
		{"skipped", "Skipped", skipped, fmt.Sprintf("%d %s skipped: left out of the import, with what depends on them",
			skipped, plural(skipped, "record", "records")), rep.Skipped},
		{"warnings", "Warnings", warnings, fmt.Sprintf("%d %s (tolerated)", warnings, plural(warnings, "warning", "warnings")), rep.Warnings},
	} {
		if l.total > 0 {
			v.Lists = append(v.Lists, problemList{ID: l.id, Heading: l.heading, Problems: l.problems, More: unlisted(rep, l.list)})
		}
	}
	if rep.Housed > 0 {
		v.Found = append(v.Found, fmt.Sprintf("%d prioritized %s left off the HPL: HMIS shows them housed (an open permanent housing enrollment with a move-in date).",
			rep.Housed, plural(rep.Housed, "head of household is", "heads of household are")))
	}
	if rep.NoBirthDate > 0 {
		v.Found = append(v.Found, fmt.Sprintf("%d %s no birth date: imported with an unknown age, which programs with age limits do not accept.",
			rep.NoBirthDate, plural(rep.NoBirthDate, "client has", "clients have")))
	}
	if snap.Failed != "" {
		return v
	}
	res, dry := snap.Result, snap.DryRun
	if left := res.Housed + res.Exited; left > 0 {
		v.Did = append(v.Did, fmt.Sprintf("%d HPL %s the list: %d moved into permanent housing in HMIS, %d exited coordinated entry in HMIS; %d open %s.",
			left, tense(dry, plural(left, "entry left", "entries left"), plural(left, "entry would leave", "entries would leave")),
			res.Housed, res.Exited, res.Withdrawn, tense(dry,
				plural(res.Withdrawn, "referral withdrawn (its agency is told)", "referrals withdrawn (their agencies are told)"),
				plural(res.Withdrawn, "referral would be withdrawn (its agency told)", "referrals would be withdrawn (their agencies told)"))))
	}
	if res.Consented > 0 {
		v.Did = append(v.Did, fmt.Sprintf("Consent %s for %d %s from the consent list %s.", tense(dry, "recorded", "would be recorded"),
			res.Consented, plural(res.Consented, "client", "clients"), snap.ConsentFile))
	}
	if n := len(res.NoCASContact); n > 0 {
		v.NoCASContact = fmt.Sprintf("%d %s programs but no CAS Contact, so referrals to %s reach no one at the agency (the CAS admins are told instead) until one of its users is designated.",
			n, plural(n, "agency has", "agencies have"), plural(n, "it", "them"))
	}
	return v
}

// unlisted says how many problems of a Report list, by file and column, the Report counted but
// did not list.
func unlisted(rep hmiscsv.Report, list string) []string {
	var keys []hmiscsv.Unlisted
	for k := range rep.Unlisted {
		if k.List == list {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b hmiscsv.Unlisted) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Column, b.Column))
	})
	var more []string
	for _, k := range keys {
		where := k.File
		if k.Column != "" {
			where += ", column " + k.Column
		}
		more = append(more, fmt.Sprintf("… and %d more like these in %s", rep.Unlisted[k], where))
	}
	return more
}

// tense picks the words of what an import did, or, in a dry run, of what it would do.
func tense(dryRun bool, did, would string) string {
	if dryRun {
		return would
	}
	return did
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// importProgress is the progress box alone; htmx replaces it every second until the import ends.
func (s *Server) importProgress(w http.ResponseWriter, r *http.Request) error {
	job := s.imports.get(r.PathValue("id"))
	if job == nil {
		return cas.NotFound("import")
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	return s.pages["import_status"].ExecuteTemplate(w, "progress", newImportView(r.PathValue("id"), job))
}
