package password

import "github.com/trustelem/zxcvbn"

// minGuesses is the estimated number of guesses below which a password is refused as common:
// zxcvbn's score 2 ("somewhat guessable") starts at a million.
const minGuesses = 1e6

// Common reports whether a password is one of the common passwords, or a simple variation of one
// (a word of the list with digits added, letters swapped for look-alike symbols, a repeat, a
// sequence such as 123456789012, a keyboard walk), or is made of the account's own details
// (userInputs: its email, its name). The lists and the estimate are zxcvbn's (Dropbox's password
// strength estimator, ported to Go by Trustelem, MIT licence): its common-password list is the
// 30,000 most frequent passwords of Mark Burnett's 10 million password corpus, beside English
// words, names and television and film vocabulary.
func Common(password string, userInputs ...string) bool {
	return zxcvbn.PasswordStrength(password, userInputs).Guesses < minGuesses
}
