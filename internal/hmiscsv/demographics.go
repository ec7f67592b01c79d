package hmiscsv

import (
	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/store"
)

// option is a Client.csv column that says whether the client chose one of HUD's options: 1 chosen,
// 0 not chosen, 99 data not collected.
type option[T any] struct {
	column string
	value  T
}

// raceColumns are Client.csv's race and ethnicity columns, in HUD's order. FY2024 spells the
// Hispanic/Latina/e/o column HispanicLatinaeo, FY2026 HispanicLatinao.
var raceColumns = []option[cas.Race]{
	{"AmIndAKNative", cas.RaceAmericanIndian}, {"Asian", cas.RaceAsian}, {"BlackAfAmerican", cas.RaceBlack},
	{"HispanicLatinaeo", cas.RaceHispanic}, {"HispanicLatinao", cas.RaceHispanic}, {"MidEastNAfrican", cas.RaceMiddleEastern},
	{"NativeHIPacific", cas.RacePacificIslander}, {"White", cas.RaceWhite},
}

// genderColumns are FY2024 Client.csv's gender columns, in HUD's order. FY2026 has none: it
// collects sex instead.
var genderColumns = []option[cas.Gender]{
	{"Woman", cas.GenderWoman}, {"Man", cas.GenderMan}, {"NonBinary", cas.GenderNonBinary},
	{"CulturallySpecific", cas.GenderCulturallySpecific}, {"Transgender", cas.GenderTransgender},
	{"Questioning", cas.GenderQuestioning}, {"DifferentIdentity", cas.GenderDifferent},
}

// sexes are FY2026 Client.csv's Sex codes that say something; 8, 9 and 99 (doesn't know, prefers
// not to answer, not collected) leave the client's sex empty.
var sexes = map[int]cas.Sex{0: cas.SexFemale, 1: cas.SexMale}

// demographics reads a Client row's race, gender and sex. An element the file has no column for
// is empty, and m.out.Demographics says the export does not carry it (the header is the same for
// every row).
func (m *mapper) demographics(r Row) ([]cas.Race, []cas.Gender, cas.Sex) {
	race, hasRace := chosen(m, r, raceColumns, "RaceNone")
	gender, hasGender := chosen(m, r, genderColumns, "GenderNone")
	var sex cas.Sex
	if r.String("Sex") != "" {
		if n, ok := m.code(r, warning, "Sex", 0, 1, 8, 9, 99); ok {
			sex = sexes[n]
		}
	}
	m.out.Demographics = store.ImportDemographics{Race: hasRace, Gender: hasGender, Sex: r.Has("Sex")}
	return race, gender, sex
}

// chosen returns the options of one element whose column is 1, and whether the file has any of
// the element's columns. none is the element's column for why nothing was chosen (8, 9 or 99,
// or empty); HUD fills it only when no option is, and when it is filled anyway the chosen options
// are kept, with a warning. Any other value, or an empty option column, is a warning too: the
// option is not taken as chosen, the None column as not filled.
func chosen[T any](m *mapper, r Row, options []option[T], none string) ([]T, bool) {
	var list []T
	carried := r.Has(none)
	for _, o := range options {
		if !r.Has(o.column) {
			continue
		}
		carried = true
		if n, ok := m.code(r, warning, o.column, 0, 1, 99); ok && n == 1 {
			list = append(list, o.value)
		}
	}
	if r.String(none) != "" {
		if n, ok := m.code(r, warning, none, 8, 9, 99); ok && len(list) > 0 {
			m.flag(warning, r, none, "%s is %d (nothing chosen), yet other columns choose an option: the chosen options are imported", none, n)
		}
	}
	return list, carried
}
