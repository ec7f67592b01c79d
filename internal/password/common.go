package password

import (
	"strings"
	"unicode"

	"github.com/trustelem/zxcvbn"
)

// minGuesses is the estimated number of guesses below which a password is refused as common:
// zxcvbn's score 2 ("somewhat guessable") starts at a million.
const minGuesses = 1e6

// judged is how many characters of a password Common looks at. zxcvbn's matching grows much faster
// than the length (a 300-character password takes seconds, 1,000 minutes), so a long password is
// judged by its start: a guessable start with more after it is still refused, a strong start makes
// the rest no weaker.
const judged = 64

// Common reports whether a password is one of the common passwords, or a simple variation of one
// (a word of the list with digits added, letters swapped for look-alike symbols, a repeat, a
// sequence such as 123456789012, a keyboard walk), or is made of the account's own details
// (userInputs: its email, its name). The lists and the estimate are zxcvbn's (Dropbox's password
// strength estimator, ported to Go by Trustelem, MIT licence): its common-password list is the
// 30,000 most frequent passwords of a corpus of 10 million leaked ones, beside English words,
// names and television and film vocabulary.
func Common(password string, userInputs ...string) bool {
	if r := []rune(password); len(r) > judged {
		password = string(r[:judged])
	}
	return zxcvbn.PasswordStrength(password, words(userInputs)).Guesses < minGuesses
}

// words is each of the inputs, and each word in it ("harper", "staff", "harbor" of
// harper.staff@harbor.test), as zxcvbn's dictionary of the account's own details.
func words(inputs []string) []string {
	var list []string
	for _, in := range inputs {
		in = strings.ToLower(in)
		list = append(list, in)
		list = append(list, strings.FieldsFunc(in, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })...)
	}
	return list
}
