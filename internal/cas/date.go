package cas

import "time"

// Date is a calendar day written "2006-01-02": reservation and expected-return dates are days, not
// moments, as HMIS records them.
type Date string

const dateLayout = "2006-01-02"

// ParseDate checks a day written YYYY-MM-DD; the error names field.
func ParseDate(field, s string) (Date, error) {
	t, err := time.Parse(dateLayout, s)
	if err != nil {
		return "", Invalid(field, "%s must be a date written YYYY-MM-DD, not %q", field, s)
	}
	return Date(t.Format(dateLayout)), nil
}

// DateOf returns the day t falls on in loc.
func DateOf(t time.Time, loc *time.Location) Date { return Date(t.In(loc).Format(dateLayout)) }

// Start returns the first moment of the day in loc.
func (d Date) Start(loc *time.Location) time.Time {
	t, _ := time.ParseInLocation(dateLayout, string(d), loc)
	return t
}

// AddDays returns the day n days after d.
func (d Date) AddDays(n int) Date {
	t, _ := time.Parse(dateLayout, string(d))
	return Date(t.AddDate(0, 0, n).Format(dateLayout))
}
