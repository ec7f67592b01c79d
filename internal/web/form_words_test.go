package web

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

func TestFormWords(t *testing.T) {
	page := []byte(`<p class="error" role="alert">unit_ids: pick at least one unit</p>
<form method="post" action="/a"><label for="a-starts_on">Starts <span class="muted">(YYYY-MM-DD)</span></label><input id="a-starts_on" name="starts_on">
<label for="a-expires_on">Ends:</label><input id="a-expires_on" name="expires_on">
<span class="field-error" id="expires_on-error">expires_on must not be before starts_on</span></form>
<form method="post" action="/b"><label for="reason_code">Reason</label><select id="reason_code" name="reason_code"></select>
<label for="note">Note <span class="muted">(required when the reason is Other)</span></label><textarea id="note" name="note"></textarea>
<fieldset><legend>Units whose inventory is wrong</legend><label><input type="checkbox" name="unit_ids" value="1"> Apt 1</label></fieldset>
<span class="field-error" id="reason_code-error">unknown reason_code &#34;x&#34;: want one of client_refused, other</span>
<span class="field-error" id="note-error">note is required when reason_code is other</span></form>
<p>reason_code stays as it is outside an error message</p>`)
	got := string(formWords(page))
	for _, want := range []string{
		`<span class="field-error" id="expires_on-error">Ends must not be before Starts</span>`,
		`<span class="field-error" id="reason_code-error">unknown Reason &#34;x&#34;: want one of client refused, other</span>`,
		`<span class="field-error" id="note-error">Note is required when Reason is other</span>`,
		`<p class="error" role="alert">Units whose inventory is wrong: pick at least one unit</p>`,
		`<p>reason_code stays as it is outside an error message</p>`,
		`<label for="a-starts_on">Starts <span class="muted">(YYYY-MM-DD)</span></label><input id="a-starts_on" name="starts_on">`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("lacks %s:\n%s", want, got)
		}
	}
	if fl := readFormLabels(page); len(fl.unlabelled) != 0 {
		t.Errorf("unlabelled: %v", fl.unlabelled)
	}
	if fl := readFormLabels([]byte(`<form><input name="q"></form>`)); len(fl.unlabelled) != 1 {
		t.Errorf("a control without a label is not reported: %v", fl.unlabelled)
	}
}

// apiWord finds a field name as the API writes it in a page's error messages.
var apiWord = regexp.MustCompile(`class="(?:field-)?error[^"]*"[^>]*>[^<]*\b[a-z]+_[a-z_]+\b`)

func TestRefusedFormsSpeakTheFormsWords(t *testing.T) {
	c := newAgencyCoC(t)
	harbor := c.as(t, "harbor@coc.test")
	for _, tc := range []struct {
		what, path string
		form       url.Values
		want       string
	}{
		{"a decline without a reason", "/referrals/" + c.janeRef.ID + "/decline", url.Values{"confirm": {"yes"}}, "Reason is required"},
		{"a reservation that ends before it starts", "/units/" + c.apt2.ID + "/reserve",
			url.Values{"client_name": {"Lee Poe"}, "starts_on": {"2026-12-10"}, "expires_on": {"2026-12-01"}}, "Until must not be before From"},
	} {
		status, _, body := harbor.postForm(tc.path, tc.form)
		if status != http.StatusBadRequest || !strings.Contains(body, tc.want) {
			t.Errorf("%s: %d, want 400 saying %q:\n%s", tc.what, status, tc.want, body)
		}
		if m := apiWord.FindString(body); m != "" {
			t.Errorf("%s: a message speaks the API: %s", tc.what, m)
		}
	}
}
