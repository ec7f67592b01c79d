package web

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"sync"

	"github.com/google/uuid"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/hmiscsv"
	"github.com/doorway-cas/doorway/internal/store"
)

// importPages let the HMIS team upload a HUD HMIS CSV export (a ZIP) and watch it import.
func (s *Server) importPages() []route {
	return []route{
		{"GET", "/admin/import", hmisOnly, s.importPage},
		{"POST", "/admin/import", hmisOnly, s.importUpload},
		{"GET", "/admin/import/{id}", hmisOnly, s.importStatusPage},
		{"GET", "/admin/import/{id}/progress", hmisOnly, s.importProgress},
	}
}

// maxUpload bounds an uploaded export; a CoC's full HMIS export zips to tens of megabytes.
const maxUpload = 512 << 20

// importJob is one upload being imported; the progress page polls it.
type importJob struct {
	mu      sync.Mutex
	DryRun  bool
	File    string
	Rows    int
	Done    bool
	Failed  string
	Report  hmiscsv.Report
	Result  store.ImportResult
	Created []countLine
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
	return importJob{DryRun: job.DryRun, File: job.File, Rows: job.Rows, Done: job.Done, Failed: job.Failed, Report: job.Report,
		Result: job.Result, Created: job.Created}
}

func (s *Server) importPage(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, r, http.StatusOK, "import", "Import an HMIS export", view{})
}

// importUpload saves the uploaded ZIP and imports it in the background; the browser is sent to a
// page that shows the progress.
func (s *Server) importUpload(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxUpload)
	if err := r.ParseMultipartForm(32 << 20); err != nil {
		return s.render(w, r, http.StatusBadRequest, "import", "Import an HMIS export",
			view{Errors: map[string]string{"export": "Choose the export's ZIP file (at most 512 MB)."}})
	}
	f, _, err := r.FormFile("export")
	if err != nil {
		return s.render(w, r, http.StatusBadRequest, "import", "Import an HMIS export",
			view{Errors: map[string]string{"export": "Choose the export's ZIP file."}})
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
	job := &importJob{DryRun: r.PostFormValue("dry_run") != ""}
	id := s.imports.add(job)
	go s.runImport(context.WithoutCancel(r.Context()), actor(r), tmp.Name(), job)
	http.Redirect(w, r, "/admin/import/"+id, http.StatusSeeOther)
	return nil
}

// runImport maps and imports one uploaded export, recording progress and the outcome in job.
func (s *Server) runImport(ctx context.Context, u *cas.User, path string, job *importJob) {
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
	res, err := s.db.ImportHMIS(ctx, u, plan, job.DryRun)
	if err != nil {
		finish(rep, res, fmt.Sprintf("Nothing was imported: %v", err))
		return
	}
	finish(rep, res, "")
}

func (s *Server) importStatusPage(w http.ResponseWriter, r *http.Request) error {
	job := s.imports.get(r.PathValue("id"))
	if job == nil {
		return cas.NotFound("import")
	}
	snap := job.snapshot()
	return s.render(w, r, http.StatusOK, "import_status", "Importing an HMIS export", view{Data: importView{ID: r.PathValue("id"), Job: &snap}})
}

type importView struct {
	ID  string
	Job *importJob
}

// importProgress is the progress box alone; htmx replaces it every second until the import ends.
func (s *Server) importProgress(w http.ResponseWriter, r *http.Request) error {
	job := s.imports.get(r.PathValue("id"))
	if job == nil {
		return cas.NotFound("import")
	}
	snap := job.snapshot()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	return s.pages["import_status"].ExecuteTemplate(w, "progress", importView{ID: r.PathValue("id"), Job: &snap})
}
