package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/doorway-cas/doorway/internal/cas"
)

// Every piece of text a request carries (a JSON string, a form field, a query parameter, a path
// segment) is checked here, where it is decoded, before any handler sees it: text must be UTF-8
// and must not hold the NUL character. PostgreSQL refuses both (SQLite would store them), so
// without this check they would fail deep in a transaction as an internal error on one database
// and pass silently on the other.

// maxFormBody bounds a form post of the web UI (uploads set their own bounds).
const maxFormBody = 1 << 20

// textProblem says what is wrong with a piece of text a request carries, or "" when nothing is.
func textProblem(s string) string {
	switch {
	case strings.IndexByte(s, 0) >= 0:
		return "must not contain the NUL character"
	case !utf8.ValidString(s):
		return "must be UTF-8 text"
	}
	return ""
}

// checkValues reports the first key or value of a query string or form that is not acceptable
// text, naming it.
func checkValues(vals url.Values) error {
	for _, k := range slices.Sorted(maps.Keys(vals)) {
		if p := textProblem(k); p != "" {
			name := strings.ToValidUTF8(strings.ReplaceAll(k, "\x00", ""), "?")
			return cas.Invalid(name, "%s: a field's name %s", name, p)
		}
		for _, v := range vals[k] {
			if p := textProblem(v); p != "" {
				return cas.Invalid(k, "%s %s", k, p)
			}
		}
	}
	return nil
}

var wildcard = regexp.MustCompile(`\{([A-Za-z_]+)(?:\.\.\.)?\}`)

// checkedInput checks the text of a request to a route of kind at path before h sees it: the
// path's wildcards, the query and, for a page's form post, the form, which it reads (up to
// maxFormBody) so that handlers find it parsed. An API route's body is JSON whatever its type
// says (decodeJSON), and is checked as it is decoded.
func checkedInput(kind routeKind, path string, h handlerFunc) handlerFunc {
	var names []string
	for _, m := range wildcard.FindAllStringSubmatch(path, -1) {
		names = append(names, m[1])
	}
	return func(w http.ResponseWriter, r *http.Request) error {
		for _, name := range names {
			if p := textProblem(r.PathValue(name)); p != "" {
				return cas.Invalid(name, "%s %s", name, p)
			}
		}
		if err := checkValues(r.URL.Query()); err != nil {
			return err
		}
		if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); kind == ui && mt == formType && r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
			if err := r.ParseForm(); err != nil {
				return bodyError(err, maxFormBody, "the form could not be read")
			}
			if err := checkValues(r.PostForm); err != nil {
				return err
			}
		}
		return h(w, r)
	}
}

// parseUpload reads a multipart form of at most limit bytes and checks its text fields (the files
// are checked by their readers); limit is said in the error in words, such as "16 MB".
func parseUpload(w http.ResponseWriter, r *http.Request, limit int64) error {
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	if err := r.ParseMultipartForm(32 << 20); err != nil {
		return bodyError(err, limit, "the upload could not be read")
	}
	return checkValues(r.MultipartForm.Value)
}

// unreadableUpload says parseUpload's error is an upload that is not a multipart form, which its
// page explains beside the file field; a field's text and a body too large are errors of their own.
func unreadableUpload(err error) bool {
	e := cas.ErrorOf(err)
	return e != nil && e.Code == cas.EInvalid && e.Field == ""
}

// bodyError is the error for a request body that could not be read: too_large (413) when it
// passed limit, invalid otherwise.
func bodyError(err error, limit int64, unreadable string) error {
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return cas.Errorf(cas.ETooLarge, "the request body is larger than %s", byteSize(limit))
	}
	return cas.Errorf(cas.EInvalid, "%s: %v", unreadable, err)
}

// byteSize says a bound in whole megabytes or kilobytes.
func byteSize(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

// firstBadValue returns the path of the first value of a JSON document that no request may hold
// ("requirements.min_age", "items[2].client_id") and what is wrong with it: a null (the API
// document allows null nowhere in a request: a field is sent with a value, or left out), or a
// string or key that is not acceptable text. It returns "" when there is none, or when the
// document is not JSON (the decoder reports that).
func firstBadValue(raw []byte) (path, problem string) {
	type frame struct {
		array   bool
		key     string
		index   int
		wantKey bool
	}
	var stack []frame
	pathOf := func(depth int) string {
		var b strings.Builder
		for _, f := range stack[:depth] {
			switch {
			case f.array:
				fmt.Fprintf(&b, "[%d]", f.index)
			case b.Len() == 0:
				b.WriteString(f.key)
			default:
				b.WriteString("." + f.key)
			}
		}
		return b.String()
	}
	valueDone := func() {
		if len(stack) == 0 {
			return
		}
		if top := &stack[len(stack)-1]; top.array {
			top.index++
		} else {
			top.wantKey = true
		}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	for {
		start := dec.InputOffset()
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return "", ""
		}
		if err != nil {
			// A raw NUL inside a string is not JSON, but it is the NUL the sender meant to send.
			if syntax, ok := errors.AsType[*json.SyntaxError](err); ok && strings.Contains(syntax.Error(), `'\x00'`) {
				depth := len(stack)
				if depth > 0 && !stack[depth-1].array && stack[depth-1].wantKey {
					depth--
				}
				return pathOf(depth), "must not contain the NUL character"
			}
			return "", ""
		}
		segment := raw[start:dec.InputOffset()]
		if len(stack) > 0 && !stack[len(stack)-1].array && stack[len(stack)-1].wantKey {
			top := &stack[len(stack)-1]
			if d, ok := tok.(json.Delim); ok && d == '}' {
				stack = stack[:len(stack)-1]
				valueDone()
				continue
			}
			top.key, top.wantKey = tok.(string), false
			if p := stringProblem(segment, top.key); p != "" {
				top.key = strings.ReplaceAll(top.key, "\x00", "") // the decoder made bytes that are not UTF-8 U+FFFD
				return pathOf(len(stack)), "a field's name " + p
			}
			continue
		}
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case '{':
				stack = append(stack, frame{wantKey: true})
			case '[':
				stack = append(stack, frame{array: true})
			default:
				stack = stack[:len(stack)-1]
				valueDone()
			}
			continue
		case nil:
			if len(stack) == 0 {
				return "", "" // the decoder reports a body that is not an object
			}
			return pathOf(len(stack)), "must not be null: leave it out instead"
		case string:
			if p := stringProblem(segment, v); p != "" && len(stack) > 0 {
				return pathOf(len(stack)), p
			}
		}
		valueDone()
	}
}

// stringProblem is textProblem for a JSON string: the decoder turns bytes that are not UTF-8 into
// U+FFFD, so they are looked for in the raw text it came from.
func stringProblem(raw []byte, decoded string) string {
	if !utf8.Valid(raw) {
		return "must be UTF-8 text"
	}
	return textProblem(decoded)
}
