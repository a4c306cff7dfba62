package server

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/api"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// The audit log of issue 20 through the three doors: each audited action
// made once through the portal, the console and the API leaves exactly
// one entry, with its actor, door, address and user agent; the console
// reads and downloads the log, refusing a bad filter by its name; no
// route changes or deletes an entry; the activity page shows a manager
// its own customers' part and nothing of another customer.
func TestAuditThroughTheDoors(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		admin := f.addStaff("admin@example.test", fieldportal.RoleAdmin)
		parent := f.logins["parent@example.test"]
		child := f.logins["child@example.test"]
		c := mustAPIClient(t, f, f.org.ID, "portal.test")
		count := func() int {
			var n int
			if err := db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM audit_log WHERE org_id = $1`, f.org.ID).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		// step makes one action and checks it left exactly one entry, of
		// the action, by the actor, through the door.
		step := func(t *testing.T, action, actorKind, actorID string, door fieldportal.Door, do func()) *fieldportal.AuditEntry {
			t.Helper()
			before := count()
			do()
			n := count() - before
			if n != 1 {
				l, _, _ := db.FindAuditLog(ctx, f.sys, fieldportal.AuditFilter{Page: fieldportal.Page{Limit: max(n, 1)}})
				for _, e := range l {
					t.Logf("entry %s by %s through %s", e.Action, e.ActorKind, e.Door)
				}
				t.Fatalf("%s: %d entries, want 1", action, n)
			}
			l, _, err := db.FindAuditLog(ctx, f.sys, fieldportal.AuditFilter{Page: fieldportal.Page{Limit: 1}})
			if err != nil {
				t.Fatal(err)
			}
			e := l[0]
			if e.Action != action || e.ActorKind != actorKind || (actorID != "" && e.ActorID != actorID) || e.Door != door || e.IP == "" || e.UserAgent == "" {
				t.Errorf("entry %+v, want %s by %s %s through %s with an address and a user agent", e, action, actorKind, actorID, door)
			}
			return e
		}

		portal := f.browser()
		t.Run("portal", func(t *testing.T) {
			step(t, "signin.failed", fieldportal.ActorAnonymous, "", fieldportal.DoorPortal, func() {
				res, body := portal.post("/login", url.Values{"username": {"parent@example.test"}, "password": {"Not-the-password-1"}})
				wantStatus(t, "wrong password", res, body, http.StatusUnauthorized)
			})
			step(t, "signin.succeeded", fieldportal.ActorContact, parent.ContactID, fieldportal.DoorPortal, func() {
				portal.login("parent@example.test", testPassword)
			})
			x := &fieldportal.Quote{SiteID: f.site["hq"].ID, Stage: fieldportal.QuoteOutstanding, Description: "Lights",
				ValidUntil: fieldportal.Date{Year: 2099, Month: 1, Day: 1},
				Items:      []fieldportal.QuoteItem{{Description: "Lamp", Quantity: 1, UnitPrice: 1000, Total: 1000}}, TotalExTax: 1000, TotalIncTax: 1000}
			if err := db.CreateQuote(ctx, f.sys, x); err != nil {
				t.Fatal(err)
			}
			f.giveQuoteRole("parent@example.test")
			step(t, "quote.accepted", fieldportal.ActorContact, parent.ContactID, fieldportal.DoorPortal, func() {
				res, body := portal.post("/quotes/"+x.ID+"/accept", url.Values{"signed_by_name": {"Pat Parent"}})
				wantStatus(t, "accept the quote", res, body, http.StatusSeeOther)
			})
			step(t, "contact.updated", fieldportal.ActorContact, parent.ContactID, fieldportal.DoorPortal, func() {
				res, body := portal.post("/preferences", url.Values{"first_name": {"Pat"}, "last_name": {"Parent"}, "phone": {"0117 496 0000"}})
				wantStatus(t, "save my details", res, body, http.StatusSeeOther)
			})
		})
		console := f.browser()
		t.Run("console", func(t *testing.T) {
			step(t, "signin.succeeded", fieldportal.ActorStaff, admin.ID, fieldportal.DoorConsole, func() { console.consoleLogin("admin@example.test") })
			step(t, "api_key.created", fieldportal.ActorStaff, admin.ID, fieldportal.DoorConsole, func() {
				res, body := console.post("/console/api-keys", url.Values{"name": {"Accounts"}, "scope": {"read"}})
				wantStatus(t, "make a key", res, body, http.StatusOK)
			})
			keys, err := db.FindAPIKeys(ctx, f.sys)
			if err != nil {
				t.Fatal(err)
			}
			var made string
			for _, k := range keys {
				if k.Name == "Accounts" {
					made = k.ID
				}
			}
			step(t, "api_key.revoked", fieldportal.ActorStaff, admin.ID, fieldportal.DoorConsole, func() {
				res, body := console.post("/console/api-keys/"+made+"/revoke", url.Values{"action": {"revoke"}})
				wantStatus(t, "revoke the key", res, body, http.StatusSeeOther)
			})
			step(t, "login.access_changed", fieldportal.ActorStaff, admin.ID, fieldportal.DoorConsole, func() {
				res, body := console.post("/console/contacts/"+child.ContactID+"/access", url.Values{"action": {"disable"}})
				wantStatus(t, "disable the child's login", res, body, http.StatusSeeOther)
			})
			res, body := console.post("/console/contacts/"+child.ContactID+"/access", url.Values{"action": {"enable"}})
			wantStatus(t, "enable it again", res, body, http.StatusSeeOther)
		})
		t.Run("api", func(t *testing.T) {
			var ct api.Contact
			step(t, "contact.created", fieldportal.ActorAPI, "", fieldportal.DoorAPI, func() {
				c.must(201, &ct, "POST", "/api/v1/contacts", `{"first_name":"Dana","customer_id":"`+f.cust["child"].ID+`"}`, "User-Agent", "Back-office/2")
			})
			var s api.Site
			e := step(t, "site.created", fieldportal.ActorAPI, "", fieldportal.DoorAPI, func() {
				c.must(201, &s, "POST", "/api/v1/sites", `{"name":"Quay Store","customer_id":"`+f.cust["solo"].ID+`","address":{"line1":"2 Quay"}}`, "User-Agent", "Back-office/2")
			})
			if e.CustomerID != f.cust["solo"].ID {
				t.Errorf("the site's entry is of customer %q", e.CustomerID)
			}
		})

		t.Run("the console reads the log, filtered, and its CSV", func(t *testing.T) {
			res, body := console.get("/console/audit")
			wantStatus(t, "audit log", res, body, http.StatusOK)
			for _, want := range []string{"api_key.revoked", "signin.failed", "Nobody signed in", "Console", "API key", "Portal"} {
				if !strings.Contains(body, want) {
					t.Errorf("the log does not show %q", want)
				}
			}
			res, body = console.get("/console/audit?door=api")
			wantStatus(t, "API door", res, body, http.StatusOK)
			if !strings.Contains(body, "site.created") || strings.Contains(body, "api_key.revoked") {
				t.Error("the API door's filter shows the console's entries")
			}
			res, body = console.get("/console/audit.csv?door=console&action=api_key")
			wantStatus(t, "CSV", res, body, http.StatusOK)
			if lines := strings.Split(strings.TrimSpace(body), "\n"); len(lines) != 3 || !strings.Contains(lines[1], "api_key.revoked") || !strings.Contains(lines[2], "api_key.created") {
				t.Errorf("CSV:\n%s", body)
			}
			for q, field := range map[string]string{"from=2026-13-45": "From", "to=yesterday": "To", "door=back": "Door", "actor=root": "Actor"} {
				res, body := console.get("/console/audit?" + q)
				if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, field+" must") {
					t.Errorf("%s = %d, want 400 naming %s", q, res.StatusCode, field)
				}
			}
			staff := f.browser()
			f.addStaff("desk@example.test", fieldportal.RoleStaff)
			staff.consoleLogin("desk@example.test")
			if res, _ := staff.get("/console/audit"); res.StatusCode != http.StatusOK {
				t.Errorf("a staff user reads the log: %d", res.StatusCode)
			}
			if res, _ := portal.get("/console/audit"); res.StatusCode != http.StatusFound {
				t.Errorf("a contact's session at /console/audit = %d, want the console's sign-in", res.StatusCode)
			}
		})
		t.Run("no route changes or deletes an entry", func(t *testing.T) {
			before := count()
			l, _, _ := db.FindAuditLog(ctx, f.sys, fieldportal.AuditFilter{Page: fieldportal.Page{Limit: 1}})
			id := l[0].ID
			for _, m := range []string{"POST", "PUT", "PATCH", "DELETE"} {
				for _, p := range []string{"/console/audit", "/console/audit/" + id, "/preferences/activity", "/api/v1/audit", "/api/v1/audit/" + id} {
					req, _ := http.NewRequest(m, f.srv.URL+p, strings.NewReader("detail=forged"))
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
					res, _ := console.do(req)
					if res.StatusCode < 400 {
						t.Errorf("%s %s = %d", m, p, res.StatusCode)
					}
					if strings.HasPrefix(p, "/api/") {
						res, _ := c.call(m, p, `{"detail":"forged"}`)
						if res.StatusCode < 400 {
							t.Errorf("API %s %s = %d", m, p, res.StatusCode)
						}
					}
				}
			}
			if count() != before {
				t.Errorf("%d entries, %d before", count(), before)
			}
		})
		t.Run("the activity page: a manager's customers, nobody else's", func(t *testing.T) {
			if res, _ := portal.get("/preferences/activity"); res.StatusCode != http.StatusNotFound {
				t.Errorf("a contact who does not manage contacts = %d, want 404", res.StatusCode)
			}
			parent.MayManageContacts = true
			if err := db.UpdateLoginAccess(ctx, f.sys, parent); err != nil {
				t.Fatal(err)
			}
			solo, _ := f.addLogin("solo", "Sol", "Zephyrine", "sol@example.test", fieldportal.LoginActive, testPassword, false, fieldportal.AllModules)
			other := f.browser()
			other.login("sol@example.test", testPassword)
			res, body := other.post("/preferences", url.Values{"first_name": {"Sol"}, "last_name": {"Zephyrine"}, "phone": {"0161 496 0000"}})
			wantStatus(t, "solo saves its details", res, body, http.StatusSeeOther)
			res, body = portal.get("/preferences/activity")
			wantStatus(t, "activity", res, body, http.StatusOK)
			if !strings.Contains(body, "Signed in") || !strings.Contains(body, "Contact updated") {
				t.Errorf("the parent's own activity is missing:\n%s", body)
			}
			if strings.Contains(body, "Zephyrine") || strings.Contains(body, "Quay") || strings.Contains(body, solo.ID) {
				t.Error("the activity page shows another customer's entries")
			}
			if regexp.MustCompile(`api_key|Api key`).MatchString(body) {
				t.Error("the activity page shows the operator's own entries")
			}
			res, body = portal.get("/preferences/activity?from=2026-02-30")
			if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "From must") {
				t.Errorf("a bad date = %d", res.StatusCode)
			}
		})
	})
}
