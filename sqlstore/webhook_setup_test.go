package sqlstore_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/auth"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// An invited contact who corrects its name while setting up its login
// has changed the contact in the portal: the back office hears of it as
// contact.updated, as of any change of a contact, whoever made it.
func TestWebhookEventOfSetupNameChange(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		org := MustOrg(t, db, "Setup")
		sys := fieldportal.SystemViewer(org.ID, "test")
		cust := MustCustomer(t, db, sys, &fieldportal.Customer{Name: "C"})
		c := &fieldportal.Contact{CustomerID: cust.ID, FirstName: "Kym", Email: "kim@example.test"}
		if err := db.CreateContact(ctx, sys, c); err != nil {
			t.Fatal(err)
		}
		l := &fieldportal.PortalLogin{ContactID: c.ID, Username: "kim@example.test", Pages: fieldportal.AllModules}
		if err := db.CreatePortalLogin(ctx, sys, l); err != nil {
			t.Fatal(err)
		}
		plain, hash, _ := auth.NewToken()
		invite := &fieldportal.OutboxMessage{OrgID: org.ID, Kind: "mail", Topic: "invite", Recipient: c.Email, Subject: "Link", Payload: "/x/" + plain}
		if err := db.IssueToken(ctx, sys, &fieldportal.OneTimeToken{TokenHash: hash, OrgID: org.ID, Purpose: fieldportal.TokenInvite, LoginID: l.ID}, invite); err != nil {
			t.Fatal(err)
		}
		mustListenAll(t, db, org.ID)
		if _, err := db.CompleteSetup(ctx, org.ID, hash, "Kim", "Park", "kimp", "hash1"); err != nil {
			t.Fatal(err)
		}
		rows, err := db.SQL().QueryContext(ctx, `SELECT payload FROM outbox WHERE org_id = $1 AND kind = 'webhook' ORDER BY id`, org.ID)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		type contactData struct {
			ID        string `json:"id"`
			FirstName string `json:"first_name"`
			LastName  string `json:"last_name"`
		}
		type event struct {
			Type, Source string
			Data         contactData
		}
		var got []event
		for rows.Next() {
			var body string
			var ev event
			if err := rows.Scan(&body); err != nil || json.Unmarshal([]byte(body), &ev) != nil {
				t.Fatalf("outbox row %q: %v", body, err)
			}
			got = append(got, ev)
		}
		want := []event{{Type: "contact.updated", Source: "portal", Data: contactData{c.ID, "Kim", "Park"}}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("events (-want +got):\n%s", diff)
		}
	})
}
