package web

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/hmiscsv"
	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

// zipDir zips a folder's files.
func zipDir(t *testing.T, dir string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		w, err := zw.Create(e.Name())
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		w.Write(b)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// setCSVField sets the column of the row whose first field is id, in a CSV file of an export.
func setCSVField(t *testing.T, path, id, column, value string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	col := slices.Index(rows[0], column)
	row := slices.IndexFunc(rows, func(r []string) bool { return r[0] == id })
	if col < 0 || row < 0 {
		t.Fatalf("%s has no column %s or no row %s", path, column, id)
	}
	rows[row][col] = value
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.WriteAll(rows)
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// generateExport writes the tests' synthetic export to a folder, for the tests to change, and
// returns the folder.
func generateExport(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if _, err := hmiscsv.Generate(dir, hmiscsv.GenOptions{Clients: 120, Units: 30, Seed: 7, Version: hmiscsv.FY2024}); err != nil {
		t.Fatal(err)
	}
	return dir
}

// importServer serves the web UI over a fresh database and signs a browser in as the HMIS team.
func importServer(t *testing.T) (*store.DB, *browser) {
	t.Helper()
	db := storetest.Open(t, storetest.SQLiteURL(t))
	srv := httptest.NewServer(New(db, slog.New(slog.DiscardHandler)))
	t.Cleanup(srv.Close)
	if _, err := db.CreateUser(context.Background(), cas.System, cas.User{Email: "hmis@coc.test", Name: "HMIS", Role: cas.RoleHMISAdmin}, "a long enough password"); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, srv.URL)
	b.signIn("hmis@coc.test")
	return db, b
}

// importedClients lists the clients in Doorway, by HMIS PersonalID.
func importedClients(t *testing.T, db *store.DB) map[string]cas.Client {
	t.Helper()
	list, _, err := db.Clients(context.Background(), cas.System, store.ClientFilter{}, store.Page{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	clients := map[string]cas.Client{}
	for _, c := range list {
		clients[c.HMISPersonalID] = c
	}
	return clients
}

// upload posts the import page's multipart form: an export, a consent list unless it is
// empty, and the checkboxes named in ticked. It returns the response, its body read.
func (b *browser) upload(data []byte, consent string, ticked ...string) (*http.Response, string) {
	b.t.Helper()
	return b.postMultipart("/admin/import", func(mw *multipart.Writer) {
		fw, _ := mw.CreateFormFile("export", "export.zip")
		fw.Write(data)
		if consent != "" {
			cw, _ := mw.CreateFormFile("consent", "consent.csv")
			cw.Write([]byte(consent))
		}
		for _, name := range ticked {
			mw.WriteField(name, "on")
		}
	})
}

// waitForImport polls the progress fragment until the import ends and returns the final page.
func (b *browser) waitForImport(location string) string {
	b.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		_, body := b.getPage(location + "/progress")
		if !strings.Contains(body, "hx-get") {
			_, page := b.getPage(location)
			return page
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("the import did not finish: %s", body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestImportUpload(t *testing.T) {
	db, b := importServer(t)
	export := zipDir(t, generateExport(t))
	clients := func() int { return len(importedClients(t, db)) }

	t.Run("a dry run checks and writes nothing", func(t *testing.T) {
		resp, _ := b.upload(export, "", "dry_run")
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("upload: %d", resp.StatusCode)
		}
		page := b.waitForImport(resp.Header.Get("Location"))
		if !strings.Contains(page, "nothing was written") || clients() != 0 {
			t.Errorf("dry run: %d clients; page:\n%s", clients(), page)
		}
	})
	t.Run("a consent list with a line it cannot read refuses the upload, each line listed", func(t *testing.T) {
		resp, page := b.upload(export, "PersonalID,ConsentDate,ExpirationDate\nC1,2025-01-05,\nC2,05/01/2025,\n,2025-01-05,\n", "strict")
		if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
			t.Fatalf("upload: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		for _, want := range []string{
			`aria-describedby="consent-error consent-problems"`,
			`<h2>2 problems in the consent list</h2>`,
			`consent.csv line 3, column ConsentDate: &#34;05/01/2025&#34; is not a date written YYYY-MM-DD`,
			`consent.csv line 4, column PersonalID: the PersonalID is missing`,
			`name="strict" value="on" checked`,
		} {
			if !strings.Contains(page, want) {
				t.Errorf("the page lacks %s:\n%s", want, page)
			}
		}
		if clients() != 0 {
			t.Errorf("%d clients imported", clients())
		}
	})
	t.Run("a consent list naming a client neither Doorway nor the export has refuses the import, naming the line", func(t *testing.T) {
		resp, _ := b.upload(export, "PersonalID,ConsentDate\nC1,2025-01-05\nC9999,2025-01-05\n")
		page := b.waitForImport(resp.Header.Get("Location"))
		for _, want := range []string{
			"Nothing was imported: the consent list consent.csv does not fit the export and the database.",
			`consent.csv line 3: no client has HMIS PersonalID &#34;C9999&#34;`,
		} {
			if !strings.Contains(page, want) {
				t.Errorf("the page lacks %s:\n%s", want, page)
			}
		}
		if clients() != 0 {
			t.Errorf("%d clients imported", clients())
		}
	})
	t.Run("an import shows its progress, its counts by file and the agencies without a CAS Contact", func(t *testing.T) {
		resp, _ := b.upload(export, "")
		page := b.waitForImport(resp.Header.Get("Location"))
		if !strings.Contains(page, "Imported.") || clients() == 0 {
			t.Errorf("import: %d clients; page:\n%s", clients(), page)
		}
		for _, want := range []string{
			`<th scope="row">Client.csv</th><td class="num">120</td><td class="num">120</td><td class="num">0</td><td class="num">0</td>`,
			"3 agencies have programs but no CAS Contact",
			`<a href="/admin/users">Users page</a>`,
			"<li>Harbor Community Services</li>",
			`<th scope="row">HPL entries</th><td class="num">37</td>`,
		} {
			if !strings.Contains(page, want) {
				t.Errorf("the page lacks %s:\n%s", want, page)
			}
		}
		if strings.Contains(page, `id="skipped"`) || strings.Contains(page, `id="warnings"`) {
			t.Errorf("a clean export shows skipped records or warnings:\n%s", page)
		}
	})
	t.Run("a consent list is recorded with the import", func(t *testing.T) {
		resp, _ := b.upload(export, "PersonalID,ConsentDate,ExpirationDate\nC1,2025-01-05,\nC2,2025-02-01,2099-01-31\n")
		page := b.waitForImport(resp.Header.Get("Location"))
		if !strings.Contains(page, "Consent recorded for 2 clients from the consent list consent.csv.") {
			t.Errorf("page:\n%s", page)
		}
		got := importedClients(t, db)
		if c := got["C2"]; !c.Consent || c.ConsentDate != "2025-02-01" || c.ConsentExpiresOn != "2099-01-31" {
			t.Errorf("C2 after the import: %+v", c)
		}
		if !got["C1"].Consent || got["C3"].Consent {
			t.Errorf("consent of C1 %v, of C3 %v; want true and false", got["C1"].Consent, got["C3"].Consent)
		}
	})
	t.Run("a file that is not an export is refused with the reason", func(t *testing.T) {
		resp, _ := b.upload([]byte("not a zip"), "")
		page := b.waitForImport(resp.Header.Get("Location"))
		if !strings.Contains(page, "Nothing was imported") {
			t.Errorf("page:\n%s", page)
		}
	})
	t.Run("no file is a field error", func(t *testing.T) {
		resp, body := b.request("POST", "/admin/import", nil)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `id="export-error"`) {
			t.Errorf("%d %s", resp.StatusCode, body)
		}
	})
}

// TestImportSkippedRecords: a record with a value Doorway cannot use is left out and listed, and
// each file's rows counted; strict refuses the export instead, as a problem always does.
func TestImportSkippedRecords(t *testing.T) {
	db, b := importServer(t)
	dir := generateExport(t)
	setCSVField(t, filepath.Join(dir, "Client.csv"), "C5", "VeteranStatus", "7")
	export := zipDir(t, dir)

	t.Run("a problem refuses the export, listed beside the skipped records", func(t *testing.T) {
		dir := generateExport(t)
		setCSVField(t, filepath.Join(dir, "Client.csv"), "C5", "VeteranStatus", "7")
		setCSVField(t, filepath.Join(dir, "Client.csv"), "C6", "DOB", "1990-13-45")
		resp, _ := b.upload(zipDir(t, dir), "")
		page := b.waitForImport(resp.Header.Get("Location"))
		for _, want := range []string{
			"Nothing was imported: 1 problem in the export",
			`<h2 id="problems">1 problem refuses the export</h2>`,
			"<li>Client.csv line 7, column DOB: &#34;1990-13-45&#34; is not a date (want yyyy-mm-dd)</li>",
			`<h2 id="skipped">1 record skipped: left out of the import, with what depends on them</h2>`,
		} {
			if !strings.Contains(page, want) {
				t.Errorf("the page lacks %s:\n%s", want, page)
			}
		}
		if n := len(importedClients(t, db)); n != 0 {
			t.Errorf("%d clients imported", n)
		}
	})

	t.Run("strict refuses an export with a skipped record, and writes nothing", func(t *testing.T) {
		resp, _ := b.upload(export, "", "strict")
		page := b.waitForImport(resp.Header.Get("Location"))
		for _, want := range []string{
			"Nothing was imported (strict): 1 record skipped and 0 warnings.",
			`<h2 id="skipped">1 record skipped: left out of the import, with what depends on them</h2>`,
		} {
			if !strings.Contains(page, want) {
				t.Errorf("the page lacks %s:\n%s", want, page)
			}
		}
		if n := len(importedClients(t, db)); n != 0 {
			t.Errorf("%d clients imported", n)
		}
	})
	t.Run("without strict the record is left out, listed, and counted in its file", func(t *testing.T) {
		resp, _ := b.upload(export, "")
		page := b.waitForImport(resp.Header.Get("Location"))
		for _, want := range []string{
			"Imported.",
			`<th scope="col">File</th><th scope="col" class="num">Read</th><th scope="col" class="num">Imported</th><th scope="col" class="num">Skipped</th><th scope="col" class="num">Warned</th>`,
			`<th scope="row">Client.csv</th><td class="num">120</td><td class="num">119</td><td class="num">1</td><td class="num">0</td>`,
			`<h2 id="skipped">1 record skipped: left out of the import, with what depends on them</h2>`,
			"<li>Client.csv line 6, column VeteranStatus: 7 is not one of HUD&#39;s codes for VeteranStatus (0, 1, 8, 9, 99)</li>",
		} {
			if !strings.Contains(page, want) {
				t.Errorf("the page lacks %s:\n%s", want, page)
			}
		}
		clients := importedClients(t, db)
		if _, ok := clients["C5"]; ok || len(clients) != 119 {
			t.Errorf("%d clients imported, C5 among them: %v; want 119 without C5", len(clients), ok)
		}
	})
}
