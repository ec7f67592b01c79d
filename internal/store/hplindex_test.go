package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/match"
	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

// TestMaintainedHPLEqualsARankingFromScratch: random sequences of changes to the list (clients
// added, scores, days homeless and assessment dates changed, intake status, parking, removal,
// client details, bulk changes to every entry, and new priority schemes) are made through two stores on one database, as two
// servers would; after each step both stores' HPL, read page by page and under random filters,
// must equal the list ranked from scratch from the raw tables by match.Rank.
func TestMaintainedHPLEqualsARankingFromScratch(t *testing.T) {
	steps := 400
	switch {
	case testing.Short():
		steps = 100
	case raceDetector:
		steps = 150 // still six hundred steps, each read through two stores, in CI's time
	}
	for _, seed := range []uint64{1, 2} {
		t.Run(fmt.Sprintf("seed %d", seed), func(t *testing.T) {
			storetest.EachURL(t, func(t *testing.T, dbURL string) {
				ctx := context.Background()
				clock := storetest.NewClock(time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC))
				servers := []*store.DB{storetest.Open(t, dbURL), storetest.Open(t, dbURL)}
				for _, db := range servers {
					db.Now = clock.Now
				}
				rnd := rand.New(rand.NewPCG(seed, 7))
				admin := MustUser(t, servers[0], "cas@coc.test", cas.RoleCASAdmin, "")
				var clients []cas.Client
				var entries []string
				done := map[string]int{}
				defer func() { t.Logf("%d entries; changes made: %v", len(entries), done) }()
				for i := range steps {
					db := servers[rnd.IntN(2)]
					clock.Advance(time.Duration(rnd.IntN(3600)) * time.Second)
					what, err := hplStep(ctx, rnd, db, &admin, &clients, &entries)
					if err != nil && cas.ErrorCode(err) != cas.EConflict && cas.ErrorCode(err) != cas.EInvalid {
						t.Fatalf("step %d (%s): %v", i, what, err)
					}
					if err == nil {
						done[what]++
					}
					want := rankFromScratch(t, servers[0])
					for s, db := range servers {
						f, search := randomFilter(rnd, clients)
						got := readHPL(t, db, f, 1+rnd.IntN(40))
						w := filtered(want, f, search)
						if slices.Contains(f.Status, cas.HPLInactive) {
							w = append(w, removedFromScratch(t, servers[0])...)
						}
						if !slices.Equal(got, w) {
							k := 0
							for k < min(len(got), len(w)) && got[k] == w[k] {
								k++
							}
							t.Fatalf("step %d (%s), server %d, filter %+v: %d and %d items, differing from item %d:\n got %v\nwant %v", i, what, s, f, len(got), len(w), k, got[k:], w[k:])
						}
					}
				}
			})
		})
	}
}

// hplStep makes one random change to the list.
func hplStep(ctx context.Context, rnd *rand.Rand, db *store.DB, admin *cas.User, clients *[]cas.Client, entries *[]string) (string, error) {
	pickEntry := func() string { return (*entries)[rnd.IntN(len(*entries))] }
	switch n := rnd.IntN(100); {
	case n < 20 || len(*entries) == 0:
		c, err := db.CreateClient(ctx, admin, cas.Client{FirstName: fmt.Sprintf("Ana%d", len(*clients)), LastName: []string{"Lee", "Diaz", "Okafor"}[rnd.IntN(3)],
			BirthDate: "1980-01-01", HouseholdSize: 1 + rnd.IntN(4), HouseholdType: cas.HouseholdTypes[rnd.IntN(len(cas.HouseholdTypes))],
			Veteran: rnd.IntN(3) == 0, Chronic: rnd.IntN(2) == 0, Consent: true})
		if err != nil {
			return "create client", err
		}
		*clients = append(*clients, c)
		e, err := db.AddToHPL(ctx, admin, cas.HPLEntry{ClientID: c.ID, Score: rnd.IntN(5) * 4, AssessedOn: cas.Date(fmt.Sprintf("2026-02-%02d", 1+rnd.IntN(9))),
			DaysHomeless: rnd.IntN(4) * 100, IntakeStatus: cas.IntakeReady})
		if err == nil {
			*entries = append(*entries, e.ID)
		}
		return "add", err
	case n < 30 && len(*clients) > 0:
		c := (*clients)[rnd.IntN(len(*clients))]
		id := ""
		for _, e := range *entries {
			if got, err := db.HPLEntry(ctx, admin, e); err == nil && got.ClientID == c.ID && got.Status != cas.HPLActive {
				id = e
			}
		}
		if id == "" {
			return "re-add: none removed", nil
		}
		e, err := db.AddToHPL(ctx, admin, cas.HPLEntry{ClientID: c.ID, Score: rnd.IntN(5) * 4, AssessedOn: "2026-02-10", IntakeStatus: cas.IntakePending})
		if err == nil {
			*entries = append(*entries, e.ID)
		}
		return "re-add", err
	case n < 55:
		_, err := db.UpdateHPLEntry(ctx, admin, pickEntry(), func(e *cas.HPLEntry) {
			switch rnd.IntN(4) {
			case 0:
				e.Score = rnd.IntN(5) * 4
			case 1:
				e.DaysHomeless = rnd.IntN(4) * 100
			case 2:
				e.AssessedOn = cas.Date(fmt.Sprintf("2026-02-%02d", 1+rnd.IntN(9)))
			default:
				e.IntakeStatus = []cas.IntakeStatus{cas.IntakePending, cas.IntakeIncompleteDocuments, cas.IntakeReady}[rnd.IntN(3)]
			}
		})
		return "update entry", err
	case n < 65:
		_, err := db.ParkHPLEntry(ctx, admin, pickEntry(), "2027-01-01", "in hospital")
		return "park", err
	case n < 70:
		_, err := db.UnparkHPLEntry(ctx, admin, pickEntry())
		return "unpark", err
	case n < 78:
		_, err := db.RemoveFromHPL(ctx, admin, pickEntry(), cas.RemovalMovedAway, "")
		return "remove", err
	case n < 80:
		// A bulk change, as a nightly import makes: every entry at once.
		_, err := db.SQL().ExecContext(ctx, `UPDATE hpl_entries SET days_homeless = (days_homeless + 137) % 500`)
		return "bulk change", err
	case n < 93 && len(*clients) > 0:
		c := (*clients)[rnd.IntN(len(*clients))]
		_, err := db.UpdateClient(ctx, admin, c.ID, func(c *cas.Client) {
			switch rnd.IntN(4) {
			case 0:
				c.Veteran = !c.Veteran
			case 1:
				c.Chronic = !c.Chronic
			case 2:
				c.HouseholdSize = 1 + rnd.IntN(4)
			default:
				c.HouseholdType = cas.HouseholdTypes[rnd.IntN(len(cas.HouseholdTypes))]
			}
		})
		return "update client", err
	default:
		factors := []cas.Factor{cas.FactorScore, cas.FactorChronic, cas.FactorDaysHomeless, cas.FactorAssessedOn, cas.FactorVeteran, cas.FactorHouseholdSize}
		rnd.Shuffle(len(factors), func(i, j int) { factors[i], factors[j] = factors[j], factors[i] })
		var criteria []cas.Criterion
		for _, f := range factors[:1+rnd.IntN(3)] {
			criteria = append(criteria, cas.Criterion{Factor: f, Ascending: rnd.IntN(2) == 0})
		}
		_, err := db.SetPriorityScheme(ctx, admin, criteria)
		return "new scheme", err
	}
}

// placeOnList is what the comparison reads of an HPL item.
type placeOnList struct {
	Entry, Status string
	Rank          int
	Score         int
	Veteran       bool
}

// rankFromScratch ranks the active and referred entries read from the raw tables.
func rankFromScratch(t *testing.T, db *store.DB) []store.HPLItem {
	t.Helper()
	ctx := context.Background()
	scheme, err := db.PriorityScheme(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := db.SQL().QueryContext(ctx, `SELECT e.id, e.client_id, e.score, e.assessed_on, e.days_homeless, e.intake_status, e.status, e.created_at,
		c.household_type, c.household_size, c.veteran, c.chronic, c.youth, c.dv_survivor, c.first_name, c.last_name
		FROM hpl_entries e JOIN clients c ON c.id = e.client_id WHERE e.status IN ('active', 'referred')`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var cands []match.Candidate
	for rows.Next() {
		var c match.Candidate
		if err := rows.Scan(&c.Entry.ID, &c.Entry.ClientID, &c.Entry.Score, &c.Entry.AssessedOn, &c.Entry.DaysHomeless, &c.Entry.IntakeStatus,
			&c.Entry.Status, &c.Entry.CreatedAt, &c.Client.HouseholdType, &c.Client.HouseholdSize, &c.Client.Veteran, &c.Client.Chronic,
			&c.Client.Youth, &c.Client.DVSurvivor, &c.Client.FirstName, &c.Client.LastName); err != nil {
			t.Fatal(err)
		}
		c.Client.ID = c.Entry.ClientID
		cands = append(cands, c)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	var items []store.HPLItem
	for _, r := range match.Rank(scheme, cands) {
		items = append(items, store.HPLItem{Entry: r.Entry, Client: r.Client, Rank: r.Rank})
	}
	return items
}

// removedFromScratch lists the removed entries, the latest changed first, without a rank.
func removedFromScratch(t *testing.T, db *store.DB) []placeOnList {
	t.Helper()
	rows, err := db.SQL().QueryContext(context.Background(), `SELECT e.id, e.score, c.veteran FROM hpl_entries e JOIN clients c ON c.id = e.client_id
		WHERE e.status = 'inactive' ORDER BY e.updated_at DESC, e.id DESC`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := []placeOnList{}
	for rows.Next() {
		p := placeOnList{Status: string(cas.HPLInactive)}
		if err := rows.Scan(&p.Entry, &p.Score, &p.Veteran); err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

func randomFilter(rnd *rand.Rand, clients []cas.Client) (store.HPLFilter, string) {
	var f store.HPLFilter
	switch rnd.IntN(6) {
	case 0:
		f.Status = []cas.HPLStatus{cas.HPLActive}
	case 1:
		f.IntakeStatus = cas.IntakeReady
	case 2:
		f.HouseholdType = cas.HouseholdTypes[rnd.IntN(len(cas.HouseholdTypes))]
	case 3:
		f.Population = cas.Veteran
	case 4:
		if len(clients) > 0 {
			f.Search = "di"
		}
	case 5:
		f.Status = []cas.HPLStatus{cas.HPLReferred, cas.HPLActive, cas.HPLInactive}
	}
	return f, f.Search
}

// filtered applies a filter to the from-scratch list, keeping the ranks.
func filtered(list []store.HPLItem, f store.HPLFilter, search string) []placeOnList {
	out := []placeOnList{}
	for _, it := range list {
		switch {
		case len(f.Status) > 0 && !slices.Contains(f.Status, it.Entry.Status),
			f.IntakeStatus != "" && it.Entry.IntakeStatus != f.IntakeStatus,
			f.HouseholdType != "" && it.Client.HouseholdType != f.HouseholdType,
			f.Population == cas.Veteran && !it.Client.Veteran,
			search != "" && !(len(it.Client.LastName) >= 2 && it.Client.LastName[:2] == "Di"):
			continue
		}
		out = append(out, place(it))
	}
	return out
}

func place(it store.HPLItem) placeOnList {
	return placeOnList{Entry: it.Entry.ID, Status: string(it.Entry.Status), Rank: it.Rank, Score: it.Entry.Score, Veteran: it.Client.Veteran}
}

// readHPL reads every page of the HPL through a store.
func readHPL(t *testing.T, db *store.DB, f store.HPLFilter, limit int) []placeOnList {
	t.Helper()
	out := []placeOnList{}
	page := store.Page{Limit: limit}
	for {
		items, next, _, err := db.HPL(context.Background(), cas.System, f, page)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range items {
			out = append(out, place(it))
		}
		if next == "" {
			return out
		}
		page.Cursor = next
	}
}

// TestHPLPlaces: a client's place is their rank on the list, or their latest entry off it.
func TestHPLPlaces(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		admin := MustUser(t, db, "cas@coc.test", cas.RoleCASAdmin, "")
		var ids []string
		for i, score := range []int{5, 9, 7} {
			c, err := db.CreateClient(ctx, &admin, cas.Client{FirstName: fmt.Sprint("Ana", i), LastName: "Lee", BirthDate: "1980-01-01", HouseholdSize: 1,
				HouseholdType: cas.WithoutChildren, Consent: true})
			if err != nil {
				t.Fatal(err)
			}
			e, err := db.AddToHPL(ctx, &admin, cas.HPLEntry{ClientID: c.ID, Score: score, AssessedOn: "2026-01-02", IntakeStatus: cas.IntakeReady})
			if err != nil {
				t.Fatal(err)
			}
			if i == 2 {
				if _, err := db.RemoveFromHPL(ctx, &admin, e.ID, cas.RemovalMovedAway, ""); err != nil {
					t.Fatal(err)
				}
			}
			ids = append(ids, c.ID)
		}
		places, err := db.HPLPlaces(ctx, &admin, append(ids, "nobody"))
		if err != nil {
			t.Fatal(err)
		}
		got := []string{}
		for _, id := range append(ids, "nobody") {
			p, ok := places[id]
			got = append(got, fmt.Sprintln(ok, p.Rank, p.Entry.Status))
		}
		if want := []string{"true 2 active\n", "true 1 active\n", "true 0 inactive\n", "false 0 \n"}; !slices.Equal(got, want) {
			t.Errorf("places %v, want %v", got, want)
		}
	})
}

// TestHPLChangesNumberedInCommitOrder: on PostgreSQL two transactions change the list at once; the
// one that changed first commits last. Its changes are numbered after the other's, so a server that
// read the log between the two commits still sees them next.
func TestHPLChangesNumberedInCommitOrder(t *testing.T) {
	db := storetest.Open(t, storetest.PostgresURL(t))
	ctx := context.Background()
	admin := MustUser(t, db, "hmis@coc.test", cas.RoleHMISAdmin, "")
	in := sampleImport()
	in.Clients = append(in.Clients, cas.Client{FirstName: "Lee", LastName: "Roe", HMISPersonalID: "C2", HouseholdSize: 1, HouseholdType: cas.WithoutChildren})
	in.Entries = append(in.Entries, store.ImportEntry{EnrollmentID: "E2", PersonalID: "C2", AssessedOn: "2026-03-01"})
	if _, err := db.ImportHMIS(ctx, &admin, in, false); err != nil {
		t.Fatal(err)
	}
	first, err := db.SQL().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Rollback() //nolint:errcheck // committed below
	if _, err := first.Exec(`UPDATE hpl_entries SET days_homeless = days_homeless + 1 WHERE hmis_enrollment_id IN ('E1', 'E2')`); err != nil {
		t.Fatal(err)
	}
	second, err := db.SQL().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := second.Exec(`UPDATE clients SET first_name = 'Leigh' WHERE hmis_personal_id = 'C2'`); err != nil {
		t.Fatal(err)
	}
	if err := second.Commit(); err != nil {
		t.Fatal(err)
	}
	var read int64 // what a server reading now has seen
	if err := db.SQL().QueryRow(`SELECT MAX(seq) FROM hpl_changes`).Scan(&read); err != nil {
		t.Fatal(err)
	}
	if err := first.Commit(); err != nil {
		t.Fatal(err)
	}
	var after, pending int
	if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM hpl_changes WHERE seq > $1`, read).Scan(&after); err != nil {
		t.Fatal(err)
	}
	if after != 2 {
		t.Errorf("%d changes numbered after those a server read between the commits, want the first transaction's 2", after)
	}
	if err := db.SQL().QueryRow(`SELECT (SELECT COUNT(*) FROM hpl_changes_pending) + (SELECT COUNT(*) FROM hpl_changes_marks)`).Scan(&pending); err != nil || pending != 0 {
		t.Errorf("%d rows left pending after the commits (%v)", pending, err)
	}
}
