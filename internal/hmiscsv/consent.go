package hmiscsv

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/store"
)

// ConsentListColumns are the columns of a consent list, in order; ExpirationDate may be left out.
var ConsentListColumns = []string{"PersonalID", "ConsentDate", "ExpirationDate"}

// maxConsentLine bounds one line of a consent list, so a broken file cannot fill memory.
const maxConsentLine = 4096

// ReadConsentList reads a consent list: a CSV file that records, for clients in the HMIS, the day
// each signed a release of information and, optionally, the last day it holds. Its header is
// PersonalID,ConsentDate,ExpirationDate (the last column optional, the columns in any order);
// dates are written YYYY-MM-DD, as HUD's files write them. Blank lines are skipped. name is how
// problems name the file. It reads the whole list and reports every problem, by line and column,
// or none: a list with a problem is not used at all.
func ReadConsentList(name string, r io.Reader) ([]store.ConsentRecord, error) {
	data, err := io.ReadAll(io.LimitReader(r, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	var problems []string
	bad := func(line int, column, format string, args ...any) {
		where := fmt.Sprintf("%s line %d", name, line)
		if column != "" {
			where += ", column " + column
		}
		problems = append(problems, where+": "+fmt.Sprintf(format, args...))
	}
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, consentListError(name, []string{name + ": the file is empty; its first line names the columns " + strings.Join(ConsentListColumns, ",")})
	}
	if err != nil {
		return nil, consentListError(name, []string{fmt.Sprintf("%s line 1: %v", name, err)})
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.TrimSpace(h)
		if !slices.Contains(ConsentListColumns, h) {
			bad(1, h, "unknown column; want %s", strings.Join(ConsentListColumns, ","))
			continue
		}
		col[h] = i
	}
	for _, need := range ConsentListColumns[:2] {
		if _, ok := col[need]; !ok {
			bad(1, need, "the column is missing")
		}
	}
	if len(problems) > 0 {
		return nil, consentListError(name, problems)
	}
	field := func(rec []string, name string) string {
		if i, ok := col[name]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	var records []store.ConsentRecord
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if pe, ok := errors.AsType[*csv.ParseError](err); ok {
			// A quote left open at the end of the list gives no record to ask the line of.
			bad(pe.StartLine, "", "%v", pe.Err)
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if len(strings.Join(rec, ",")) > maxConsentLine {
			bad(line, "", "the line is longer than %d characters", maxConsentLine)
			continue
		}
		if i := slices.IndexFunc(rec, func(f string) bool { return strings.IndexByte(f, 0) >= 0 || !utf8.ValidString(f) }); i >= 0 {
			column := fmt.Sprintf("%d", i+1)
			if i < len(header) {
				column = strings.TrimSpace(header[i])
			}
			bad(line, column, "the field holds a NUL byte or text that is not UTF-8: save the list as \"CSV UTF-8\"")
			continue
		}
		r := store.ConsentRecord{HMISPersonalID: field(rec, "PersonalID"), ConsentDate: cas.Date(field(rec, "ConsentDate")),
			ExpiresOn: cas.Date(field(rec, "ExpirationDate")), Where: fmt.Sprintf("%s line %d", name, line)}
		switch {
		case r.HMISPersonalID == "":
			bad(line, "PersonalID", "the PersonalID is missing")
		case r.ConsentDate == "":
			bad(line, "ConsentDate", "the consent date is missing")
		default:
			ok := true
			for i, d := range []cas.Date{r.ConsentDate, r.ExpiresOn} {
				if _, err := cas.ParseDate("date", string(d)); d != "" && err != nil {
					bad(line, ConsentListColumns[i+1], "%q is not a date written YYYY-MM-DD", d)
					ok = false
				}
			}
			if ok {
				records = append(records, r)
			}
		}
	}
	if len(problems) > 0 {
		return nil, consentListError(name, problems)
	}
	if len(records) == 0 {
		return nil, consentListError(name, []string{name + ": the list names no client"})
	}
	return records, nil
}

func consentListError(name string, problems []string) error {
	return &cas.Error{Code: cas.EInvalid, Field: "consent", Details: problems,
		Message: fmt.Sprintf("the consent list %s has %d problems, so none of it was used: %s", name, len(problems), strings.Join(problems, "; "))}
}
