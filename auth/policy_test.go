package auth_test

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/auth"
)

// passwordError is the error Check returns with message msg.
func passwordError(msg string) error {
	return fieldportal.FieldErrorf("password", "%s", msg)
}

func TestPasswordPolicyCheck(t *testing.T) {
	def := auth.DefaultPasswordPolicy()
	tests := []struct {
		name     string
		policy   auth.PasswordPolicy
		password string
		want     error
	}{
		{"good", def, "Plumbing-Van-42", nil},
		{"exactly min length", def, "Abcdefgh1!", nil},
		{"length alone", def, "Abcdefg1!", passwordError("Password must be at least 10 characters long.")},
		{"digit alone", def, "Abcdefghijk", passwordError("Password must contain a digit.")},
		{"upper alone", def, "abcdefghij1", passwordError("Password must contain an upper-case letter.")},
		{"lower alone", def, "ABCDEFGHIJ1", passwordError("Password must contain a lower-case letter.")},
		{"common alone", def, "Password123", passwordError("Password must not be one of the most common passwords.")},
		{"two rules", def, "abcdefghij", passwordError("Password must contain a digit and contain an upper-case letter.")},
		{"three rules", def, "abc", passwordError(
			"Password must be at least 10 characters long, contain a digit and contain an upper-case letter.")},
		{"empty", def, "", passwordError(
			"Password must be at least 10 characters long, contain a digit, contain an upper-case letter and contain a lower-case letter.")},
		{"short and common", def, "password", passwordError(
			"Password must be at least 10 characters long, contain a digit, contain an upper-case letter and not be one of the most common passwords.")},
		{"length counts runes not bytes", def, "Ääääääää1Ö", nil},
		{"nine runes of two bytes", def, "Ääääääää1", passwordError("Password must be at least 10 characters long.")},
		{"non-latin letters count", def, "ÉCOLE-école-7", nil},
		{"digit not required", auth.PasswordPolicy{MinLength: 10, RequireUpper: true, RequireLower: true}, "Abcdefghijk", nil},
		{"common allowed", auth.PasswordPolicy{MinLength: 8}, "password", nil},
		{"common only", auth.PasswordPolicy{MinLength: 8, RejectCommon: true}, "password", passwordError(
			"Password must not be one of the most common passwords.")},
		{"common ignores case", auth.PasswordPolicy{MinLength: 8, RejectCommon: true}, "PaSsWoRd", passwordError(
			"Password must not be one of the most common passwords.")},
		{"zero policy keeps the floor", auth.PasswordPolicy{}, "Ab1", passwordError("Password must be at least 8 characters long.")},
		{"zero policy", auth.PasswordPolicy{}, "aaaaaaaa", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.policy.Check(tt.password)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Check(%q) (-want +got):\n%s", tt.password, diff)
			}
		})
	}
}

func TestPasswordPolicyCheckPersonal(t *testing.T) {
	personal := []string{"Plumber-Van-42", "Van.Plumber42@example.com", "", "  Bob Builder42  "}
	notPersonal := passwordError("Password must not be your name, username or email address.")
	tests := []struct {
		name     string
		password string
		personal []string
		want     error
	}{
		{"username", "Plumber-Van-42", personal, notPersonal},
		{"username other case", "pLUMBER-vAN-42", personal, notPersonal},
		{"email", "Van.Plumber42@Example.COM", personal, notPersonal},
		{"name, trimmed", "Bob Builder42", personal, notPersonal},
		{"contains but not equal", "Plumber-Van-42!", personal, nil},
		{"no personal data", "Plumber-Van-42", nil, nil},
		{"empty and blank entries ignored", "Plumber-Van-42", []string{"", "   "}, nil},
		{"with other rules", "bob builder", []string{"Bob Builder"}, passwordError(
			"Password must contain a digit, contain an upper-case letter and not be your name, username or email address.")},
	}
	policy := auth.DefaultPasswordPolicy()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := policy.Check(tt.password, tt.personal...)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Check(%q, %q) (-want +got):\n%s", tt.password, tt.personal, diff)
			}
		})
	}
}

func TestPasswordPolicyCheckErrorCode(t *testing.T) {
	err := auth.DefaultPasswordPolicy().Check("short")
	if got := fieldportal.ErrorCode(err); got != fieldportal.EINVALID {
		t.Errorf("ErrorCode = %q, want %q", got, fieldportal.EINVALID)
	}
}

func TestPasswordPolicyValidate(t *testing.T) {
	outOfRange := fieldportal.FieldErrorf("min_length", "Minimum password length must be between 8 and 128 characters.")
	tests := []struct {
		name      string
		minLength int
		want      error
	}{
		{"zero", 0, outOfRange},
		{"negative", -1, outOfRange},
		{"below floor", 7, outOfRange},
		{"floor", 8, nil},
		{"default", 10, nil},
		{"ceiling", 128, nil},
		{"above ceiling", 129, outOfRange},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := auth.DefaultPasswordPolicy()
			p.MinLength = tt.minLength
			if diff := cmp.Diff(tt.want, p.Validate()); diff != "" {
				t.Errorf("Validate (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPasswordPolicyDescribe(t *testing.T) {
	tests := []struct {
		name   string
		policy auth.PasswordPolicy
		want   string
	}{
		{"default", auth.DefaultPasswordPolicy(),
			"At least 10 characters, including a digit, an upper-case letter and a lower-case letter. " +
				"Not one of the most common passwords, nor your name, username or email address."},
		{"length only", auth.PasswordPolicy{MinLength: 12},
			"At least 12 characters. Not your name, username or email address."},
		{"one class", auth.PasswordPolicy{MinLength: 8, RequireDigit: true},
			"At least 8 characters, including a digit. Not your name, username or email address."},
		{"two classes and common", auth.PasswordPolicy{MinLength: 9, RequireUpper: true, RequireLower: true, RejectCommon: true},
			"At least 9 characters, including an upper-case letter and a lower-case letter. " +
				"Not one of the most common passwords, nor your name, username or email address."},
		{"zero policy states the floor", auth.PasswordPolicy{},
			"At least 8 characters. Not your name, username or email address."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, tt.policy.Describe()); diff != "" {
				t.Errorf("Describe (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPasswordPolicyJSON(t *testing.T) {
	const want = `{"min_length":10,"require_digit":true,"require_upper":true,"require_lower":true,"reject_common":true}`
	b, err := json.Marshal(auth.DefaultPasswordPolicy())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, string(b)); diff != "" {
		t.Errorf("Marshal (-want +got):\n%s", diff)
	}
	var back auth.PasswordPolicy
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(auth.DefaultPasswordPolicy(), back); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
}
