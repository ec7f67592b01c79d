package store_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

// demographicsOf picks out a client's race, gender and sex, for comparing.
func demographicsOf(c cas.Client) cas.Client {
	return cas.Client{Race: c.Race, Gender: c.Gender, Sex: c.Sex}
}

func TestClientDemographics(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		in := cas.Client{FirstName: "Rosa", LastName: "Marchetti", BirthDate: "1979-06-01", HouseholdSize: 1, HouseholdType: cas.WithoutChildren,
			Race:   []cas.Race{cas.RaceWhite, cas.RaceHispanic, cas.RaceAmericanIndian, cas.RaceWhite},
			Gender: []cas.Gender{cas.GenderTransgender, cas.GenderWoman}, Sex: cas.SexMale}
		created, err := db.CreateClient(ctx, cas.System, in)
		if err != nil {
			t.Fatal(err)
		}
		want := cas.Client{Race: []cas.Race{cas.RaceAmericanIndian, cas.RaceHispanic, cas.RaceWhite},
			Gender: []cas.Gender{cas.GenderWoman, cas.GenderTransgender}, Sex: cas.SexMale}

		t.Run("a client reads back with the options in HUD's order, without repeats", func(t *testing.T) {
			got, err := db.Client(ctx, cas.System, created.ID)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, demographicsOf(got)); diff != "" {
				t.Errorf("read (-want +got):\n%s", diff)
			}
			list, _, err := db.Clients(ctx, cas.System, store.ClientFilter{Search: "Marchetti"}, store.Page{})
			if err != nil || len(list) != 1 {
				t.Fatalf("list %+v %v", list, err)
			}
			if diff := cmp.Diff(want, demographicsOf(list[0])); diff != "" {
				t.Errorf("listed (-want +got):\n%s", diff)
			}
		})

		t.Run("an unknown option is refused, naming the field, and nothing changes", func(t *testing.T) {
			for field, change := range map[string]func(*cas.Client){
				"race":   func(c *cas.Client) { c.Race = []cas.Race{"martian"} },
				"gender": func(c *cas.Client) { c.Gender = []cas.Gender{cas.GenderMan, "robot"} },
				"sex":    func(c *cas.Client) { c.Sex = "unknown" },
			} {
				_, err := db.UpdateClient(ctx, cas.System, created.ID, change)
				if ce := cas.ErrorOf(err); ce == nil || ce.Code != cas.EInvalid || ce.Field != field {
					t.Errorf("%s: err = %v, want invalid naming %s", field, err, field)
				}
			}
			got, _ := db.Client(ctx, cas.System, created.ID)
			if diff := cmp.Diff(want, demographicsOf(got)); diff != "" {
				t.Errorf("after refused changes (-want +got):\n%s", diff)
			}
		})

		t.Run("an element can be changed and set back to not collected", func(t *testing.T) {
			if _, err := db.UpdateClient(ctx, cas.System, created.ID, func(c *cas.Client) {
				c.Race, c.Gender, c.Sex = []cas.Race{cas.RaceBlack}, nil, ""
			}); err != nil {
				t.Fatal(err)
			}
			got, _ := db.Client(ctx, cas.System, created.ID)
			if diff := cmp.Diff(cas.Client{Race: []cas.Race{cas.RaceBlack}}, demographicsOf(got)); diff != "" {
				t.Errorf("after the change (-want +got):\n%s", diff)
			}
		})
	})
}

func TestImportHMISDemographics(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		admin := MustUser(t, db, "hmis@coc.test", cas.RoleHMISAdmin, "")
		fy2024 := sampleImport()
		fy2024.Clients[0].Race = []cas.Race{cas.RaceBlack, cas.RaceHispanic}
		fy2024.Clients[0].Gender = []cas.Gender{cas.GenderNonBinary}
		fy2024.Demographics = store.ImportDemographics{Race: true, Gender: true}
		if _, err := db.ImportHMIS(ctx, &admin, fy2024, false); err != nil {
			t.Fatal(err)
		}
		client := func(t *testing.T) cas.Client {
			t.Helper()
			list, _, err := db.Clients(ctx, cas.System, store.ClientFilter{Search: "Doe"}, store.Page{})
			if err != nil || len(list) != 1 {
				t.Fatalf("client Pat Doe: %+v %v", list, err)
			}
			return list[0]
		}
		if diff := cmp.Diff(demographicsOf(fy2024.Clients[0]), demographicsOf(client(t))); diff != "" {
			t.Errorf("imported (-want +got):\n%s", diff)
		}

		t.Run("importing the same export again changes nothing", func(t *testing.T) {
			res, err := db.ImportHMIS(ctx, &admin, fy2024, false)
			if err != nil || len(res.Updated) != 0 {
				t.Errorf("second import: %+v %v", res, err)
			}
		})

		t.Run("an export without gender leaves the client's gender, and updates race and sex", func(t *testing.T) {
			fy2026 := sampleImport()
			fy2026.Clients[0].Race = []cas.Race{cas.RaceBlack}
			fy2026.Clients[0].Sex = cas.SexFemale
			fy2026.Demographics = store.ImportDemographics{Race: true, Sex: true}
			res, err := db.ImportHMIS(ctx, &admin, fy2026, false)
			if err != nil || res.Updated["clients"] != 1 {
				t.Fatalf("FY2026 import: %+v %v", res, err)
			}
			want := cas.Client{Race: []cas.Race{cas.RaceBlack}, Gender: []cas.Gender{cas.GenderNonBinary}, Sex: cas.SexFemale}
			if diff := cmp.Diff(want, demographicsOf(client(t))); diff != "" {
				t.Errorf("after the FY2026 import (-want +got):\n%s", diff)
			}
			if res, err := db.ImportHMIS(ctx, &admin, fy2026, false); err != nil || len(res.Updated) != 0 {
				t.Errorf("the FY2026 export again: %+v %v", res, err)
			}
		})

		t.Run("an export that carries an element but did not collect it empties it", func(t *testing.T) {
			none := sampleImport()
			none.Demographics = store.ImportDemographics{Race: true, Gender: true, Sex: true}
			if _, err := db.ImportHMIS(ctx, &admin, none, false); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(cas.Client{}, demographicsOf(client(t))); diff != "" {
				t.Errorf("after an export that collected nothing (-want +got):\n%s", diff)
			}
		})
	})
}
