package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

func TestRecurringInvoices(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := newMoneyWorld(t, db)
		staff := w.staff
		schedule := func(name, customerID, siteID string) *fieldportal.RecurringInvoice {
			return MustRecurring(t, db, staff, &fieldportal.RecurringInvoice{Name: name, CustomerID: customerID, SiteID: siteID,
				TotalIncTax: 12000, Frequency: fieldportal.Monthly, NextDueDate: moneyDay(2025, 6, 1), Autopay: true, Active: true})
		}
		// Created out of name order, so that the list's order is tested.
		maint := schedule("Maintenance A", "", w.siteA.ID)
		alarm := schedule("Alarm monitoring B", "", w.siteB.ID)
		whole := schedule("Group service plan", w.parent.ID, "")
		childPlan := schedule("Child plan", "", w.siteC.ID)
		byName := []*fieldportal.RecurringInvoice{alarm, childPlan, whole, maint}

		t.Run("create and find round trip", func(t *testing.T) {
			if maint.CustomerID != w.parent.ID {
				t.Errorf("customer from site = %q", maint.CustomerID)
			}
			got, err := db.FindRecurringInvoiceByID(ctx, staff, maint.ID)
			if err != nil {
				t.Fatal(err)
			}
			want := *maint
			want.SiteName, want.CustomerName = "Site A", "Group"
			if diff := cmp.Diff(&want, got); diff != "" {
				t.Errorf("differs (-want +got):\n%s", diff)
			}
		})
		t.Run("invalid schedule names the field", func(t *testing.T) {
			err := db.CreateRecurringInvoice(ctx, staff, &fieldportal.RecurringInvoice{Name: "x", CustomerID: w.parent.ID, TotalIncTax: 1, Frequency: "daily"})
			if e, ok := err.(*fieldportal.Error); !ok || e.Field != "frequency" {
				t.Fatalf("err = %v, want invalid frequency", err)
			}
		})
		t.Run("keyset pages visit every schedule once by name", func(t *testing.T) {
			var got []string
			after := ""
			for range 10 {
				page, next, err := db.FindRecurringInvoices(ctx, staff, fieldportal.RecurringInvoiceFilter{Page: fieldportal.Page{After: after, Limit: 1}})
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, moneyIDs(page)...)
				if next == "" {
					break
				}
				after = next
			}
			if diff := cmp.Diff(moneyIDs(byName), got); diff != "" {
				t.Errorf("pages differ (-want +got):\n%s", diff)
			}
			page, _, err := db.FindRecurringInvoices(ctx, staff, fieldportal.RecurringInvoiceFilter{SiteID: w.siteB.ID})
			if err != nil || len(page) != 1 || page[0].ID != alarm.ID {
				t.Errorf("site filter: %v %v", moneyIDs(page), err)
			}
		})
		t.Run("upsert by external id and updated since", func(t *testing.T) {
			mark := time.Now().UTC()
			db.Now = func() time.Time { return mark.Add(time.Minute) }
			defer func() { db.Now = time.Now }()
			r := &fieldportal.RecurringInvoice{ExternalID: "BO-R1", Name: "Synced", SiteID: w.siteA.ID, TotalIncTax: 500, Frequency: fieldportal.Yearly, Active: true}
			created, err := db.UpsertRecurringInvoiceByExternalID(ctx, staff, r)
			if err != nil || !created {
				t.Fatalf("first upsert: %v %v", created, err)
			}
			r2 := &fieldportal.RecurringInvoice{ExternalID: "BO-R1", Name: "Synced again", SiteID: w.siteA.ID, TotalIncTax: 700, Frequency: fieldportal.Yearly, Active: true}
			created, err = db.UpsertRecurringInvoiceByExternalID(ctx, staff, r2)
			if err != nil || created || r2.ID != r.ID {
				t.Fatalf("second upsert: %v %v", created, err)
			}
			page, _, err := db.FindRecurringInvoices(ctx, staff, fieldportal.RecurringInvoiceFilter{UpdatedSince: mark})
			if err != nil || len(page) != 1 || page[0].Name != "Synced again" || page[0].TotalIncTax != 700 {
				t.Errorf("updated since: %+v %v", page, err)
			}
			mustMoneyExec(t, db, `DELETE FROM recurring_invoices WHERE id = $1`, r.ID)
		})
		t.Run("another organisation and nobody see nothing", func(t *testing.T) {
			for name, v := range map[string]fieldportal.Viewer{"other org": fieldportal.SystemViewer(w.other.ID, "test"), "anonymous": {}} {
				page, _, err := db.FindRecurringInvoices(ctx, v, fieldportal.RecurringInvoiceFilter{})
				if err == nil && len(page) > 0 {
					t.Errorf("%s sees %d schedules", name, len(page))
				}
				if _, err := db.CancelAutopay(ctx, v, maint.ID); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
					t.Errorf("%s cancels: err = %v", name, err)
				}
			}
		})
		t.Run("contact scope and cancel autopay", func(t *testing.T) {
			assignedB := MustMoneyContact(t, db, w.org.ID, w.parent.ID, fieldportal.SiteAccessAssigned, []string{w.siteB.ID})
			childAll := MustMoneyContact(t, db, w.org.ID, w.child.ID, fieldportal.SiteAccessAll, nil)
			noModule := MustMoneyContact(t, db, w.org.ID, w.parent.ID, fieldportal.SiteAccessAll, nil, fieldportal.ModuleInvoices)
			page, _, err := db.FindRecurringInvoices(ctx, assignedB, fieldportal.RecurringInvoiceFilter{})
			if err != nil || len(page) != 1 || page[0].ID != alarm.ID {
				t.Errorf("assigned contact sees %v, %v", moneyIDs(page), err)
			}
			page, _, err = db.FindRecurringInvoices(ctx, childAll, fieldportal.RecurringInvoiceFilter{})
			if err != nil || len(page) != 1 || page[0].ID != childPlan.ID {
				t.Errorf("child sees %v, %v", moneyIDs(page), err)
			}
			if _, _, err := db.FindRecurringInvoices(ctx, noModule, fieldportal.RecurringInvoiceFilter{}); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
				t.Errorf("without the autopay module: %v", err)
			}
			if _, err := db.CancelAutopay(ctx, noModule, maint.ID); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
				t.Errorf("cancel without the autopay module: %v", err)
			}
			if _, err := db.CancelAutopay(ctx, assignedB, whole.ID); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
				t.Errorf("cancel out of reach: %v", err)
			}
			for i, events := range []string{"autopay.cancelled", "*", "job.booked", "autopay.cancelled"} {
				active := i != 3
				if _, err := db.SQL().Exec(`INSERT INTO webhook_endpoints (id, org_id, url, secret, events, active, created_at, updated_at)
					VALUES ($1, $2, 'https://bo.example.test/hook', 'whsec', $3, $4, $5, $5)`, sqlstore.NewID(), w.org.ID, events, active, time.Now()); err != nil {
					t.Fatal(err)
				}
			}
			got, err := db.CancelAutopay(ctx, assignedB, alarm.ID)
			if err != nil || got.Autopay {
				t.Fatalf("cancel: %+v %v", got, err)
			}
			again, err := db.FindRecurringInvoiceByID(ctx, staff, alarm.ID)
			if err != nil || again.Autopay || !again.Active {
				t.Errorf("after cancel: %+v %v", again, err)
			}
			if _, err := db.CancelAutopay(ctx, assignedB, alarm.ID); err != nil {
				t.Errorf("second cancel: %v", err)
			}
			// One event for each active endpoint that listens to it, the
			// first cancel only, carrying the schedule.
			var events int
			if err := db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM outbox WHERE kind = 'webhook' AND topic = 'autopay.cancelled'
				AND org_id = $1 AND payload LIKE $2`, w.org.ID, `%"type":"autopay.cancelled"%`+alarm.ID+`%`).Scan(&events); err != nil || events != 2 {
				t.Errorf("%d webhook deliveries queued, %v; want 2", events, err)
			}
			var audits int
			if err := db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM audit_log WHERE action = 'autopay.cancelled' AND entity_id = $1 AND actor_id = $2`,
				alarm.ID, assignedB.ContactID).Scan(&audits); err != nil || audits != 1 {
				t.Errorf("%d audit rows, %v; want 1", audits, err)
			}
			// Automatic payment turned off by an edit (the console's form,
			// the API) is a cancellation too, with the same event.
			edited, err := db.FindRecurringInvoiceByID(ctx, staff, whole.ID)
			if err != nil || !edited.Autopay {
				t.Fatalf("the schedule to edit: %+v, %v; want autopay on", edited, err)
			}
			edited.Autopay = false
			if err := db.UpdateRecurringInvoice(ctx, staff, edited); err != nil {
				t.Fatal(err)
			}
			if err := db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM outbox WHERE kind = 'webhook' AND topic = 'autopay.cancelled'
				AND org_id = $1 AND payload LIKE $2`, w.org.ID, `%`+whole.ID+`%`).Scan(&events); err != nil || events != 2 {
				t.Errorf("%d webhook deliveries queued for the edit, %v; want 2", events, err)
			}
		})
	})
}

func TestSavedCards(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := newMoneyWorld(t, db)
		staff := w.staff
		c := &fieldportal.SavedCard{CustomerID: w.parent.ID, Provider: "stripe", ProviderRef: "pm_1", Brand: "visa", Last4: "4242", ExpMonth: 12, ExpYear: 2030}
		if err := db.PutSavedCard(ctx, staff, c); err != nil {
			t.Fatal(err)
		}

		t.Run("put and find round trip", func(t *testing.T) {
			got, err := db.FindSavedCard(ctx, staff, w.parent.ID)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(c, got); diff != "" {
				t.Errorf("card differs (-want +got):\n%s", diff)
			}
		})
		t.Run("the cards of several customers at once", func(t *testing.T) {
			childCard := &fieldportal.SavedCard{CustomerID: w.child.ID, Provider: "stripe", ProviderRef: "pm_c", Brand: "visa",
				Last4: "1111", ExpMonth: 3, ExpYear: 2029}
			if err := db.PutSavedCard(ctx, staff, childCard); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				if _, err := db.SQL().ExecContext(ctx, `DELETE FROM saved_cards WHERE id = $1`, childCard.ID); err != nil {
					t.Error(err)
				}
			})
			parentAll := MustMoneyContact(t, db, w.org.ID, w.parent.ID, fieldportal.SiteAccessAll, nil)
			childAll := MustMoneyContact(t, db, w.org.ID, w.child.ID, fieldportal.SiteAccessAll, nil)
			assigned := MustMoneyContact(t, db, w.org.ID, w.parent.ID, fieldportal.SiteAccessAssigned, []string{w.siteA.ID})
			asked := []string{w.child.ID, w.parent.ID, "no-such-customer"}
			both := []string{c.ID, childCard.ID}
			if w.child.ID < w.parent.ID {
				both = []string{childCard.ID, c.ID}
			}
			for _, tc := range []struct {
				name string
				v    fieldportal.Viewer
				ids  []string
				want []string
			}{
				{"staff", staff, asked, both},
				{"the parent's contact holds its subtree's", parentAll, asked, both},
				{"the child's contact holds its own", childAll, asked, []string{childCard.ID}},
				{"a contact of assigned sites holds none", assigned, asked, nil},
				{"another organisation holds none", fieldportal.SystemViewer(w.other.ID, "test"), asked, nil},
				{"no customers, no cards", staff, nil, nil},
			} {
				t.Run(tc.name, func(t *testing.T) {
					got, err := db.FindSavedCards(ctx, tc.v, tc.ids)
					if err != nil {
						t.Fatal(err)
					}
					var ids []string
					for _, x := range got {
						ids = append(ids, x.ID)
					}
					if diff := cmp.Diff(tc.want, ids); diff != "" {
						t.Errorf("cards (-want +got):\n%s", diff)
					}
				})
			}
		})
		t.Run("a contact replaces the one card", func(t *testing.T) {
			contact := MustMoneyContact(t, db, w.org.ID, w.parent.ID, fieldportal.SiteAccessAll, nil)
			n := &fieldportal.SavedCard{CustomerID: w.parent.ID, Provider: "stripe", ProviderRef: "pm_2", Brand: "mastercard", Last4: "4444", ExpMonth: 1, ExpYear: 2031}
			if err := db.PutSavedCard(ctx, contact, n); err != nil {
				t.Fatal(err)
			}
			got, err := db.FindSavedCard(ctx, contact, w.parent.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.ID != c.ID || got.Last4 != "4444" || got.ProviderRef != "pm_2" || !got.CreatedAt.Equal(c.CreatedAt) {
				t.Errorf("after replace: %+v", got)
			}
			var rows int
			if err := db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM saved_cards WHERE customer_id = $1`, w.parent.ID).Scan(&rows); err != nil || rows != 1 {
				t.Errorf("%d cards, %v", rows, err)
			}
		})
		t.Run("invalid card names the field", func(t *testing.T) {
			err := db.PutSavedCard(ctx, staff, &fieldportal.SavedCard{CustomerID: w.parent.ID, Provider: "stripe"})
			if e, ok := err.(*fieldportal.Error); !ok || e.Field != "provider_ref" {
				t.Fatalf("err = %v, want invalid provider_ref", err)
			}
		})
		t.Run("out of reach", func(t *testing.T) {
			assigned := MustMoneyContact(t, db, w.org.ID, w.parent.ID, fieldportal.SiteAccessAssigned, []string{w.siteA.ID})
			child := MustMoneyContact(t, db, w.org.ID, w.child.ID, fieldportal.SiteAccessAll, nil)
			noModule := MustMoneyContact(t, db, w.org.ID, w.parent.ID, fieldportal.SiteAccessAll, nil, fieldportal.ModuleInvoices)
			for name, v := range map[string]fieldportal.Viewer{"assigned sites": assigned, "child": child, "no module": noModule,
				"other org": fieldportal.SystemViewer(w.other.ID, "test"), "anonymous": {}} {
				if _, err := db.FindSavedCard(ctx, v, w.parent.ID); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
					t.Errorf("%s finds the card: %v", name, err)
				}
				err := db.PutSavedCard(ctx, v, &fieldportal.SavedCard{CustomerID: w.parent.ID, Provider: "stripe", ProviderRef: "pm_x"})
				if code := fieldportal.ErrorCode(err); code != fieldportal.ENOTFOUND && code != fieldportal.EINVALID {
					t.Errorf("%s puts a card: %v", name, err)
				}
			}
			got, err := db.FindSavedCard(ctx, staff, w.parent.ID)
			if err != nil || got.ProviderRef == "pm_x" {
				t.Errorf("card changed from out of reach: %+v %v", got, err)
			}
		})
	})
}
