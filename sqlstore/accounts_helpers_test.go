package sqlstore_test

import (
	"context"
	"regexp"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/auth"
	"github.com/fieldportal/fieldportal/sqlstore"
)

// goodPassword meets the default policy; every fixture account has it.
const goodPassword = "Right-pass-1"

// accounts is the access matrix's world with the account workflows over
// it, a clock standing still until moved, and two staff users of
// organisation A with goodPassword: an admin and a plain staff user.
type accounts struct {
	*world
	a     *sqlstore.Accounts
	clk   *clock
	org   *fieldportal.Organisation
	sys   fieldportal.Viewer
	admin fieldportal.Viewer
	staff fieldportal.Viewer
}

// mustAccounts builds the fixture on db, with links in mail starting at
// https://portal.example.test.
func mustAccounts(t *testing.T, db *sqlstore.DB) *accounts {
	t.Helper()
	clk := &clock{now: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	db.Now = clk.Now
	w := mustWorld(t, db)
	f := &accounts{world: w, clk: clk, sys: fieldportal.SystemViewer(w.orgA, "test")}
	f.a = sqlstore.NewAccounts(db, sqlstore.AccountsConfig{
		BaseURL:   "https://portal.example.test",
		Passwords: auth.NewPasswords(auth.TestHasher(), 4),
	})
	var err error
	if f.org, err = db.FindOrganisationByID(context.Background(), w.orgA); err != nil {
		t.Fatal(err)
	}
	f.admin = f.MustStaff(t, "boss@op.test", "Boss", fieldportal.RoleAdmin)
	f.staff = f.MustStaff(t, "desk@op.test", "Desk", fieldportal.RoleStaff)
	return f
}

// MustHash hashes a password with the test hasher.
func MustHash(tb testing.TB, password string) string {
	tb.Helper()
	h, err := auth.TestHasher().Hash(password)
	if err != nil {
		tb.Fatal(err)
	}
	return h
}

// MustStaff adds a staff user of organisation A with goodPassword and
// returns its viewer.
func (f *accounts) MustStaff(tb testing.TB, email, name string, role fieldportal.StaffRole) fieldportal.Viewer {
	tb.Helper()
	ctx := context.Background()
	u := &fieldportal.StaffUser{Email: email, Name: name, Role: role, PasswordHash: MustHash(tb, goodPassword)}
	if err := f.db.CreateStaffUser(ctx, f.sys, u); err != nil {
		tb.Fatalf("add staff %s: %v", email, err)
	}
	v, err := f.db.ViewerForStaff(ctx, f.orgA, u.ID)
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

// MustLogin returns the login of a fixture contact ("parent", "child"...).
func (f *accounts) MustLogin(tb testing.TB, contact string) *fieldportal.PortalLogin {
	tb.Helper()
	l, err := f.db.FindLoginByContact(context.Background(), f.sys, f.contact[contact].ID)
	if err != nil {
		tb.Fatalf("login of %s: %v", contact, err)
	}
	return l
}

// MustPassword gives a fixture contact's login a password.
func (f *accounts) MustPassword(tb testing.TB, contact, password string) *fieldportal.PortalLogin {
	tb.Helper()
	l := f.MustLogin(tb, contact)
	if err := f.db.SetLoginPassword(context.Background(), f.orgA, l.ID, MustHash(tb, password), false); err != nil {
		tb.Fatal(err)
	}
	return l
}

// MustSignIn signs a contact in or fails the test.
func (f *accounts) MustSignIn(tb testing.TB, r fieldportal.SignInRequest) *fieldportal.SignedIn {
	tb.Helper()
	if r.OrgID == "" {
		r.OrgID = f.orgA
	}
	s, err := f.a.SignIn(context.Background(), r)
	if err != nil {
		tb.Fatalf("sign in as %q: %v", r.Name, err)
	}
	return s
}

// mails returns organisation A's queued mails, newest first.
func (f *accounts) mails(tb testing.TB) []*fieldportal.OutboxMessage {
	tb.Helper()
	msgs, _, err := f.db.FindOutbox(context.Background(), f.sys, fieldportal.OutboxFilter{Kind: "mail"})
	if err != nil {
		tb.Fatal(err)
	}
	return msgs
}

// audits returns organisation A's audit entries of an action, newest first.
func (f *accounts) audits(tb testing.TB, action string) []*fieldportal.AuditEntry {
	tb.Helper()
	all, _, err := f.db.FindAuditLog(context.Background(), f.sys, fieldportal.AuditFilter{Page: fieldportal.Page{Limit: fieldportal.MaxLimit}})
	if err != nil {
		tb.Fatal(err)
	}
	var out []*fieldportal.AuditEntry
	for _, e := range all {
		if e.Action == action {
			out = append(out, e)
		}
	}
	return out
}

// countRows counts the rows of a table matching a condition on one value.
func countRows(tb testing.TB, db *sqlstore.DB, table, where string, arg any) int {
	tb.Helper()
	var n int
	if err := db.SQL().QueryRow(`SELECT count(*) FROM `+table+` WHERE `+where, arg).Scan(&n); err != nil {
		tb.Fatal(err)
	}
	return n
}

// linkIn returns the token of the /path/<token> link in a mail's text.
func linkIn(tb testing.TB, m *fieldportal.OutboxMessage, path string) string {
	tb.Helper()
	re := regexp.MustCompile(`https://[^\s/]+/` + path + `/([A-Za-z0-9_-]+)`)
	got := re.FindStringSubmatch(m.Payload)
	if got == nil {
		tb.Fatalf("no /%s/ link in mail %q", path, m.Payload)
	}
	return got[1]
}

// code returns the error's code, for comparisons in one line.
func code(err error) string { return fieldportal.ErrorCode(err) }

// fieldsOf lists the fields an EINVALID error names, in order.
func fieldsOf(err error) []string {
	e, ok := err.(*fieldportal.Error)
	if !ok {
		return nil
	}
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Field)
	}
	return out
}

// messageOf returns the message an error gives for a field.
func messageOf(err error, field string) string {
	e, ok := err.(*fieldportal.Error)
	if !ok {
		return ""
	}
	for _, f := range e.Fields {
		if f.Field == field {
			return f.Message
		}
	}
	return ""
}

// breakTable renames a table until the test ends, so that writing to it
// fails: a workflow that must be one transaction is then seen to leave
// nothing behind.
func breakTable(tb testing.TB, db *sqlstore.DB, table string) (restore func()) {
	tb.Helper()
	if _, err := db.SQL().Exec(`ALTER TABLE ` + table + ` RENAME TO ` + table + `_broken`); err != nil {
		tb.Fatal(err)
	}
	done := false
	restore = func() {
		if done {
			return
		}
		done = true
		if _, err := db.SQL().Exec(`ALTER TABLE ` + table + `_broken RENAME TO ` + table); err != nil {
			tb.Fatal(err)
		}
	}
	tb.Cleanup(restore)
	return restore
}
