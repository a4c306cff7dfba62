package auth

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/fieldportal/fieldportal"
)

// Bounds of PasswordPolicy.MinLength. The floor also applies to a policy
// that was never validated, so a zero or corrupt setting cannot let a
// one-character password through.
const (
	MinLengthFloor   = 8
	MinLengthCeiling = 128
)

// PasswordPolicy is the organisation's password rule set (SPEC §3), kept
// in its settings as fieldportal.PasswordPolicy; this type adds the
// checking. Convert with auth.PasswordPolicy(settings.PasswordPolicy).
type PasswordPolicy fieldportal.PasswordPolicy

// DefaultPasswordPolicy returns the policy of a new organisation: at
// least 10 characters with a digit, an upper- and a lower-case letter,
// and not one of the 10,000 most common passwords.
func DefaultPasswordPolicy() PasswordPolicy {
	return PasswordPolicy(fieldportal.DefaultPasswordPolicy())
}

// Validate checks the policy itself, as an administrator edits it, and
// returns an EINVALID *fieldportal.Error on the field "min_length".
func (p PasswordPolicy) Validate() error {
	if p.MinLength < MinLengthFloor || p.MinLength > MinLengthCeiling {
		return fieldportal.FieldErrorf("min_length",
			"Minimum password length must be between %d and %d characters.", MinLengthFloor, MinLengthCeiling)
	}
	return nil
}

// Check returns nil when password satisfies the policy, else an EINVALID
// *fieldportal.Error on the field "password" whose message names every
// rule that failed, so the user can fix them all in one go. personal holds
// what the user is known by (username, email, name): the password may not
// equal any non-empty one of them, whatever the case.
func (p PasswordPolicy) Check(password string, personal ...string) error {
	var failed []string
	if n := p.minLength(); utf8.RuneCountInString(password) < n {
		failed = append(failed, fmt.Sprintf("be at least %d characters long", n))
	}
	if p.RequireDigit && !strings.ContainsFunc(password, unicode.IsDigit) {
		failed = append(failed, "contain a digit")
	}
	if p.RequireUpper && !strings.ContainsFunc(password, unicode.IsUpper) {
		failed = append(failed, "contain an upper-case letter")
	}
	if p.RequireLower && !strings.ContainsFunc(password, unicode.IsLower) {
		failed = append(failed, "contain a lower-case letter")
	}
	if p.RejectCommon && DefaultCommonList().Contains(password) {
		failed = append(failed, "not be one of the most common passwords")
	}
	if isPersonal(password, personal) {
		failed = append(failed, "not be your name, username or email address")
	}
	if len(failed) == 0 {
		return nil
	}
	return fieldportal.FieldErrorf("password", "Password must %s.", joinWords(failed))
}

// Describe states the policy in words, e.g. "At least 10 characters,
// including a digit, an upper-case letter and a lower-case letter. Not one
// of the most common passwords, nor your name, username or email address."
func (p PasswordPolicy) Describe() string {
	var with []string
	if p.RequireDigit {
		with = append(with, "a digit")
	}
	if p.RequireUpper {
		with = append(with, "an upper-case letter")
	}
	if p.RequireLower {
		with = append(with, "a lower-case letter")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "At least %d characters", p.minLength())
	if len(with) > 0 {
		fmt.Fprintf(&b, ", including %s", joinWords(with))
	}
	if p.RejectCommon {
		b.WriteString(". Not one of the most common passwords, nor your name, username or email address.")
	} else {
		b.WriteString(". Not your name, username or email address.")
	}
	return b.String()
}

// minLength is MinLength raised to the floor.
func (p PasswordPolicy) minLength() int {
	return max(p.MinLength, MinLengthFloor)
}

// isPersonal reports whether password equals one of the non-empty
// personal strings, ignoring case and surrounding spaces of the latter.
func isPersonal(password string, personal []string) bool {
	for _, s := range personal {
		if s = strings.TrimSpace(s); s != "" && strings.EqualFold(password, s) {
			return true
		}
	}
	return false
}

// joinWords joins phrases as an English list: "a", "a and b", "a, b and c".
func joinWords(phrases []string) string {
	if len(phrases) < 2 {
		return strings.Join(phrases, "")
	}
	return strings.Join(phrases[:len(phrases)-1], ", ") + " and " + phrases[len(phrases)-1]
}
