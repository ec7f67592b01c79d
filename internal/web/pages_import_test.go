package web

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/hmiscsv"
	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

func init() {
	for pattern, who := range map[string]string{
		"GET /admin/import":               "nnyn",
		"POST /admin/import":              "nnyn",
		"GET /admin/import/{id}":          "nnyn",
		"GET /admin/import/{id}/progress": "nnyn",
	} {
		pageMatrix[pattern] = who
	}
}

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

// upload posts a file as the multipart form of the import page.
func (b *browser) upload(data []byte, dryRun bool) *http.Response {
	b.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("export", "export.zip")
	fw.Write(data)
	if dryRun {
		mw.WriteField("dry_run", "on")
	}
	mw.Close()
	req, _ := http.NewRequest("POST", b.base+"/admin/import", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
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
	db := storetest.Open(t, storetest.SQLiteURL(t))
	srv := httptest.NewServer(New(db, slog.New(slog.DiscardHandler)))
	t.Cleanup(srv.Close)
	if _, err := db.CreateUser(context.Background(), cas.System, cas.User{Email: "hmis@coc.test", Name: "HMIS", Role: cas.RoleHMISAdmin}, "a long enough password"); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := hmiscsv.Generate(dir, hmiscsv.GenOptions{Clients: 120, Units: 30, Seed: 7, Version: hmiscsv.FY2024}); err != nil {
		t.Fatal(err)
	}
	export := zipDir(t, dir)
	b := newBrowser(t, srv.URL)
	b.signIn("hmis@coc.test")
	clients := func() int {
		list, _, err := db.Clients(context.Background(), cas.System, store.ClientFilter{}, store.Page{Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		return len(list)
	}

	t.Run("a dry run checks and writes nothing", func(t *testing.T) {
		resp := b.upload(export, true)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("upload: %d", resp.StatusCode)
		}
		page := b.waitForImport(resp.Header.Get("Location"))
		if !strings.Contains(page, "nothing was written") || clients() != 0 {
			t.Errorf("dry run: %d clients; page:\n%s", clients(), page)
		}
	})
	t.Run("an import shows its progress and its counts", func(t *testing.T) {
		resp := b.upload(export, false)
		page := b.waitForImport(resp.Header.Get("Location"))
		if !strings.Contains(page, "Imported.") || clients() == 0 {
			t.Errorf("import: %d clients; page:\n%s", clients(), page)
		}
	})
	t.Run("a file that is not an export is refused with the reason", func(t *testing.T) {
		resp := b.upload([]byte("not a zip"), false)
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
