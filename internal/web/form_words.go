package web

import (
	"bytes"
	"cmp"
	"html"
	"regexp"
	"slices"
	"strings"

	htmlparse "golang.org/x/net/html"
)

// Messages on a page speak the form's words. The services name fields as the API does
// ("reason_code is required", "expires_on must not be before starts_on"); a person reads the
// labels of the form in front of them. formWords does that for every page in one place, from the
// page as rendered: it reads each form's labels (a control's <label>, or the <legend> of its
// fieldset for a group of checkboxes or radio buttons), then rewrites, in every error message of
// the page, each field name of the message's form into its label ("Reason is required", "Until
// must not be before From"). A field name the form does not show is written in plain words
// ("client_refused" becomes "client refused"). An error message is an element whose class is
// error, field-error or error-message; a field-error's id names its field ("reason_code-error").

// fieldToken is a name as the API writes it: snake_case, or a path into an object
// ("requirements.min_age", "items[2].client_id").
var fieldToken = regexp.MustCompile(`[A-Za-z][A-Za-z0-9]*(?:(?:_|\.|\[\d+\]\.?)[A-Za-z0-9]+)+`)

// formLabels are the labels of the controls of each form of a page, by control name; index 0
// holds the controls outside any form, and every control of the page is in page.
type formLabels struct {
	forms []map[string]string
	page  map[string]string
	// unlabelled lists the names of controls that have no label, for the test that every form
	// of every page names its fields.
	unlabelled []string
}

// readFormLabels reads the labels of every form of a rendered page.
func readFormLabels(page []byte) formLabels {
	fl := formLabels{forms: []map[string]string{{}}, page: map[string]string{}}
	type control struct {
		form     int
		id, name string
		// group is the legend of its fieldset, for checkboxes and radio buttons; own the label
		// around it, or its aria-label.
		group, own string
	}
	var controls []control
	labelFor := map[string]string{}
	form := 0
	var legend, label strings.Builder
	inLegend, inLabel := false, false
	labelTarget, wrapped := "", []int(nil)
	hint := 0 // depth inside a hint (class muted) of a label or legend, which is not its name
	z := htmlparse.NewTokenizer(bytes.NewReader(page))
	for tt := z.Next(); tt != htmlparse.ErrorToken; tt = z.Next() {
		tok := z.Token()
		attr := func(key string) string {
			for _, a := range tok.Attr {
				if a.Key == key {
					return a.Val
				}
			}
			return ""
		}
		switch {
		case tt == htmlparse.StartTagToken || tt == htmlparse.SelfClosingTagToken:
			switch tok.Data {
			case "form":
				fl.forms = append(fl.forms, map[string]string{})
				form = len(fl.forms) - 1
			case "fieldset":
				legend.Reset()
			case "legend":
				inLegend = true
			case "label":
				inLabel, labelTarget, wrapped = true, attr("for"), nil
				label.Reset()
			case "input", "select", "textarea":
				typ := attr("type")
				if attr("name") == "" || typ == "hidden" || typ == "submit" || typ == "button" {
					break
				}
				c := control{form: form, id: attr("id"), name: attr("name"), own: attr("aria-label")}
				if typ == "checkbox" || typ == "radio" {
					c.group = cleanLabel(legend.String())
				}
				if inLabel {
					wrapped = append(wrapped, len(controls))
				}
				controls = append(controls, c)
			case "span", "small":
				if hint > 0 || strings.Contains(" "+attr("class")+" ", " muted ") {
					hint++
				}
			}
		case tt == htmlparse.EndTagToken:
			switch tok.Data {
			case "form":
				form = 0
			case "legend":
				inLegend = false
			case "label":
				inLabel = false
				text := cleanLabel(label.String())
				if labelTarget != "" {
					labelFor[labelTarget] = text
				}
				for _, i := range wrapped {
					controls[i].own = cmp.Or(text, controls[i].own)
				}
			case "span", "small":
				if hint > 0 {
					hint--
				}
			}
		case tt == htmlparse.TextToken && hint == 0:
			if inLegend {
				legend.WriteString(tok.Data)
			}
			if inLabel {
				label.WriteString(tok.Data)
			}
		}
	}
	for _, c := range controls {
		name := cmp.Or(c.group, labelFor[c.id], c.own)
		if name == "" {
			if !slices.Contains(fl.unlabelled, c.name) {
				fl.unlabelled = append(fl.unlabelled, c.name)
			}
			continue
		}
		if _, ok := fl.forms[c.form][c.name]; !ok {
			fl.forms[c.form][c.name] = name
		}
		if _, ok := fl.page[c.name]; !ok {
			fl.page[c.name] = name
		}
	}
	return fl
}

// cleanLabel is a label's words: spaces collapsed, and no colon or asterisk at the end.
func cleanLabel(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return strings.TrimRight(s, ":* ")
}

// words rewrites a message in the words of a form: its field names become their labels.
func (fl formLabels) words(msg string, form int, field string) string {
	labels := fl.page
	if form > 0 && form < len(fl.forms) {
		labels = fl.forms[form]
	}
	label := func(name string) (string, bool) {
		if l, ok := labels[name]; ok {
			return l, true
		}
		l, ok := fl.page[name]
		return l, ok
	}
	out := fieldToken.ReplaceAllStringFunc(msg, func(tok string) string {
		if l, ok := label(tok); ok {
			return l
		}
		return strings.NewReplacer("_", " ", ".", " ").Replace(tok)
	})
	// A message that opens with its own field's name ("note is required"), a plain word the
	// pattern above leaves alone, opens with its label.
	if field != "" {
		if l, ok := label(field); ok {
			if rest, found := strings.CutPrefix(out, field+" "); found {
				out = l + " " + rest
			}
		}
	}
	return out
}

// isErrorMessage says whether an element's class marks it as an error message.
func isErrorMessage(class string) bool {
	for _, c := range strings.Fields(class) {
		if c == "error" || c == "field-error" || c == "error-message" {
			return true
		}
	}
	return false
}

// formWords rewrites the error messages of a rendered page in the words of their forms; the rest
// of the page is left byte for byte as it was.
func formWords(page []byte) []byte {
	if !bytes.Contains(page, []byte("error")) {
		return page
	}
	fl := readFormLabels(page)
	var out bytes.Buffer
	out.Grow(len(page))
	z := htmlparse.NewTokenizer(bytes.NewReader(page))
	forms, form := 0, 0 // the forms begun so far, and the one the tokenizer is in (0: none)
	// The open error message: its tag, its field, and how deep inside it the tokenizer is.
	inError, depth, field := "", 0, ""
	for {
		tt := z.Next()
		if tt == htmlparse.ErrorToken {
			break
		}
		raw := z.Raw()
		switch tt {
		case htmlparse.StartTagToken:
			name, hasAttr := z.TagName()
			tag := string(name)
			if tag == "form" {
				forms++
				form = forms
			}
			if inError != "" {
				if tag == inError {
					depth++
				}
				break
			}
			var class, id string
			for hasAttr {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				switch string(k) {
				case "class":
					class = string(v)
				case "id":
					id = string(v)
				}
			}
			if isErrorMessage(class) {
				inError, depth, field = tag, 1, strings.TrimSuffix(id, "-error")
			}
		case htmlparse.EndTagToken:
			name, _ := z.TagName()
			if string(name) == "form" {
				form = 0
			}
			if inError != "" && string(name) == inError {
				if depth--; depth == 0 {
					inError = ""
				}
			}
		case htmlparse.TextToken:
			if inError != "" {
				msg := html.UnescapeString(string(raw))
				lead := msg[:len(msg)-len(strings.TrimLeft(msg, " \t\n"))]
				out.WriteString(lead + html.EscapeString(fl.words(strings.TrimLeft(msg, " \t\n"), form, field)))
				continue
			}
		}
		out.Write(raw)
	}
	return out.Bytes()
}
