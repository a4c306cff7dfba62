package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/auth"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// clock is a settable store clock.
type clock struct{ now time.Time }

func (c *clock) Now() time.Time { return c.now }

func mustSession(tb testing.TB, db *sqlstore.DB, orgID, loginID string) string {
	tb.Helper()
	_, hash, err := auth.NewToken()
	if err != nil {
		tb.Fatal(err)
	}
	s := &fieldportal.Session{TokenHash: hash, OrgID: orgID, LoginID: loginID, ExpiresAt: db.Now().Add(12 * time.Hour)}
	if err := db.CreateSession(context.Background(), s); err != nil {
		tb.Fatal(err)
	}
	return hash
}

func TestContactsAndLogins(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := mustWorld(t, db)
		sys := fieldportal.SystemViewer(w.orgA, "test")

		t.Run("contact round trip", func(t *testing.T) {
			c := &fieldportal.Contact{CustomerID: w.cust["Child2"].ID, FirstName: "Sam", LastName: "Lee", Email: "sam@example.test", JobContact: true, Primary: true}
			if err := db.CreateContact(ctx, sys, c); err != nil {
				t.Fatal(err)
			}
			got, err := db.FindContactByID(ctx, sys, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(c, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
		t.Run("invalid contact names the field", func(t *testing.T) {
			err := db.CreateContact(ctx, sys, &fieldportal.Contact{CustomerID: w.cust["Child2"].ID, Email: "not-an-email"})
			var fe *fieldportal.Error
			if !asErr(err, &fe) || len(fe.Fields) != 2 || fe.Fields[0].Field != "first_name" || fe.Fields[1].Field != "email" {
				t.Fatalf("err = %#v, want first_name and email", err)
			}
		})
		t.Run("a managing contact creates contacts only for customers it reaches", func(t *testing.T) {
			v := w.viewers["child"]
			v.MayManageContacts = true
			if err := db.CreateContact(ctx, v, &fieldportal.Contact{CustomerID: w.cust["Grandchild"].ID, FirstName: "Ok"}); err != nil {
				t.Fatalf("reachable customer: %v", err)
			}
			err := db.CreateContact(ctx, v, &fieldportal.Contact{CustomerID: w.cust["Child2"].ID, FirstName: "No"})
			if fieldportal.ErrorCode(err) != fieldportal.EINVALID {
				t.Fatalf("unreachable customer: err = %v, want invalid customer_id", err)
			}
			v.MayManageContacts = false
			if err := db.CreateContact(ctx, v, &fieldportal.Contact{CustomerID: w.cust["Child1"].ID, FirstName: "No"}); fieldportal.ErrorCode(err) != fieldportal.EFORBIDDEN {
				t.Fatalf("without the right: err = %v, want forbidden", err)
			}
		})
		t.Run("a managing contact grants only what it has", func(t *testing.T) {
			v := w.viewers["assigned"]
			l, err := db.FindLoginByContact(ctx, sys, w.contact["assigned"].ID)
			if err != nil {
				t.Fatal(err)
			}
			l.MayManageContacts = true
			if err := db.UpdateLoginAccess(ctx, sys, l); err != nil {
				t.Fatal(err)
			}
			v.MayManageContacts = true
			c := &fieldportal.Contact{CustomerID: w.cust["Parent"].ID, FirstName: "New"}
			if err := db.CreateContact(ctx, sys, c); err != nil {
				t.Fatal(err)
			}
			v.Pages = fieldportal.Modules{fieldportal.ModuleSites}
			err = db.CreatePortalLogin(ctx, v, &fieldportal.PortalLogin{ContactID: c.ID, Username: "new1", Pages: fieldportal.Modules{fieldportal.ModuleInvoices}, SiteAccess: fieldportal.SiteAccessAssigned})
			if e, ok := err.(*fieldportal.Error); !ok || e.Field != "page_access" {
				t.Errorf("page it lacks: err = %v", err)
			}
			err = db.CreatePortalLogin(ctx, v, &fieldportal.PortalLogin{ContactID: c.ID, Username: "new2", Pages: v.Pages, SiteAccess: fieldportal.SiteAccessAll})
			if e, ok := err.(*fieldportal.Error); !ok || e.Field != "site_access" {
				t.Errorf("all sites from an assigned contact: err = %v", err)
			}
			err = db.CreatePortalLogin(ctx, v, &fieldportal.PortalLogin{ContactID: c.ID, Username: "new3", Pages: v.Pages, SiteAccess: fieldportal.SiteAccessAssigned, SiteIDs: []string{w.site["S1b"].ID}})
			if e, ok := err.(*fieldportal.Error); !ok || e.Field != "site_ids" {
				t.Errorf("a site it does not reach: err = %v", err)
			}
			if err := db.CreatePortalLogin(ctx, v, &fieldportal.PortalLogin{ContactID: c.ID, Username: "new4", Pages: v.Pages, SiteAccess: fieldportal.SiteAccessAssigned, SiteIDs: []string{w.site["S1a"].ID}}); err != nil {
				t.Errorf("within its own access: %v", err)
			}
		})
		t.Run("sign-in lookup by username or email ignores case", func(t *testing.T) {
			for _, name := range []string{"PARENT@example.test", " parent@example.test "} {
				l, err := db.FindLoginForSignIn(ctx, w.orgA, name)
				if err != nil || l.ContactID != w.contact["parent"].ID {
					t.Errorf("%q: %v %v", name, l, err)
				}
			}
			if _, err := db.FindLoginForSignIn(ctx, w.orgB, "parent@example.test"); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
				t.Errorf("another organisation's login: %v", err)
			}
		})
		t.Run("usernames are unique per organisation ignoring case", func(t *testing.T) {
			c := &fieldportal.Contact{CustomerID: w.cust["Solo"].ID, FirstName: "Dup"}
			if err := db.CreateContact(ctx, sys, c); err != nil {
				t.Fatal(err)
			}
			err := db.CreatePortalLogin(ctx, sys, &fieldportal.PortalLogin{ContactID: c.ID, Username: "SOLO@example.test", Pages: fieldportal.AllModules})
			if e, ok := err.(*fieldportal.Error); !ok || e.Field != "username" {
				t.Errorf("err = %v, want username taken", err)
			}
		})
		t.Run("disabling or narrowing ends sessions, widening does not", func(t *testing.T) {
			l, err := db.FindLoginByContact(ctx, sys, w.contact["child"].ID)
			if err != nil {
				t.Fatal(err)
			}
			h := mustSession(t, db, w.orgA, l.ID)
			l.Pages = append(l.Pages[:0:0], l.Pages...) // unchanged grants
			if err := db.UpdateLoginAccess(ctx, sys, l); err != nil {
				t.Fatal(err)
			}
			if _, err := db.FindSession(ctx, w.orgA, h, time.Hour); err != nil {
				t.Fatalf("unchanged grants ended the session: %v", err)
			}
			l.Pages = fieldportal.Modules{fieldportal.ModuleDashboard}
			if err := db.UpdateLoginAccess(ctx, sys, l); err != nil {
				t.Fatal(err)
			}
			if _, err := db.FindSession(ctx, w.orgA, h, time.Hour); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
				t.Fatalf("narrowed pages kept the session: %v", err)
			}
			h = mustSession(t, db, w.orgA, l.ID)
			if err := db.RevokeLogin(ctx, sys, w.contact["child"].ID); err != nil {
				t.Fatal(err)
			}
			if _, err := db.FindSession(ctx, w.orgA, h, time.Hour); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
				t.Fatalf("revoke kept the session: %v", err)
			}
			if _, err := db.ViewerForLogin(ctx, w.orgA, l.ID); fieldportal.ErrorCode(err) != fieldportal.EUNAUTHORIZED {
				t.Fatalf("a revoked login still gets a viewer: %v", err)
			}
		})
		t.Run("changing the password ends every session", func(t *testing.T) {
			l, _ := db.FindLoginByContact(ctx, sys, w.contact["solo"].ID)
			h1, h2 := mustSession(t, db, w.orgA, l.ID), mustSession(t, db, w.orgA, l.ID)
			if err := db.SetLoginPassword(ctx, w.orgA, l.ID, "new-hash", false); err != nil {
				t.Fatal(err)
			}
			for _, h := range []string{h1, h2} {
				if _, err := db.FindSession(ctx, w.orgA, h, time.Hour); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
					t.Errorf("session survived a password change: %v", err)
				}
			}
		})
	})
}

func asErr(err error, target **fieldportal.Error) bool {
	e, ok := err.(*fieldportal.Error)
	*target = e
	return ok
}

func TestTokensAndSessions(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		clk := &clock{now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
		db.Now = clk.Now
		org := MustOrg(t, db, "Tok")
		sys := fieldportal.SystemViewer(org.ID, "test")
		cust := MustCustomer(t, db, sys, &fieldportal.Customer{Name: "C"})
		c := &fieldportal.Contact{CustomerID: cust.ID, FirstName: "Old", Email: "kim@example.test"}
		if err := db.CreateContact(ctx, sys, c); err != nil {
			t.Fatal(err)
		}
		l := &fieldportal.PortalLogin{ContactID: c.ID, Username: "kim@example.test", Pages: fieldportal.AllModules}
		if err := db.CreatePortalLogin(ctx, sys, l); err != nil {
			t.Fatal(err)
		}
		issue := func(purpose fieldportal.TokenPurpose) string {
			plain, hash, _ := auth.NewToken()
			mail := &fieldportal.OutboxMessage{OrgID: org.ID, Kind: "mail", Topic: string(purpose), Recipient: c.Email, Subject: "Link", Payload: "/x/" + plain}
			if err := db.IssueToken(ctx, sys, &fieldportal.OneTimeToken{TokenHash: hash, OrgID: org.ID, Purpose: purpose, LoginID: l.ID}, mail); err != nil {
				t.Fatal(err)
			}
			return hash
		}

		t.Run("re-sending voids the old invitation and queues the mail", func(t *testing.T) {
			old := issue(fieldportal.TokenInvite)
			fresh := issue(fieldportal.TokenInvite)
			if _, err := db.FindToken(ctx, org.ID, fieldportal.TokenInvite, old); err == nil {
				t.Error("the old link still works")
			}
			if _, err := db.FindToken(ctx, org.ID, fieldportal.TokenInvite, fresh); err != nil {
				t.Errorf("the new link: %v", err)
			}
			msgs, _, err := db.FindOutbox(ctx, sys, fieldportal.OutboxFilter{Kind: "mail"})
			if err != nil || len(msgs) != 2 || msgs[0].Recipient != c.Email {
				t.Errorf("outbox: %v %v", msgs, err)
			}
		})
		t.Run("setup is single use and activates the login", func(t *testing.T) {
			h := issue(fieldportal.TokenInvite)
			got, err := db.CompleteSetup(ctx, org.ID, h, "Kim", "Park", "kimp", "hash1")
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != fieldportal.LoginActive || got.Username != "kimp" || got.PasswordHash != "hash1" {
				t.Errorf("login after setup: %+v", got)
			}
			contact, _ := db.FindContactByID(ctx, sys, c.ID)
			if contact.Name() != "Kim Park" {
				t.Errorf("name = %q", contact.Name())
			}
			if _, err := db.CompleteSetup(ctx, org.ID, h, "Kim", "Park", "kimp", "hash2"); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
				t.Errorf("second use: %v", err)
			}
		})
		t.Run("a reset link expires after an hour and works once", func(t *testing.T) {
			h := issue(fieldportal.TokenReset)
			clk.now = clk.now.Add(61 * time.Minute)
			if _, err := db.CompleteReset(ctx, org.ID, h, "late"); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
				t.Errorf("expired link: %v", err)
			}
			h = issue(fieldportal.TokenReset)
			s := mustSession(t, db, org.ID, l.ID)
			if _, err := db.CompleteReset(ctx, org.ID, h, "hash3"); err != nil {
				t.Fatal(err)
			}
			if _, err := db.CompleteReset(ctx, org.ID, h, "hash4"); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
				t.Errorf("second use: %v", err)
			}
			if _, err := db.FindSession(ctx, org.ID, s, time.Hour); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
				t.Errorf("the reset kept an old session: %v", err)
			}
		})
		t.Run("sessions end after idle and absolute time-outs", func(t *testing.T) {
			s := mustSession(t, db, org.ID, l.ID)
			clk.now = clk.now.Add(50 * time.Minute)
			got, err := db.FindSession(ctx, org.ID, s, time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			if err := db.TouchSession(ctx, got); err != nil {
				t.Fatal(err)
			}
			clk.now = clk.now.Add(50 * time.Minute)
			if _, err := db.FindSession(ctx, org.ID, s, time.Hour); err != nil {
				t.Fatalf("active session timed out: %v", err)
			}
			clk.now = clk.now.Add(61 * time.Minute)
			if _, err := db.FindSession(ctx, org.ID, s, time.Hour); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
				t.Errorf("idle session lives: %v", err)
			}
			s = mustSession(t, db, org.ID, l.ID)
			for range 14 { // 14 x 55 min passes the 12 h absolute time-out
				clk.now = clk.now.Add(55 * time.Minute)
				if got, err := db.FindSession(ctx, org.ID, s, time.Hour); err == nil {
					db.TouchSession(ctx, got)
				}
			}
			if _, err := db.FindSession(ctx, org.ID, s, time.Hour); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
				t.Errorf("session outlived its absolute time-out: %v", err)
			}
		})
		t.Run("a session of one organisation is unknown to another", func(t *testing.T) {
			s := mustSession(t, db, org.ID, l.ID)
			other := MustOrg(t, db, "Other")
			if _, err := db.FindSession(ctx, other.ID, s, time.Hour); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
				t.Errorf("err = %v", err)
			}
		})
	})
}

func TestOutboxClaims(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		clk := &clock{now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
		db.Now = clk.Now
		org := MustOrg(t, db, "Mail")
		for i := range 5 {
			if err := db.Enqueue(ctx, &fieldportal.OutboxMessage{OrgID: org.ID, Kind: "mail", Topic: "t", Recipient: "a@b.test", Subject: string(rune('A' + i)), Payload: "x"}); err != nil {
				t.Fatal(err)
			}
		}
		a, err := db.ClaimOutbox(ctx, "mail", "worker-a", 3, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		b, err := db.ClaimOutbox(ctx, "mail", "worker-b", 10, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if len(a) != 3 || len(b) != 2 {
			t.Fatalf("claimed %d and %d, want 3 and 2", len(a), len(b))
		}
		seen := map[string]bool{}
		for _, m := range append(a, b...) {
			if seen[m.ID] {
				t.Errorf("message %s claimed twice", m.ID)
			}
			seen[m.ID] = true
		}
		t.Run("a claim by another worker cannot mark the message", func(t *testing.T) {
			if err := db.MarkOutboxSent(ctx, a[0].ID, "worker-b"); fieldportal.ErrorCode(err) != fieldportal.ECONFLICT {
				t.Fatalf("err = %v, want a conflict", err)
			}
			msgs, _, _ := db.FindOutbox(ctx, fieldportal.SystemViewer(org.ID, "test"), fieldportal.OutboxFilter{Status: fieldportal.OutboxSent})
			if len(msgs) != 0 {
				t.Errorf("worker-b marked worker-a's message sent")
			}
		})
		t.Run("an expired lease is claimed again; a retry waits for its time", func(t *testing.T) {
			if err := db.MarkOutboxSent(ctx, a[0].ID, "worker-a"); err != nil {
				t.Fatal(err)
			}
			if err := db.MarkOutboxRetry(ctx, a[1].ID, "worker-a", "smtp down", clk.now.Add(10*time.Minute), false); err != nil {
				t.Fatal(err)
			}
			clk.now = clk.now.Add(2 * time.Minute)
			again, err := db.ClaimOutbox(ctx, "mail", "worker-c", 10, time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			want := []string{a[2].ID, b[0].ID, b[1].ID}
			got := idsOf(again, func(m *fieldportal.OutboxMessage) string { return m.ID })
			if diff := cmp.Diff(want, got, cmpopts.SortSlices(func(x, y string) bool { return x < y })); diff != "" {
				t.Errorf("reclaimed (-want +got):\n%s", diff)
			}
		})
	})
}

func TestUpsertByExternalID(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		org := MustOrg(t, db, "Sync")
		sys := fieldportal.SystemViewer(org.ID, "test")
		c := &fieldportal.Customer{ExternalID: "CUS-1", Name: "First"}
		created, err := db.UpsertCustomerByExternalID(ctx, sys, c)
		if err != nil || !created {
			t.Fatalf("create: %v %v", created, err)
		}
		again := &fieldportal.Customer{ExternalID: "CUS-1", Name: "Renamed"}
		created, err = db.UpsertCustomerByExternalID(ctx, sys, again)
		if err != nil || created || again.ID != c.ID {
			t.Fatalf("update: created=%v id=%s err=%v", created, again.ID, err)
		}
		got, _ := db.FindCustomerByID(ctx, sys, c.ID)
		if got.Name != "Renamed" {
			t.Errorf("name = %q", got.Name)
		}
		s := &fieldportal.Site{ExternalID: "SITE-1", CustomerID: c.ID, Name: "Depot", Address: fieldportal.Address{Line1: "1 Road"}}
		if created, err := db.UpsertSiteByExternalID(ctx, sys, s); err != nil || !created {
			t.Fatalf("site: %v %v", created, err)
		}
		ct := &fieldportal.Contact{ExternalID: "CON-1", CustomerID: c.ID, FirstName: "Ann"}
		if created, err := db.UpsertContactByExternalID(ctx, sys, ct); err != nil || !created {
			t.Fatalf("contact: %v %v", created, err)
		}
		if _, err := db.UpsertCustomerByExternalID(ctx, sys, &fieldportal.Customer{Name: "No id"}); fieldportal.ErrorCode(err) != fieldportal.EINVALID {
			t.Errorf("missing external id: %v", err)
		}
		entries, _, err := db.FindAuditLog(ctx, sys, fieldportal.AuditFilter{})
		if err != nil || len(entries) < 2 {
			t.Errorf("audit log: %d entries, %v", len(entries), err)
		}
	})
}

// TestFindLoginForSignInByEmail covers the fallback of sign-in to the
// contact's email address, which holds only when the address picks one
// login of the organisation.
func TestFindLoginForSignInByEmail(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		org, other := MustOrg(t, db, "Sign In"), MustOrg(t, db, "Elsewhere")
		sys := fieldportal.SystemViewer(org.ID, "test")
		c := MustCustomer(t, db, sys, &fieldportal.Customer{Name: "Client"})
		login := func(username, email string) *fieldportal.PortalLogin {
			t.Helper()
			ct := &fieldportal.Contact{FirstName: username, CustomerID: c.ID, Email: email}
			if err := db.CreateContact(ctx, sys, ct); err != nil {
				t.Fatal(err)
			}
			l := &fieldportal.PortalLogin{ContactID: ct.ID, Username: username, Pages: fieldportal.AllModules}
			if err := db.CreatePortalLogin(ctx, sys, l); err != nil {
				t.Fatal(err)
			}
			return l
		}
		ann := login("ann", "Ann@Example.test")
		login("bob", "shared@example.test")
		login("cat", "shared@example.test")

		tests := []struct {
			name, orgID, typed, wantID string
		}{
			{"username", org.ID, "ann", ann.ID},
			{"email in any case and with spaces", org.ID, "  ANN@example.TEST ", ann.ID},
			{"email of two logins", org.ID, "shared@example.test", ""},
			{"email of another organisation", other.ID, "ann@example.test", ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				l, err := db.FindLoginForSignIn(ctx, tt.orgID, tt.typed)
				if tt.wantID == "" {
					if fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
						t.Errorf("got %v, %v; want not found", l, err)
					}
					return
				}
				if err != nil || l.ID != tt.wantID {
					t.Errorf("got %v, %v; want login %s", l, err, tt.wantID)
				}
			})
		}
	})
}
