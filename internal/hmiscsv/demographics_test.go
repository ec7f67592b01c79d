package hmiscsv

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

// handWrittenExport writes a small export of a version ("2024", "2026") to a temporary folder:
// Export.csv, Client.csv of the lines given (header first), and the other files Map reads, with
// their required columns and no rows.
func handWrittenExport(t *testing.T, version string, client ...string) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"Export.csv": "ExportID,ExportDate,ExportStartDate,ExportEndDate,SoftwareName,CSVVersion\n" +
			"E1,2026-01-02 03:04:05,2025-01-01,2025-12-31,Hand,\"" + version + " v1.0\"\n",
		"Client.csv": strings.Join(client, "\n") + "\n",
	}
	for _, f := range importFiles {
		body, ok := files[f]
		if !ok {
			body = strings.Join(required[f], ",") + "\n"
		}
		if err := os.WriteFile(filepath.Join(dir, f), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// Hand-written Client.csv headers: the columns Doorway requires, then the demographic ones.
const (
	clientHead2024 = "PersonalID,FirstName,MiddleName,LastName,DOB,DOBDataQuality,VeteranStatus,DateDeleted," +
		"AmIndAKNative,Asian,BlackAfAmerican,HispanicLatinaeo,MidEastNAfrican,NativeHIPacific,White,RaceNone," +
		"Woman,Man,NonBinary,CulturallySpecific,Transgender,Questioning,DifferentIdentity,GenderNone"
	clientHead2026 = "PersonalID,FirstName,MiddleName,LastName,DOB,DOBDataQuality,VeteranStatus,DateDeleted,Sex," +
		"AmIndAKNative,Asian,BlackAfAmerican,HispanicLatinao,MidEastNAfrican,NativeHIPacific,White,RaceNone"
)

// demographicsByID maps each mapped client's PersonalID to its race, gender and sex.
func demographicsByID(clients []cas.Client) map[string]cas.Client {
	m := map[string]cas.Client{}
	for _, c := range clients {
		m[c.HMISPersonalID] = cas.Client{Race: c.Race, Gender: c.Gender, Sex: c.Sex}
	}
	return m
}

func TestMapDemographics(t *testing.T) {
	t.Run("FY2024: race and gender columns, 99 and the None columns as not collected", func(t *testing.T) {
		in, report := MustMap(t, handWrittenExport(t, FY2024, clientHead2024,
			//                                      AI As Bl Hi ME PI Wh RN Wo Ma NB CS Tr Qu DI GN
			"C1,Ana,,Reyes,1980-01-02,1,0,,         0, 0, 1, 1, 0, 0, 0,  , 1, 0, 0, 0, 1, 0, 0,",
			"C2,Bo,,Lee,1975-03-04,1,1,,            0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 8",
			"C3,Cy,,Ode,1990-05-06,1,0,,            0,99, 0, 0, 0, 0, 1,  , 0, 1, 0, 0, 0, 0, 0,",
			"C4,Di,,Kay,1985-07-08,1,0,,            1, 0, 0, 0, 1, 0, 0,  , 0, 0, 1, 1, 0, 0, 0,",
		))
		want := map[string]cas.Client{
			"C1": {Race: []cas.Race{cas.RaceBlack, cas.RaceHispanic}, Gender: []cas.Gender{cas.GenderWoman, cas.GenderTransgender}},
			"C2": {},
			"C3": {Race: []cas.Race{cas.RaceWhite}, Gender: []cas.Gender{cas.GenderMan}},
			"C4": {Race: []cas.Race{cas.RaceAmericanIndian, cas.RaceMiddleEastern}, Gender: []cas.Gender{cas.GenderNonBinary, cas.GenderCulturallySpecific}},
		}
		if diff := cmp.Diff(want, demographicsByID(in.Clients)); diff != "" {
			t.Errorf("demographics (-want +got):\n%s", diff)
		}
		if want := (store.ImportDemographics{Race: true, Gender: true}); in.Demographics != want {
			t.Errorf("carried %+v, want %+v", in.Demographics, want)
		}
		for _, w := range report.Warnings {
			if w.File == "Client.csv" {
				t.Errorf("warning %v", w)
			}
		}
	})

	t.Run("FY2026: HispanicLatinao and Sex; no gender", func(t *testing.T) {
		in, _ := MustMap(t, handWrittenExport(t, FY2026, clientHead2026,
			//                                    Sx AI As Bl Hi ME PI Wh RN
			"C1,Ana,,Reyes,1980-01-02,1,0,,        0, 0, 0, 0, 1, 0, 0, 0,",
			"C2,Bo,,Lee,1975-03-04,1,1,,           1, 0, 0, 1, 0, 0, 0, 1,",
			"C3,Cy,,Ode,1990-05-06,1,0,,          99, 0, 0, 0, 0, 0, 0, 0,99",
			"C4,Di,,Kay,1985-07-08,1,0,,            , 0, 0, 0, 0, 0, 1, 0,",
			"C5,Ed,,Fox,1970-09-10,1,0,,           9, 0, 0, 0, 0, 0, 0, 0, 8",
		))
		want := map[string]cas.Client{
			"C1": {Race: []cas.Race{cas.RaceHispanic}, Sex: cas.SexFemale},
			"C2": {Race: []cas.Race{cas.RaceBlack, cas.RaceWhite}, Sex: cas.SexMale},
			"C3": {},
			"C4": {Race: []cas.Race{cas.RacePacificIslander}},
			"C5": {},
		}
		if diff := cmp.Diff(want, demographicsByID(in.Clients)); diff != "" {
			t.Errorf("demographics (-want +got):\n%s", diff)
		}
		if want := (store.ImportDemographics{Race: true, Sex: true}); in.Demographics != want {
			t.Errorf("carried %+v, want %+v", in.Demographics, want)
		}
	})

	t.Run("a file without demographic columns carries none", func(t *testing.T) {
		in, _ := MustMap(t, handWrittenExport(t, FY2024, "PersonalID,FirstName,MiddleName,LastName,DOB,DOBDataQuality,VeteranStatus,DateDeleted",
			"C1,Ana,,Reyes,1980-01-02,1,0,"))
		if in.Demographics != (store.ImportDemographics{}) || len(in.Clients) != 1 {
			t.Errorf("carried %+v, %d clients; want nothing carried and the client", in.Demographics, len(in.Clients))
		}
	})

	t.Run("other codes are warnings naming file, line and column, and leave the option out", func(t *testing.T) {
		// Demographics are for the equity review, never for eligibility: a code that is not HUD's
		// does not keep a client off the list (a RaceNone of 0 once refused HUD's own sample).
		in, report := MustMap(t, handWrittenExport(t, FY2026, clientHead2026,
			//                                    Sx AI As Bl Hi ME PI Wh RN
			"C1,Ana,,Reyes,1980-01-02,1,0,,        2, 0, 0, 0, 1, 0, 0, 0,",
			"C2,Bo,,Lee,1975-03-04,1,1,,           1, 0,  , 1, 0, 0, 0, 7,",
			"C3,Cy,,Ode,1990-05-06,1,0,,           0, 0, 0, 0, 0, 0, 0, 0, 0",
		))
		var got []string
		for _, p := range report.Warnings {
			if p.File == "Client.csv" {
				got = append(got, p.Error())
			}
		}
		want := []string{
			"Client.csv line 2, column Sex: 2 is not one of HUD's codes for Sex (0, 1, 8, 9, 99)",
			"Client.csv line 3, column Asian: the field is empty; want an integer",
			"Client.csv line 3, column White: 7 is not one of HUD's codes for White (0, 1, 99)",
			"Client.csv line 4, column RaceNone: 0 is not one of HUD's codes for RaceNone (8, 9, 99)",
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("warnings (-want +got):\n%s", diff)
		}
		wantClients := map[string]cas.Client{
			"C1": {Race: []cas.Race{cas.RaceHispanic}},
			"C2": {Race: []cas.Race{cas.RaceBlack}, Sex: cas.SexMale},
			"C3": {Sex: cas.SexFemale},
		}
		if diff := cmp.Diff(wantClients, demographicsByID(in.Clients)); diff != "" {
			t.Errorf("demographics (-want +got):\n%s", diff)
		}
	})

	t.Run("a None column filled beside a chosen option keeps the option, with a warning", func(t *testing.T) {
		in, report := MustMap(t, handWrittenExport(t, FY2026, clientHead2026,
			"C1,Ana,,Reyes,1980-01-02,1,0,,0,0,0,0,0,0,0,1,9"))
		if got := in.Clients[0].Race; !cmp.Equal(got, []cas.Race{cas.RaceWhite}) {
			t.Errorf("race %v, want white", got)
		}
		var warned []string
		for _, w := range report.Warnings {
			if w.File == "Client.csv" {
				warned = append(warned, w.Error())
			}
		}
		want := []string{"Client.csv line 2, column RaceNone: RaceNone is 9 (nothing chosen), yet other columns choose an option: the chosen options are imported"}
		if diff := cmp.Diff(want, warned); diff != "" {
			t.Errorf("warnings (-want +got):\n%s", diff)
		}
	})
}

// countDemographics counts the clients choosing each race and gender option, by option, and
// those with none (race "", gender "") and with several (race and gender "several").
func countDemographics(clients []cas.Client) map[string]int {
	n := map[string]int{}
	for _, c := range clients {
		for _, r := range c.Race {
			n["race "+string(r)]++
		}
		for _, g := range c.Gender {
			n["gender "+string(g)]++
		}
		for element, count := range map[string]int{"race": len(c.Race), "gender": len(c.Gender)} {
			switch {
			case count == 0:
				n[element+" none"]++
			case count > 1:
				n[element+" several"]++
			}
		}
		n["sex "+string(c.Sex)]++
	}
	return n
}

// The DataLab samples' race columns, worked out from Client.csv: 30 clients chose two races and 7
// none (RaceNone 8, 9 or 99); the FY2024 set's gender columns have 4 non-binary and 4 transgender
// clients. FY2026 has no gender, and Sex is empty for everyone.
var (
	datalabRace = map[string]int{"race american_indian_alaska_native": 23, "race asian": 2, "race black_african_american": 186,
		"race native_hawaiian_pacific_islander": 2, "race white": 324, "race several": 30, "race none": 7, "sex ": 514}
	datalabGender = map[string]int{"gender woman": 233, "gender man": 275, "gender non_binary": 4, "gender transgender": 4, "gender several": 2}
)

func TestMapSampleDemographics(t *testing.T) {
	dir := samples(t)
	for _, c := range []struct {
		set     string
		gender  map[string]int
		carries store.ImportDemographics
	}{
		{"fy2024-datalab", datalabGender, store.ImportDemographics{Race: true, Gender: true}},
		{"fy2026-datalab", map[string]int{"gender none": 514}, store.ImportDemographics{Race: true, Sex: true}},
	} {
		t.Run(c.set, func(t *testing.T) {
			in, _ := MustMap(t, filepath.Join(dir, c.set))
			want := map[string]int{}
			for _, m := range []map[string]int{datalabRace, c.gender} {
				for k, v := range m {
					want[k] = v
				}
			}
			if diff := cmp.Diff(want, countDemographics(in.Clients)); diff != "" {
				t.Errorf("clients by option (-want +got):\n%s", diff)
			}
			if in.Demographics != c.carries {
				t.Errorf("carried %+v, want %+v", in.Demographics, c.carries)
			}
		})
	}
	t.Run("fy2026-bom-edgecase: RaceNone 99 and an empty Sex are not collected", func(t *testing.T) {
		in, _ := MustMap(t, filepath.Join(dir, "fy2026-bom-edgecase"))
		if diff := cmp.Diff(map[string]int{"race none": 3, "gender none": 3, "sex ": 3}, countDemographics(in.Clients)); diff != "" {
			t.Errorf("clients by option (-want +got):\n%s", diff)
		}
	})
}

func TestImportSampleDemographics(t *testing.T) {
	dir := samples(t)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		if _, _, err := importExport(t, db, filepath.Join(dir, "fy2024-datalab")); err != nil {
			t.Fatal(err)
		}
		stored := func(t *testing.T) map[string]int {
			t.Helper()
			clients, err := store.All(func(p store.Page) ([]cas.Client, string, error) {
				return db.Clients(context.Background(), cas.System, store.ClientFilter{}, p)
			})
			if err != nil {
				t.Fatal(err)
			}
			return countDemographics(clients)
		}
		want := map[string]int{}
		for _, m := range []map[string]int{datalabRace, datalabGender} {
			for k, v := range m {
				want[k] = v
			}
		}
		if diff := cmp.Diff(want, stored(t)); diff != "" {
			t.Errorf("stored clients by option (-want +got):\n%s", diff)
		}
		t.Run("the FY2026 export of the same clients keeps the gender FY2024 recorded", func(t *testing.T) {
			res, _, err := importExport(t, db, filepath.Join(dir, "fy2026-datalab"))
			if err != nil || res.Updated["clients"] != 0 {
				t.Fatalf("FY2026 import: %+v %v", res, err)
			}
			if diff := cmp.Diff(want, stored(t)); diff != "" {
				t.Errorf("stored clients by option (-want +got):\n%s", diff)
			}
		})
	})
}

func TestMapGeneratedDemographics(t *testing.T) {
	dir, _ := MustGenerate(t, GenOptions{Clients: 300, Units: 60, Seed: 7})
	in, _ := MustMap(t, dir)
	n := countDemographics(in.Clients)
	for _, option := range []string{"race black_african_american", "race white", "race hispanic_latina_e_o", "race several", "race none",
		"gender woman", "gender man", "gender non_binary", "gender transgender"} {
		if n[option] == 0 {
			t.Errorf("no generated client in %q: %v", option, n)
		}
	}
	if want := (store.ImportDemographics{Race: true, Gender: true}); in.Demographics != want {
		t.Errorf("carried %+v, want %+v", in.Demographics, want)
	}
}
