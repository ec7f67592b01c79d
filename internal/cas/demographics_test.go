package cas

import (
	"slices"
	"testing"
)

func TestDemographicGroups(t *testing.T) {
	for _, tc := range []struct {
		race                 []Race
		gender               []Gender
		sex                  Sex
		race1, eth, gen, sx1 string
	}{
		{nil, nil, "", NotCollected, NotCollected, NotCollected, NotCollected},
		{[]Race{RaceBlack}, []Gender{GenderWoman}, SexFemale, "Black, African American, or African", GroupNotHispanic, "Woman (Girl, if child)", "Female"},
		{[]Race{RaceHispanic}, []Gender{GenderMan}, SexMale, GroupHispanicOnly, GroupHispanic, "Man (Boy, if child)", "Male"},
		{[]Race{RaceWhite, RaceHispanic}, []Gender{GenderNonBinary}, "", "White", GroupHispanic, "Non-Binary", NotCollected},
		{[]Race{RaceWhite, RaceAsian}, []Gender{GenderWoman, GenderTransgender}, "", GroupMultiracial, GroupNotHispanic, GroupSeveralGenders, NotCollected},
	} {
		c := Client{Race: tc.race, Gender: tc.gender, Sex: tc.sex}
		if got := [4]string{c.RaceGroup(), c.EthnicityGroup(), c.GenderGroup(), c.SexGroup()}; got != [4]string{tc.race1, tc.eth, tc.gen, tc.sx1} {
			t.Errorf("%v %v %q: groups %q, want %q", tc.race, tc.gender, tc.sex, got, [4]string{tc.race1, tc.eth, tc.gen, tc.sx1})
		}
	}
}

func TestDemographicsValidate(t *testing.T) {
	c := Client{Race: []Race{RaceWhite, RaceBlack, RaceWhite}, Gender: []Gender{GenderTransgender, GenderWoman}}
	if err := c.validateDemographics(); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.Race, []Race{RaceBlack, RaceWhite}) || !slices.Equal(c.Gender, []Gender{GenderWoman, GenderTransgender}) {
		t.Errorf("normalised to %v %v, want HUD order without repeats", c.Race, c.Gender)
	}
	for field, c := range map[string]Client{
		"race":   {Race: []Race{"martian"}},
		"gender": {Gender: []Gender{"other"}},
		"sex":    {Sex: "x"},
	} {
		err := c.validateDemographics()
		if e := ErrorOf(err); e == nil || e.Code != EInvalid || e.Field != field {
			t.Errorf("%s: got %v, want invalid naming %s", field, err, field)
		}
	}
}
