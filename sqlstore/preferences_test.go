package sqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/auth"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// mailsTo returns the queued mails of a topic to an address, newest first.
func (f *accounts) mailsTo(tb testing.TB, topic, to string) []*fieldportal.OutboxMessage {
	tb.Helper()
	var out []*fieldportal.OutboxMessage
	for _, m := range f.mails(tb) {
		if m.Topic == topic && m.Recipient == to {
			out = append(out, m)
		}
	}
	return out
}

// emailChange is a request to change to email, with the current password
// the tests give every contact that asks (mustOwnPasswords).
func emailChange(email string) fieldportal.EmailChangeRequest {
	return fieldportal.EmailChangeRequest{Email: email, CurrentPassword: goodPassword, ClientAddr: "192.0.2.20"}
}

// mustOwnPasswords gives contacts goodPassword, which an email change
// asks for. Set before any link is asked: storing a password voids the
// login's reset links.
func (f *accounts) mustOwnPasswords(tb testing.TB, contacts ...string) {
	tb.Helper()
	for _, c := range contacts {
		f.MustPassword(tb, c, goodPassword)
	}
}

// mustEmailLink asks for a contact's email change (its password is
// goodPassword) and returns the token of the link mailed to the new
// address.
func (f *accounts) mustEmailLink(tb testing.TB, contact, email string) string {
	tb.Helper()
	if err := f.a.RequestEmailChange(context.Background(), f.viewers[contact], emailChange(email)); err != nil {
		tb.Fatalf("request email change of %s: %v", contact, err)
	}
	got := f.mailsTo(tb, "email_change", email)
	if len(got) == 0 {
		tb.Fatalf("no mail to %s", email)
	}
	return linkIn(tb, got[0], "email")
}

func TestEmailChange(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		f := mustAccounts(t, db)
		f.mustOwnPasswords(t, "child", "parent", "assigned", "solo", "nopage")
		child := f.viewers["child"]
		var token string

		t.Run("a link goes to the new address and nothing changes yet", func(t *testing.T) {
			token = f.mustEmailLink(t, "child", "Child.New@example.test")
			c, err := db.FindContactByID(ctx, f.sys, f.contact["child"].ID)
			if err != nil || c.Email != "child@example.test" {
				t.Errorf("email before the link is followed: %q, %v", c.Email, err)
			}
			mine, err := f.a.FindMyPreferences(ctx, child)
			if err != nil || mine.PendingEmail != "Child.New@example.test" {
				t.Errorf("pending %+v, %v", mine, err)
			}
			if n := len(f.audits(t, "contact.email_change_requested")); n != 1 {
				t.Errorf("%d request audit entries", n)
			}
			if n := len(f.mailsTo(t, "email_changed", "child@example.test")); n != 0 {
				t.Errorf("the old address was told %d times before the change", n)
			}
		})
		t.Run("the current address is told of the request at once", func(t *testing.T) {
			told := f.mailsTo(t, "email_change_requested", "child@example.test")
			if len(told) != 1 || !strings.Contains(told[0].Payload, "Child.New@example.test") ||
				!strings.Contains(told[0].Payload, "change your portal password") || strings.Contains(told[0].Payload, token) {
				t.Errorf("current address told: %+v", told)
			}
			if n := len(f.mailsTo(t, "email_change_requested", "Child.New@example.test")); n != 0 {
				t.Errorf("the new address got %d request notices", n)
			}
		})
		t.Run("only the token's hash is stored", func(t *testing.T) {
			if n := countRows(t, db, "email_changes", "token_hash = $1", token); n != 0 {
				t.Error("the plain token is stored")
			}
			if n := countRows(t, db, "email_changes", "token_hash = $1", auth.HashToken(token)); n != 1 {
				t.Errorf("%d rows under the hash", n)
			}
		})
		t.Run("a wrong token is refused", func(t *testing.T) {
			for _, tok := range []string{"", "not-a-token", token + "x"} {
				if _, err := f.a.ConfirmEmailChange(ctx, f.orgA, tok); code(err) != fieldportal.ENOTFOUND {
					t.Errorf("confirm %q: %v", tok, err)
				}
				if _, err := f.a.FindEmailChange(ctx, f.orgA, tok); code(err) != fieldportal.ENOTFOUND {
					t.Errorf("find %q: %v", tok, err)
				}
			}
			if _, err := f.a.ConfirmEmailChange(ctx, f.orgB, token); code(err) != fieldportal.ENOTFOUND {
				t.Errorf("another organisation's link: %v", err)
			}
		})
		t.Run("following it changes the email and the username, and tells the old address", func(t *testing.T) {
			if got, err := f.a.FindEmailChange(ctx, f.orgA, token); err != nil || got != "Child.New@example.test" {
				t.Fatalf("find: %q, %v", got, err)
			}
			if got, err := f.a.ConfirmEmailChange(ctx, f.orgA, token); err != nil || got != "Child.New@example.test" {
				t.Fatalf("confirm: %q, %v", got, err)
			}
			c, err := db.FindContactByID(ctx, f.sys, f.contact["child"].ID)
			if err != nil || c.Email != "Child.New@example.test" {
				t.Errorf("email %q, %v", c.Email, err)
			}
			if l := f.MustLogin(t, "child"); l.Username != "Child.New@example.test" {
				t.Errorf("username %q", l.Username)
			}
			told := f.mailsTo(t, "email_changed", "child@example.test")
			if len(told) != 1 || !strings.Contains(told[0].Payload, "Child.New@example.test") {
				t.Errorf("old address told: %+v", told)
			}
			if n := len(f.audits(t, "contact.email_changed")); n != 1 {
				t.Errorf("%d change audit entries", n)
			}
			f.MustSignIn(t, fieldportal.SignInRequest{Name: "child.new@example.test", Password: goodPassword})
			if _, err := f.a.SignIn(ctx, fieldportal.SignInRequest{OrgID: f.orgA, Name: "child@example.test", Password: goodPassword}); err == nil {
				t.Error("the old address still signs in")
			}
		})
		t.Run("the link works once", func(t *testing.T) {
			if _, err := f.a.ConfirmEmailChange(ctx, f.orgA, token); code(err) != fieldportal.ENOTFOUND {
				t.Errorf("second use: %v", err)
			}
			if n := len(f.mailsTo(t, "email_changed", "child@example.test")); n != 1 {
				t.Errorf("the old address was told %d times", n)
			}
		})
		t.Run("the link expires after a day", func(t *testing.T) {
			tok := f.mustEmailLink(t, "parent", "parent.new@example.test")
			f.clk.now = f.clk.now.Add(fieldportal.EmailChangeLifetime + time.Minute)
			defer func() { f.clk.now = f.clk.now.Add(-fieldportal.EmailChangeLifetime - time.Minute) }()
			if _, err := f.a.FindEmailChange(ctx, f.orgA, tok); code(err) != fieldportal.ENOTFOUND {
				t.Errorf("find: %v", err)
			}
			if _, err := f.a.ConfirmEmailChange(ctx, f.orgA, tok); code(err) != fieldportal.ENOTFOUND {
				t.Errorf("confirm: %v", err)
			}
			if c, _ := db.FindContactByID(ctx, f.sys, f.contact["parent"].ID); c.Email != "parent@example.test" {
				t.Errorf("email changed by an expired link: %q", c.Email)
			}
		})
		t.Run("an address another contact uses is refused naming the field", func(t *testing.T) {
			for _, email := range []string{"solo@example.test", "SOLO@Example.test", " child.new@example.test "} {
				err := f.a.RequestEmailChange(ctx, f.viewers["assigned"], emailChange(email))
				if diff := cmp.Diff([]string{"email"}, fieldsOf(err)); code(err) != fieldportal.EINVALID || diff != "" {
					t.Errorf("%q: %v (-want +got):\n%s", email, err, diff)
				}
			}
			if n := countRows(t, db, "email_changes", "login_id = $1", f.MustLogin(t, "assigned").ID); n != 0 {
				t.Errorf("%d links for a refused address", n)
			}
		})
		t.Run("bad addresses are refused naming the field", func(t *testing.T) {
			for _, email := range []string{"", "not an address", "solo@example.test"} {
				err := f.a.RequestEmailChange(ctx, f.viewers["solo"], emailChange(email))
				if diff := cmp.Diff([]string{"email"}, fieldsOf(err)); code(err) != fieldportal.EINVALID || diff != "" {
					t.Errorf("%q: %v (-want +got):\n%s", email, err, diff)
				}
			}
		})
		t.Run("an address taken since the request is refused and the link kept", func(t *testing.T) {
			tok := f.mustEmailLink(t, "solo", "shared@example.test")
			p, err := db.FindContactByID(ctx, f.sys, f.contact["nopage"].ID)
			if err != nil {
				t.Fatal(err)
			}
			p.Email = "shared@example.test"
			if err := db.UpdateContact(ctx, f.sys, p); err != nil {
				t.Fatal(err)
			}
			if _, err := f.a.ConfirmEmailChange(ctx, f.orgA, tok); code(err) != fieldportal.ECONFLICT {
				t.Errorf("confirm: %v", err)
			}
			if _, err := f.a.FindEmailChange(ctx, f.orgA, tok); err != nil {
				t.Errorf("the link was spent: %v", err)
			}
			if c, _ := db.FindContactByID(ctx, f.sys, f.contact["solo"].ID); c.Email != "solo@example.test" {
				t.Errorf("email %q", c.Email)
			}
		})
		t.Run("a new request voids the older link", func(t *testing.T) {
			first := f.mustEmailLink(t, "nopage", "first@example.test")
			f.mustEmailLink(t, "nopage", "second@example.test")
			if _, err := f.a.ConfirmEmailChange(ctx, f.orgA, first); code(err) != fieldportal.ENOTFOUND {
				t.Errorf("older link: %v", err)
			}
		})
		t.Run("revoking the login voids its link", func(t *testing.T) {
			tok := f.mustEmailLink(t, "parent", "parent.other@example.test")
			if err := db.RevokeLogin(ctx, f.sys, f.contact["parent"].ID); err != nil {
				t.Fatal(err)
			}
			if _, err := f.a.ConfirmEmailChange(ctx, f.orgA, tok); code(err) != fieldportal.ENOTFOUND {
				t.Errorf("confirm after revoke: %v", err)
			}
		})
		t.Run("only a contact has an address of its own to change", func(t *testing.T) {
			for _, v := range []fieldportal.Viewer{f.admin, f.sys, {OrgID: f.orgA}} {
				if err := f.a.RequestEmailChange(ctx, v, emailChange("someone@example.test")); code(err) != fieldportal.EFORBIDDEN {
					t.Errorf("%v: %v", v.Kind(), err)
				}
			}
		})
	})
}

func TestMailChoices(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		f := mustAccounts(t, db)
		child := f.viewers["child"]
		choices := func(t *testing.T, v fieldportal.Viewer) []fieldportal.MailChoice {
			t.Helper()
			mine, err := f.a.FindMyPreferences(ctx, v)
			if err != nil {
				t.Fatal(err)
			}
			return mine.Mail
		}

		t.Run("the choices are those of the contact's roles and pages, all on", func(t *testing.T) {
			// The fixture's contacts have the quote role alone.
			want := []fieldportal.MailChoice{{Kind: fieldportal.MailQuoteSent, On: true}, {Kind: fieldportal.MailIssueAnswered, On: true},
				{Kind: fieldportal.MailOfficeMessage, On: true}}
			if diff := cmp.Diff(want, choices(t, child)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if got := choices(t, f.viewers["nopage"]); len(got) != 0 {
				t.Errorf("a contact without the pages is offered %+v", got)
			}
		})
		t.Run("the invoice role brings the invoice and receipt mails", func(t *testing.T) {
			c, err := db.FindContactByID(ctx, f.sys, f.contact["solo"].ID)
			if err != nil {
				t.Fatal(err)
			}
			c.InvoiceContact, c.QuoteContact = true, false
			if err := db.UpdateContact(ctx, f.sys, c); err != nil {
				t.Fatal(err)
			}
			want := []fieldportal.MailChoice{{Kind: fieldportal.MailIssueAnswered, On: true},
				{Kind: fieldportal.MailInvoiceIssued, On: true}, {Kind: fieldportal.MailReceipt, On: true}, {Kind: fieldportal.MailOfficeMessage, On: true}}
			if diff := cmp.Diff(want, choices(t, f.viewers["solo"])); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
		t.Run("saving turns the unticked off and ignores kinds not offered", func(t *testing.T) {
			if err := f.a.SaveMailChoices(ctx, child, []fieldportal.MailKind{fieldportal.MailIssueAnswered, fieldportal.MailInvoiceIssued,
				fieldportal.MailOfficeMessage}); err != nil {
				t.Fatal(err)
			}
			want := []fieldportal.MailChoice{{Kind: fieldportal.MailQuoteSent, On: false}, {Kind: fieldportal.MailIssueAnswered, On: true},
				{Kind: fieldportal.MailOfficeMessage, On: true}}
			if diff := cmp.Diff(want, choices(t, child)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if n := countRows(t, db, "contact_mail_off", "contact_id = $1", f.contact["child"].ID); n != 1 {
				t.Errorf("%d rows off", n)
			}
			if n := len(f.audits(t, "contact.mail_choices")); n != 1 {
				t.Errorf("%d audit entries", n)
			}
			if err := f.a.SaveMailChoices(ctx, child, []fieldportal.MailKind{fieldportal.MailQuoteSent, fieldportal.MailIssueAnswered,
				fieldportal.MailOfficeMessage}); err != nil {
				t.Fatal(err)
			}
			if n := countRows(t, db, "contact_mail_off", "contact_id = $1", f.contact["child"].ID); n != 0 {
				t.Errorf("%d rows off after turning all on", n)
			}
		})
		t.Run("only a contact has mails of its own to choose", func(t *testing.T) {
			if err := f.a.SaveMailChoices(ctx, f.admin, nil); code(err) != fieldportal.EFORBIDDEN {
				t.Errorf("staff: %v", err)
			}
		})
	})
}

// mustContactViewer returns the viewer of the login of the contact with
// an email address.
func mustContactViewer(tb testing.TB, db *sqlstore.DB, orgID, email string) fieldportal.Viewer {
	tb.Helper()
	var loginID string
	if err := db.SQL().QueryRow(`SELECT pl.id FROM portal_logins pl JOIN contacts c ON c.id = pl.contact_id
		WHERE c.org_id = $1 AND c.email = $2`, orgID, email).Scan(&loginID); err != nil {
		tb.Fatal(err)
	}
	v, err := db.ViewerForLogin(context.Background(), orgID, loginID)
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

// testAccounts returns the account workflows over db.
func testAccounts(db *sqlstore.DB) *sqlstore.Accounts {
	return sqlstore.NewAccounts(db, sqlstore.AccountsConfig{BaseURL: "https://portal.test", Passwords: auth.NewPasswords(auth.TestHasher(), 4)})
}

// A contact that turned a mail off is not sent it; turned back on, it is.
func TestMailChoicesHonoured(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		acc := testAccounts(db)
		t.Run("quote sent", func(t *testing.T) {
			w := mustWorkWorld(t, db)
			other := MustSite(t, db, w.Staff, &fieldportal.Site{CustomerID: w.Child.ID, Name: "Charlie Works", Address: fieldportal.Address{Line1: "4 Side St"}})
			mustRoleContacts(t, db, w.Org.ID, w.Child.ID, "quote_contact", fieldportal.ModuleQuotes, other.ID)
			yana := mustContactViewer(t, db, w.Org.ID, "yana@customer.test")
			send := func(t *testing.T) []string {
				t.Helper()
				x := mustWorkQuote(t, db, w.Staff, &fieldportal.Quote{SiteID: w.SiteB.ID, Stage: fieldportal.QuoteRequested, Description: "Please quote"})
				if _, _, err := db.PriceQuote(ctx, w.Staff, x.ID, fieldportal.QuotePricing{
					Items:   []fieldportal.QuoteItem{{Description: "Labour", Quantity: 1, UnitPrice: 5000}},
					TaxRate: 2000, ValidUntil: fieldportal.Date{Year: 2099, Month: 1, Day: 1}, Send: true, PortalURL: "https://portal.test"}); err != nil {
					t.Fatal(err)
				}
				return recipientsOf(t, db, w.Staff, "quote_sent", "/quotes/"+x.ID)
			}
			for _, tc := range []struct {
				name string
				on   []fieldportal.MailKind
				want []string
			}{
				{"turned off", nil, []string{}},
				{"turned back on", []fieldportal.MailKind{fieldportal.MailQuoteSent}, []string{"yana@customer.test"}},
			} {
				if err := acc.SaveMailChoices(ctx, yana, tc.on); err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(tc.want, send(t)); diff != "" {
					t.Errorf("%s (-want +got):\n%s", tc.name, diff)
				}
			}
		})
		t.Run("job scheduled", func(t *testing.T) {
			w := mustBookingWorld(t, db)
			other := MustSite(t, db, w.Staff, &fieldportal.Site{CustomerID: w.workWorld.Child.ID, Name: "Charlie Works", Address: fieldportal.Address{Line1: "4 Side St"}})
			mustRoleContacts(t, db, w.Org.ID, w.workWorld.Child.ID, "job_contact", fieldportal.ModuleService, other.ID)
			if err := acc.SaveMailChoices(ctx, mustContactViewer(t, db, w.Org.ID, "yana@customer.test"), nil); err != nil {
				t.Fatal(err)
			}
			j := MustBookJob(t, db, w.Child, w.booking(t, w.SiteB, 2, 10))
			start := time.Date(2026, 6, 3, 9, 0, 0, 0, w.loc)
			if _, _, err := db.ScheduleJob(ctx, w.Staff, fieldportal.JobSchedule{JobID: j.ID, Technician: "Sam Reed",
				Window: fieldportal.TimeWindow{Start: start, End: start.Add(2 * time.Hour)}, PortalURL: "https://portal.test/"}); err != nil {
				t.Fatal(err)
			}
			if got := recipientsOf(t, db, w.Staff, "job.scheduled", "/jobs/"+j.ID); len(got) != 0 {
				t.Errorf("turned off, still mailed: %v", got)
			}
		})
		t.Run("invoice issued", func(t *testing.T) {
			w := newMoneyWorld(t, db)
			payer := MustMoneyContact(t, db, w.org.ID, w.parent.ID, fieldportal.SiteAccessAll, nil)
			mustMoneyExec(t, db, `UPDATE contacts SET email = $2, invoice_contact = $3 WHERE id = $1`, payer.ContactID, "accounts@group.test", true)
			mustMoneyExec(t, db, `UPDATE portal_logins SET page_access = $2 WHERE contact_id = $1`, payer.ContactID, string(fieldportal.ModuleInvoices))
			day := moneyDay(2026, 3, 2)
			issue := func(t *testing.T, number string) int {
				t.Helper()
				job := MustMoneyJob(t, db, w.org.ID, w.parent.ID, w.siteA.ID, number)
				mustMoneyExec(t, db, `UPDATE jobs SET stage = 'complete' WHERE id = $1`, job)
				inv := &fieldportal.Invoice{JobID: job, IssueDate: day, DueDate: day.AddDays(30),
					Lines: []fieldportal.InvoiceLine{{Description: "Call-out", Quantity: 1, UnitPrice: 6000, Tax: 1200}}}
				if err := db.IssueInvoice(ctx, w.staff, inv); err != nil {
					t.Fatal(err)
				}
				return MustCount(t, db, `SELECT count(*) FROM outbox WHERE org_id = $1 AND topic = 'invoice_issued' AND recipient = $2 AND subject LIKE $3`,
					w.org.ID, "accounts@group.test", "%"+inv.Number+"%")
			}
			if n := issue(t, "J-601"); n != 1 {
				t.Errorf("on by default: %d mails", n)
			}
			if err := acc.SaveMailChoices(ctx, payer, []fieldportal.MailKind{fieldportal.MailReceipt}); err != nil {
				t.Fatal(err)
			}
			if n := issue(t, "J-602"); n != 0 {
				t.Errorf("turned off: %d mails", n)
			}
			pay := func(t *testing.T) int {
				t.Helper()
				p := &fieldportal.Payment{CustomerID: w.parent.ID, Amount: 100, Method: "cheque", PaidAt: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
				if err := db.RecordManualPayment(ctx, w.staff, p, "CHQ"); err != nil {
					t.Fatal(err)
				}
				return MustCount(t, db, `SELECT count(*) FROM outbox WHERE org_id = $1 AND topic = 'receipt' AND recipient = $2 AND subject LIKE $3`,
					w.org.ID, "accounts@group.test", "%"+p.ReceiptNumber+"%")
			}
			if n := pay(t); n != 1 {
				t.Errorf("receipts still on: %d mails", n)
			}
			if err := acc.SaveMailChoices(ctx, payer, nil); err != nil {
				t.Fatal(err)
			}
			if n := pay(t); n != 0 {
				t.Errorf("receipts turned off: %d mails", n)
			}
		})
	})
}

// Turning a mail off stops it for that contact only: the mail is not
// passed on to the contacts the mail goes to when nobody else can read it
// (review: the reporter's "issue answered" went to every job contact, the
// quote contacts' "quote sent" to the requester).
func TestMailChoiceNotPassedOn(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		acc := testAccounts(db)
		t.Run("issue answered", func(t *testing.T) {
			w := mustWorkWorld(t, db)
			staff := fieldportal.NewStaffViewer(w.Org.ID, "", "Sam Desk", fieldportal.RoleStaff)
			reporter, _ := mustIssueContact(t, db, w.Staff, w.Child.ID, "Rita", false, fieldportal.AllModules)
			mustIssueContact(t, db, w.Staff, w.Child.ID, "Jack", true, fieldportal.AllModules)
			if err := acc.SaveMailChoices(ctx, reporter, nil); err != nil {
				t.Fatal(err)
			}
			x := mustWorkIssue(t, db, reporter, &fieldportal.Issue{SiteID: w.SiteB.ID, Title: "Gate", Priority: fieldportal.PriorityNormal})
			if err := db.CommentOnIssue(ctx, staff, &fieldportal.IssueComment{IssueID: x.ID, Body: "Booked."}, nil); err != nil {
				t.Fatal(err)
			}
			if got := recipientsOf(t, db, w.Staff, "issue_answered", "/issues/"+x.ID); len(got) != 0 {
				t.Errorf("the reporter turned it off, mailed instead: %v", got)
			}
		})
		t.Run("quote sent", func(t *testing.T) {
			w := mustWorkWorld(t, db)
			quinn := mustQuoteContact(t, db, w.Org.ID, w.Child.ID, "Quinn", true)
			reggie := mustQuoteContact(t, db, w.Org.ID, w.Child.ID, "Reggie", false)
			if err := acc.SaveMailChoices(ctx, mustContactViewer(t, db, w.Org.ID, quinn), nil); err != nil {
				t.Fatal(err)
			}
			var reggieID string
			if err := db.SQL().QueryRowContext(ctx, `SELECT id FROM contacts WHERE email = $1`, reggie).Scan(&reggieID); err != nil {
				t.Fatal(err)
			}
			x := mustWorkQuote(t, db, w.Staff, &fieldportal.Quote{SiteID: w.SiteB.ID, Stage: fieldportal.QuoteRequested, RequestedBy: reggieID})
			_, mailed, err := db.PriceQuote(ctx, w.Staff, x.ID, fieldportal.QuotePricing{
				Items:   []fieldportal.QuoteItem{{Description: "Labour", Quantity: 1, UnitPrice: 5000}},
				TaxRate: 2000, ValidUntil: fieldportal.Date{Year: 2099, Month: 1, Day: 1}, Send: true, PortalURL: "https://portal.test"})
			if err != nil {
				t.Fatal(err)
			}
			if got := recipientsOf(t, db, w.Staff, "quote_sent", "/quotes/"+x.ID); len(got) != 0 || mailed != 0 {
				t.Errorf("the quote contact turned it off, mailed instead (%d): %v", mailed, got)
			}
		})
	})
}

// Two contacts following their links to the same address at once: one
// gets it, the other is refused (review: on PostgreSQL both passed the
// check before either wrote, and two contacts shared one address, which
// then signed neither in by email). The contacts' rows are held locked
// so both confirmations are under way, past their checks, when it lets
// go.
func TestEmailChangeConfirmRace(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		f := mustAccounts(t, db)
		f.mustOwnPasswords(t, "solo", "nopage")
		// Usernames that are not the addresses, so no unique index on
		// usernames stands in for the check.
		var tokens []string
		for _, who := range []string{"solo", "nopage"} {
			if _, err := db.SQL().ExecContext(ctx, `UPDATE portal_logins SET username = $2 WHERE id = $1`, f.MustLogin(t, who).ID, "user-"+who); err != nil {
				t.Fatal(err)
			}
			tokens = append(tokens, f.mustEmailLink(t, who, "Same@example.test"))
		}
		var hold *sql.Tx
		if db.Dialect() == sqlstore.Postgres {
			var err error
			if hold, err = db.SQL().BeginTx(ctx, nil); err != nil {
				t.Fatal(err)
			}
			defer hold.Rollback()
			if _, err := hold.ExecContext(ctx, `SELECT id FROM contacts WHERE id IN ($1, $2) FOR UPDATE`,
				f.contact["solo"].ID, f.contact["nopage"].ID); err != nil {
				t.Fatal(err)
			}
		}
		errs := make(chan error, 2)
		for _, tok := range tokens {
			go func() {
				_, err := f.a.ConfirmEmailChange(ctx, f.orgA, tok)
				errs <- err
			}()
		}
		if hold != nil {
			time.Sleep(500 * time.Millisecond)
			hold.Rollback()
		}
		var ok, refused int
		for range tokens {
			select {
			case err := <-errs:
				switch {
				case err == nil:
					ok++
				case code(err) == fieldportal.ECONFLICT:
					refused++
				default:
					t.Errorf("confirm: %v", err)
				}
			case <-time.After(60 * time.Second): // for a loaded machine
				t.Fatal("timed out")
			}
		}
		if ok != 1 || refused != 1 {
			t.Errorf("%d confirmed, %d refused; want one each", ok, refused)
		}
		if n := countRows(t, db, "contacts", "lower(email) = $1", "same@example.test"); n != 1 {
			t.Errorf("%d contacts have the address", n)
		}
	})
}

// A reset link mailed to the old address stops working when the address
// changes (review): reset links go only to the address on file, and the
// old mailbox may be one the contact no longer holds.
func TestEmailChangeVoidsResetLink(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		f := mustAccounts(t, db)
		f.MustPassword(t, "parent", goodPassword)
		if err := f.a.RequestPasswordReset(ctx, f.orgA, "parent@example.test", "192.0.2.9"); err != nil {
			t.Fatal(err)
		}
		sent := f.mailsTo(t, "reset", "parent@example.test")
		if len(sent) != 1 {
			t.Fatalf("%d reset mails", len(sent))
		}
		reset := linkIn(t, sent[0], "reset")
		if _, err := f.a.ConfirmEmailChange(ctx, f.orgA, f.mustEmailLink(t, "parent", "pat@elsewhere.test")); err != nil {
			t.Fatal(err)
		}
		if _, err := f.a.FindLink(ctx, f.orgA, fieldportal.TokenReset, reset); code(err) != fieldportal.ENOTFOUND {
			t.Errorf("the old address's reset link: %v", err)
		}
	})
}

// A fault while following the link is a fault, not "this link no longer
// works" (review: every error of the link's update was answered as a
// spent link, so a timeout told the contact a good link was dead and
// logged nothing). The link's row is held locked past the deadline.
func TestEmailChangeConfirmFault(t *testing.T) {
	db := sqltest.MustOpen(t, sqlstore.Postgres)
	ctx := context.Background()
	f := mustAccounts(t, db)
	f.mustOwnPasswords(t, "child")
	tok := f.mustEmailLink(t, "child", "child.moved@example.test")
	hold, err := db.SQL().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer hold.Rollback()
	if _, err := hold.ExecContext(ctx, `SELECT 1 FROM email_changes WHERE token_hash = $1 FOR UPDATE`, auth.HashToken(tok)); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	if _, err := f.a.ConfirmEmailChange(short, f.orgA, tok); err == nil || code(err) == fieldportal.ENOTFOUND {
		t.Errorf("a timeout answered as %v", err)
	}
	hold.Rollback()
	if _, err := f.a.FindEmailChange(ctx, f.orgA, tok); err != nil {
		t.Errorf("the link after the fault: %v", err)
	}
}

// An email change needs the current password (review): confirming the
// new address lets its holder reset the password, so a stolen session
// alone took the account over, past the check the password form makes.
// A missing or wrong password is refused naming the field, and nothing is
// stored or mailed; guesses are throttled with the password change's.
func TestEmailChangeNeedsCurrentPassword(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		f := mustAccounts(t, db)
		login := f.MustPassword(t, "child", goodPassword)
		child := f.viewers["child"]
		nothingDone := func(t *testing.T) {
			t.Helper()
			if n := countRows(t, db, "email_changes", "login_id = $1", login.ID); n != 0 {
				t.Errorf("%d links stored", n)
			}
			for _, topic := range []string{"email_change", "email_change_requested"} {
				for _, m := range f.mails(t) {
					if m.Topic == topic {
						t.Errorf("a %s mail to %s", topic, m.Recipient)
					}
				}
			}
			if n := len(f.audits(t, "contact.email_change_requested")); n != 0 {
				t.Errorf("%d request audit entries", n)
			}
		}

		for _, tc := range []struct {
			name, email, current string
			want                 []string
			message              string
		}{
			{"without the password", "child.new@example.test", "", []string{"current_password"}, "Enter your current password."},
			{"with a wrong password", "child.new@example.test", "Wrong-pass-1", []string{"current_password"}, "Current password is not right."},
			{"with a bad address and no password", "not an address", "", []string{"email", "current_password"}, "Enter your current password."},
		} {
			t.Run(tc.name+" is refused naming the field", func(t *testing.T) {
				err := f.a.RequestEmailChange(ctx, child, fieldportal.EmailChangeRequest{Email: tc.email, CurrentPassword: tc.current,
					ClientAddr: "192.0.2.30"})
				if diff := cmp.Diff(tc.want, fieldsOf(err)); code(err) != fieldportal.EINVALID || diff != "" {
					t.Errorf("%v; fields (-want +got):\n%s", err, diff)
				}
				if got := messageOf(err, "current_password"); got != tc.message {
					t.Errorf("message %q, want %q", got, tc.message)
				}
				nothingDone(t)
			})
		}
		t.Run("a taken address is not told without the password", func(t *testing.T) {
			err := f.a.RequestEmailChange(ctx, child, fieldportal.EmailChangeRequest{Email: "solo@example.test", CurrentPassword: "Wrong-pass-1"})
			if diff := cmp.Diff([]string{"current_password"}, fieldsOf(err)); diff != "" {
				t.Errorf("%v; fields (-want +got):\n%s", err, diff)
			}
		})
		t.Run("wrong guesses are throttled with the password change's", func(t *testing.T) {
			// Two wrong guesses above (a missing password is none); three
			// more reach the five free ones.
			for i := range 3 {
				err := f.a.RequestEmailChange(ctx, child, fieldportal.EmailChangeRequest{Email: "child.new@example.test",
					CurrentPassword: "Wrong-pass-1", ClientAddr: fmt.Sprintf("198.51.100.%d", i)})
				if code(err) != fieldportal.EINVALID {
					t.Fatalf("guess %d: %v", i, err)
				}
			}
			if err := f.a.RequestEmailChange(ctx, child, emailChange("child.new@example.test")); code(err) != fieldportal.ERATELIMIT {
				t.Errorf("after five wrong guesses: %v, want rate limited", err)
			}
			_, err := f.a.ChangePassword(ctx, child, fieldportal.PasswordChange{Current: goodPassword, Password: "New-pass-66", Confirm: "New-pass-66"})
			if code(err) != fieldportal.ERATELIMIT {
				t.Errorf("the password change after them: %v, want rate limited", err)
			}
			if n := countRows(t, db, "auth_attempts", "attempt_key = $1", "password:acct:"+login.ID); n != 5 {
				t.Errorf("%d failures counted against the login", n)
			}
			nothingDone(t)
		})
	})
}

// The notice to the current address is a security one: it goes even to a
// contact that turned every mail it may choose off.
func TestEmailChangeRequestedIgnoresMailChoices(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		f := mustAccounts(t, db)
		f.mustOwnPasswords(t, "child")
		if err := f.a.SaveMailChoices(ctx, f.viewers["child"], nil); err != nil {
			t.Fatal(err)
		}
		f.mustEmailLink(t, "child", "child.quiet@example.test")
		if n := len(f.mailsTo(t, "email_change_requested", "child@example.test")); n != 1 {
			t.Errorf("%d notices to the current address", n)
		}
	})
}
