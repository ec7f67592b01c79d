package hmiscsv

import (
	"fmt"
	"strconv"
	"strings"
)

// Versions of the HMIS CSV format this package reads. It writes FY2024 and FY2026.
const (
	FY2024 = "2024"
	FY2026 = "2026"
)

// hudFiles are the files of an FY2024 or FY2026 export, as HUD names them. Anything else in an
// export (a vendor's CustomGender.csv, say) is not HUD's and is ignored.
var hudFiles = []string{
	"Affiliation.csv", "Assessment.csv", "AssessmentQuestions.csv", "AssessmentResults.csv",
	"CEParticipation.csv", "Client.csv", "CurrentLivingSituation.csv", "Disabilities.csv",
	"EmploymentEducation.csv", "Enrollment.csv", "Event.csv", "Exit.csv", "Export.csv", "Funder.csv",
	"HMISParticipation.csv", "HealthAndDV.csv", "IncomeBenefits.csv", "Inventory.csv",
	"Organization.csv", "Project.csv", "ProjectCoC.csv", "Services.csv", "User.csv",
	"YouthEducationStatus.csv",
}

// required are the columns Doorway reads from each file. An export whose file lacks one of them
// cannot be imported; every other column is optional to the reader. All are present, with these
// names, in both FY2024 and FY2026.
var required = map[string][]string{
	"Export.csv":          {"ExportID", "ExportDate", "ExportStartDate", "ExportEndDate", "SoftwareName"},
	"Organization.csv":    {"OrganizationID", "OrganizationName", "VictimServiceProvider", "DateDeleted"},
	"Project.csv":         {"ProjectID", "OrganizationID", "ProjectName", "OperatingStartDate", "OperatingEndDate", "ContinuumProject", "ProjectType", "HousingType", "RRHSubType", "TargetPopulation", "DateDeleted"},
	"Inventory.csv":       {"InventoryID", "ProjectID", "CoCCode", "HouseholdType", "UnitInventory", "BedInventory", "InventoryStartDate", "InventoryEndDate", "DateDeleted"},
	"CEParticipation.csv": {"CEParticipationID", "ProjectID", "AccessPoint", "ReceivesReferrals", "CEParticipationStatusStartDate", "CEParticipationStatusEndDate", "DateDeleted"},
	"Client.csv":          {"PersonalID", "FirstName", "MiddleName", "LastName", "DOB", "DOBDataQuality", "VeteranStatus", "DateDeleted"},
	"Enrollment.csv":      {"EnrollmentID", "PersonalID", "ProjectID", "EntryDate", "HouseholdID", "RelationshipToHoH", "LivingSituation", "DisablingCondition", "MoveInDate", "DateDeleted"},
	"Exit.csv":            {"ExitID", "EnrollmentID", "PersonalID", "ExitDate", "Destination", "DateDeleted"},
	"Assessment.csv":      {"AssessmentID", "EnrollmentID", "PersonalID", "AssessmentDate", "AssessmentLocation", "AssessmentType", "AssessmentLevel", "PrioritizationStatus", "DateDeleted"},
	"Event.csv":           {"EventID", "EnrollmentID", "PersonalID", "EventDate", "Event", "ReferralResult", "ResultDate", "DateDeleted"},
}

// columnsFY2024 are HUD's columns of the files this package writes, in HUD's order and notation:
// S<n> string of at most n characters, I integer, D date, T date and time. Where HUD's and
// Green River's spellings differ (ZIP, WorkPlaceViolenceThreats), the spelling of the HUD Data Lab
// sample exports is used.
var columnsFY2024 = map[string]string{
	"Export.csv": `ExportID S32, SourceType I, SourceID S32, SourceName S50, SourceContactFirst S50,
		SourceContactLast S50, SourceContactPhone S10, SourceContactExtension S5, SourceContactEmail S320,
		ExportDate T, ExportStartDate D, ExportEndDate D, SoftwareName S50, SoftwareVersion S50,
		CSVVersion S50, ExportPeriodType I, ExportDirective I, HashStatus I, ImplementationID S200`,
	"Organization.csv": `OrganizationID S32, OrganizationName S200, VictimServiceProvider I,
		OrganizationCommonName S200` + audit,
	"User.csv": `UserID S32, UserFirstName S50, UserLastName S50, UserPhone S10, UserExtension S5,
		UserEmail S320, DateCreated T, DateUpdated T, DateDeleted T, ExportID S32`,
	"Project.csv": `ProjectID S32, OrganizationID S32, ProjectName S200, ProjectCommonName S200,
		OperatingStartDate D, OperatingEndDate D, ContinuumProject I, ProjectType I, HousingType I,
		RRHSubType I, ResidentialAffiliation I, TargetPopulation I, HOPWAMedAssistedLivingFac I,
		PITCount I` + audit,
	"ProjectCoC.csv": `ProjectCoCID S32, ProjectID S32, CoCCode S6, Geocode S6, Address1 S100,
		Address2 S100, City S50, State S2, ZIP S5, GeographyType I` + audit,
	"Funder.csv": `FunderID S32, ProjectID S32, Funder I, OtherFunder S50, GrantID S100, StartDate D,
		EndDate D` + audit,
	"Inventory.csv": `InventoryID S32, ProjectID S32, CoCCode S6, HouseholdType I, Availability I,
		UnitInventory I, BedInventory I, CHVetBedInventory I, YouthVetBedInventory I, VetBedInventory I,
		CHYouthBedInventory I, YouthBedInventory I, CHBedInventory I, OtherBedInventory I, ESBedType I,
		InventoryStartDate D, InventoryEndDate D` + audit,
	"HMISParticipation.csv": `HMISParticipationID S32, ProjectID S32, HMISParticipationType I,
		HMISParticipationStatusStartDate D, HMISParticipationStatusEndDate D` + audit,
	"CEParticipation.csv": `CEParticipationID S32, ProjectID S32, AccessPoint I, PreventionAssessment I,
		CrisisAssessment I, HousingAssessment I, DirectServices I, ReceivesReferrals I,
		CEParticipationStatusStartDate D, CEParticipationStatusEndDate D` + audit,
	"Client.csv": `PersonalID S32, FirstName S50, MiddleName S50, LastName S50, NameSuffix S50,
		NameDataQuality I, SSN S9, SSNDataQuality I, DOB D, DOBDataQuality I, AmIndAKNative I, Asian I,
		BlackAfAmerican I, HispanicLatinaeo I, MidEastNAfrican I, NativeHIPacific I, White I, RaceNone I,
		AdditionalRaceEthnicity S100, Woman I, Man I, NonBinary I, CulturallySpecific I, Transgender I,
		Questioning I, DifferentIdentity I, GenderNone I, DifferentIdentityText S100, VeteranStatus I,
		YearEnteredService I, YearSeparated I, WorldWarII I, KoreanWar I, VietnamWar I, DesertStorm I,
		AfghanistanOEF I, IraqOIF I, IraqOND I, OtherTheater I, MilitaryBranch I, DischargeStatus I` + audit,
	"Enrollment.csv": enrollmentHead + `, SexualOrientation I, SexualOrientationOther S100,` +
		enrollmentMiddle + `, TranslationNeeded I, PreferredLanguage I, PreferredLanguageDifferent S100` + audit,
	"Exit.csv": `ExitID S32, EnrollmentID S32, PersonalID S32, ExitDate D, Destination I,
		DestinationSubsidyType I, OtherDestination S50, HousingAssessment I, SubsidyInformation I,
		ProjectCompletionStatus I, EarlyExitReason I, ExchangeForSex I, ExchangeForSexPastThreeMonths I,
		CountOfExchangeForSex I, AskedOrForcedToExchangeForSex I,
		AskedOrForcedToExchangeForSexPastThreeMonths I, WorkPlaceViolenceThreats I,
		WorkplacePromiseDifference I, CoercedToContinueWork I, LaborExploitPastThreeMonths I,
		CounselingReceived I, IndividualCounseling I, FamilyCounseling I, GroupCounseling I,
		SessionCountAtExit I, PostExitCounselingPlan I, SessionsInPlan I, DestinationSafeClient I,
		DestinationSafeWorker I, PosAdultConnections I, PosPeerConnections I, PosCommunityConnections I,
		AftercareDate D, AftercareProvided I, EmailSocialMedia I, Telephone I, InPersonIndividual I,
		InPersonGroup I, CMExitReason I` + audit,
	"Assessment.csv": `AssessmentID S32, EnrollmentID S32, PersonalID S32, AssessmentDate D,
		AssessmentLocation S250, AssessmentType I, AssessmentLevel I, PrioritizationStatus I` + audit,
	"Event.csv": `EventID S32, EnrollmentID S32, PersonalID S32, EventDate D, Event I,
		ProbSolDivRRResult I, ReferralCaseManageAfter I, LocationCrisisOrPHHousing S250, ReferralResult I,
		ResultDate D` + audit,
}

// columnsFY2026 are the files whose columns changed in FY2026; the others are as in FY2024.
var columnsFY2026 = map[string]string{
	"Client.csv": `PersonalID S32, FirstName S50, MiddleName S50, LastName S50, NameSuffix S50,
		NameDataQuality I, SSN S9, SSNDataQuality I, DOB D, DOBDataQuality I, Sex I, AmIndAKNative I,
		Asian I, BlackAfAmerican I, HispanicLatinao I, MidEastNAfrican I, NativeHIPacific I, White I,
		RaceNone I, AdditionalRaceEthnicity S100, VeteranStatus I, YearEnteredService I, YearSeparated I,
		WorldWarII I, KoreanWar I, VietnamWar I, DesertStorm I, AfghanistanOEF I, IraqOIF I, IraqOND I,
		OtherTheater I, MilitaryBranch I, DischargeStatus I` + audit,
	"Enrollment.csv": enrollmentHead + `,` + enrollmentMiddle + `, MentalHealthConsultation I` + audit,
	"Export.csv":     strings.Replace(columnsFY2024["Export.csv"], "SourceID S32", "SourceID S350", 1),
}

// audit are the five columns that end every record file but User.csv and Export.csv.
const audit = `, DateCreated T, DateUpdated T, UserID S32, DateDeleted T, ExportID S32`

// enrollmentHead and enrollmentMiddle are the Enrollment.csv columns common to FY2024 and FY2026,
// before and after FY2024's SexualOrientation pair.
const (
	enrollmentHead = `EnrollmentID S32, PersonalID S32, ProjectID S32, EntryDate D, HouseholdID S32,
		RelationshipToHoH I, EnrollmentCoC S6, LivingSituation I, RentalSubsidyType I, LengthOfStay I,
		LOSUnderThreshold I, PreviousStreetESSH I, DateToStreetESSH D, TimesHomelessPastThreeYears I,
		MonthsHomelessPastThreeYears I, DisablingCondition I, DateOfEngagement D, MoveInDate D,
		DateOfPATHStatus D, ClientEnrolledInPATH I, ReasonNotEnrolled I, PercentAMI I, ReferralSource I,
		CountOutreachReferralApproaches I, DateOfBCPStatus D, EligibleForRHY I, ReasonNoServices I,
		RunawayYouth I`
	enrollmentMiddle = ` FormerWardChildWelfare I, ChildWelfareYears I, ChildWelfareMonths I,
		FormerWardJuvenileJustice I, JuvenileJusticeYears I, JuvenileJusticeMonths I, UnemploymentFam I,
		MentalHealthDisorderFam I, PhysicalDisabilityFam I, AlcoholDrugUseDisorderFam I,
		InsufficientIncome I, IncarceratedParent I, VAMCStation S5, TargetScreenReqd I,
		TimeToHousingLoss I, AnnualPercentAMI I, LiteralHomelessHistory I, ClientLeaseholder I,
		HOHLeaseholder I, SubsidyAtRisk I, EvictionHistory I, CriminalRecord I, IncarceratedAdult I,
		PrisonDischarge I, SexOffender I, DisabledHoH I, CurrentPregnant I, SingleParent I,
		DependentUnder6 I, HH5Plus I, CoCPrioritized I, HPScreeningScore I, ThresholdScore I`
)

// column is one column of a HUD file and its HUD type: 'S' string, 'I' integer, 'D' date,
// 'T' date and time; max is a string's maximum length in characters.
type column struct {
	name string
	kind byte
	max  int
}

// columnsOf returns HUD's columns of file in version, in order.
func columnsOf(version, file string) ([]column, error) {
	spec, ok := columnsFY2024[file]
	switch version {
	case FY2024:
	case FY2026:
		if s, changed := columnsFY2026[file]; changed {
			spec = s
		}
	default:
		return nil, fmt.Errorf("HMIS CSV version %q: want %s or %s", version, FY2024, FY2026)
	}
	if !ok {
		return nil, fmt.Errorf("%s: not a file this package writes", file)
	}
	var cols []column
	for _, f := range strings.Split(spec, ",") {
		name, typ, _ := strings.Cut(strings.TrimSpace(f), " ")
		size, _ := strconv.Atoi(typ[1:])
		cols = append(cols, column{name: name, kind: typ[0], max: size})
	}
	return cols, nil
}

// codeCheck is a column of HUD codes: its list, and whether HUD lets it be empty.
type codeCheck struct {
	column   string
	codes    []int
	nullable bool
}

// unusedCodes are the coded columns Doorway requires in a file's header but does not use. Their
// codes are checked all the same, so that the HMIS team learns of the ones that are not HUD's;
// each is only a warning.
var unusedCodes = map[string][]codeCheck{
	"Organization.csv": {{"VictimServiceProvider", []int{0, 1}, false}},
	"Project.csv": {{"HousingType", []int{1, 2, 3}, true}, {"RRHSubType", []int{1, 2}, true},
		{"TargetPopulation", []int{1, 3, 4}, false}},
	"CEParticipation.csv": {{"AccessPoint", []int{0, 1}, false}},
	"Client.csv":          {{"DOBDataQuality", []int{1, 2, 8, 9, 99}, false}},
	"Enrollment.csv":      {{"DisablingCondition", []int{0, 1, 8, 9, 99}, false}},
	"Assessment.csv":      {{"AssessmentType", []int{1, 2, 3}, false}, {"AssessmentLevel", []int{1, 2}, false}},
}
