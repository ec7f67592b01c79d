package cas

import (
	"slices"
	"strings"
)

// Race is one of HUD's race and ethnicity options (Data Standards 3.04). A client may have
// several; Hispanic/Latina/e/o is among them, as HUD has collected it since FY2024.
type Race string

// HUD's race and ethnicity options, each a Client.csv column.
const (
	RaceAmericanIndian  Race = "american_indian_alaska_native" // AmIndAKNative
	RaceAsian           Race = "asian"                         // Asian
	RaceBlack           Race = "black_african_american"        // BlackAfAmerican
	RaceHispanic        Race = "hispanic_latina_e_o"           // HispanicLatinaeo (FY2026: HispanicLatinao)
	RaceMiddleEastern   Race = "middle_eastern_north_african"  // MidEastNAfrican
	RacePacificIslander Race = "native_hawaiian_pacific_islander"
	RaceWhite           Race = "white"
)

// Races lists the race and ethnicity options in HUD's column order.
var Races = []Race{RaceAmericanIndian, RaceAsian, RaceBlack, RaceHispanic, RaceMiddleEastern, RacePacificIslander, RaceWhite}

var raceLabels = map[Race]string{
	RaceAmericanIndian:  "American Indian, Alaska Native, or Indigenous",
	RaceAsian:           "Asian or Asian American",
	RaceBlack:           "Black, African American, or African",
	RaceHispanic:        "Hispanic/Latina/e/o",
	RaceMiddleEastern:   "Middle Eastern or North African",
	RacePacificIslander: "Native Hawaiian or Pacific Islander",
	RaceWhite:           "White",
}

// Label is the option's wording in HUD's Data Standards.
func (r Race) Label() string { return raceLabels[r] }

// Gender is one of HUD's FY2024 gender options (Data Standards 3.06). A client may have several.
// FY2026 exports carry Sex instead.
type Gender string

// HUD's FY2024 gender options, each a Client.csv column.
const (
	GenderWoman              Gender = "woman"
	GenderMan                Gender = "man"
	GenderCulturallySpecific Gender = "culturally_specific"
	GenderNonBinary          Gender = "non_binary"
	GenderTransgender        Gender = "transgender"
	GenderQuestioning        Gender = "questioning"
	GenderDifferent          Gender = "different_identity"
)

// Genders lists the gender options in HUD's column order.
var Genders = []Gender{GenderWoman, GenderMan, GenderNonBinary, GenderCulturallySpecific, GenderTransgender, GenderQuestioning, GenderDifferent}

var genderLabels = map[Gender]string{
	GenderWoman:              "Woman (Girl, if child)",
	GenderMan:                "Man (Boy, if child)",
	GenderCulturallySpecific: "Culturally Specific Identity",
	GenderNonBinary:          "Non-Binary",
	GenderTransgender:        "Transgender",
	GenderQuestioning:        "Questioning",
	GenderDifferent:          "Different Identity",
}

// Label is the option's wording in HUD's Data Standards.
func (g Gender) Label() string { return genderLabels[g] }

// Sex is HUD's FY2026 sex element (Data Standards 3.06.1); empty when not collected.
type Sex string

// HUD's FY2026 sex options.
const (
	SexFemale Sex = "female"
	SexMale   Sex = "male"
)

// NotCollected labels a client for whom an element was not collected, or who did not know or
// preferred not to answer: the equity breakdowns count them in their own group.
const NotCollected = "Not collected or not answered"

// Groups an equity review puts clients in when they chose several options.
const (
	GroupMultiracial    = "Multiracial"
	GroupHispanicOnly   = "Hispanic/Latina/e/o only"
	GroupHispanic       = "Hispanic/Latina/e/o"
	GroupNotHispanic    = "Not Hispanic/Latina/e/o"
	GroupSeveralGenders = "More than one gender"
)

// RaceGroup is the client's group for an equity review by race: the one race chosen (Hispanic/
// Latina/e/o aside, which EthnicityGroup reports), Multiracial for two or more, "Hispanic/
// Latina/e/o only" when that was the only option chosen, or NotCollected.
func (c *Client) RaceGroup() string {
	var others []Race
	for _, r := range c.Race {
		if r != RaceHispanic {
			others = append(others, r)
		}
	}
	switch {
	case len(others) == 1:
		return others[0].Label()
	case len(others) > 1:
		return GroupMultiracial
	case slices.Contains(c.Race, RaceHispanic):
		return GroupHispanicOnly
	}
	return NotCollected
}

// EthnicityGroup is the client's group for an equity review by ethnicity: Hispanic/Latina/e/o
// when chosen, not Hispanic/Latina/e/o when other races were, NotCollected when none was.
func (c *Client) EthnicityGroup() string {
	switch {
	case slices.Contains(c.Race, RaceHispanic):
		return GroupHispanic
	case len(c.Race) > 0:
		return GroupNotHispanic
	}
	return NotCollected
}

// GenderGroup is the client's group for an equity review by gender: the one gender chosen, "More
// than one gender" for several, or NotCollected.
func (c *Client) GenderGroup() string {
	switch len(c.Gender) {
	case 0:
		return NotCollected
	case 1:
		return c.Gender[0].Label()
	}
	return GroupSeveralGenders
}

// SexGroup is the client's group for an equity review by sex (FY2026).
func (c *Client) SexGroup() string {
	switch c.Sex {
	case SexFemale:
		return "Female"
	case SexMale:
		return "Male"
	}
	return NotCollected
}

// validateDemographics checks the race, gender and sex options and puts the lists in HUD's order
// without repeats, so that equal answers are stored equally.
func (c *Client) validateDemographics() error {
	var err error
	if c.Race, err = knownOptions("race", c.Race, Races); err != nil {
		return err
	}
	if c.Gender, err = knownOptions("gender", c.Gender, Genders); err != nil {
		return err
	}
	if c.Sex != "" && c.Sex != SexFemale && c.Sex != SexMale {
		return Invalid("sex", "sex must be female, male or empty (not collected), not %q", c.Sex)
	}
	return nil
}

// knownOptions returns chosen in the order of all, without repeats, or an error naming field and
// the first unknown option.
func knownOptions[T ~string](field string, chosen, all []T) ([]T, error) {
	for _, v := range chosen {
		if !slices.Contains(all, v) {
			names := make([]string, len(all))
			for i, a := range all {
				names[i] = string(a)
			}
			return nil, Invalid(field, "%s %q is not one of %s", field, v, strings.Join(names, ", "))
		}
	}
	var out []T
	for _, a := range all {
		if slices.Contains(chosen, a) {
			out = append(out, a)
		}
	}
	return out, nil
}
