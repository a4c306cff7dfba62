package sqlstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// TestUpdateIfUnchanged checks the optimistic lock of customers, sites,
// contacts, jobs, issues, quotes, appointments, tasks, certificates, assets (moved or not), asset tests, invoices,
// payments' references and recurring invoices (the API's If-Match): an update naming the updated_at it
// read saves only over that version, and is refused with ErrChanged once
// another save came between.
func TestUpdateIfUnchanged(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := newMoneyWorld(t, db)
		at := time.Now().UTC().Truncate(time.Second)
		db.Now = func() time.Time { at = at.Add(time.Millisecond); return at }
		t.Cleanup(func() { db.Now = time.Now })
		contact := &fieldportal.Contact{CustomerID: w.child.ID, FirstName: "Dana"}
		if err := db.CreateContact(ctx, w.staff, contact); err != nil {
			t.Fatal(err)
		}
		issue := &fieldportal.Issue{SiteID: w.siteC.ID, Title: "Leak", Priority: fieldportal.PriorityNormal, Status: fieldportal.IssueOpen}
		if err := db.CreateIssue(ctx, w.staff, issue); err != nil {
			t.Fatal(err)
		}
		quote := &fieldportal.Quote{SiteID: w.siteC.ID, Stage: fieldportal.QuoteOutstanding}
		if err := db.CreateQuote(ctx, w.staff, quote); err != nil {
			t.Fatal(err)
		}
		job := &fieldportal.Job{SiteID: w.siteC.ID, Kind: fieldportal.JobService, Stage: fieldportal.StagePending}
		if err := db.CreateJob(ctx, w.staff, job); err != nil {
			t.Fatal(err)
		}
		appt := &fieldportal.Appointment{SiteID: w.siteC.ID, StartsAt: at.Add(time.Hour), EndsAt: at.Add(2 * time.Hour)}
		if err := db.CreateAppointment(ctx, w.staff, appt); err != nil {
			t.Fatal(err)
		}
		task := &fieldportal.Task{SiteID: w.siteC.ID, Subject: "Call", Status: "open"}
		if err := db.CreateTask(ctx, w.staff, task); err != nil {
			t.Fatal(err)
		}
		cert := &fieldportal.Certificate{SiteID: w.siteC.ID, Type: "EICR", IssuedOn: fieldportal.DateOf(at)}
		if err := db.CreateCertificate(ctx, w.staff, cert); err != nil {
			t.Fatal(err)
		}
		asset := &fieldportal.Asset{SiteID: w.siteA.ID, Number: "A1", Type: "Boiler", Name: "Boiler"}
		if err := db.CreateAsset(ctx, w.staff, asset); err != nil {
			t.Fatal(err)
		}
		atest := &fieldportal.AssetTest{AssetID: asset.ID, TestedOn: fieldportal.DateOf(at), Result: fieldportal.TestPass}
		if err := db.CreateAssetTest(ctx, w.staff, atest); err != nil {
			t.Fatal(err)
		}
		inv := w.invoice(w.child.ID, w.siteC.ID, fieldportal.DateOf(at), 1200)
		if err := db.CreateInvoice(ctx, w.staff, inv); err != nil {
			t.Fatal(err)
		}
		pay := &fieldportal.Payment{CustomerID: w.child.ID, Amount: 100, Method: "cash", PaidAt: at}
		if err := db.RecordManualPayment(ctx, w.staff, pay, "CHQ 1"); err != nil {
			t.Fatal(err)
		}
		sched := &fieldportal.RecurringInvoice{CustomerID: w.child.ID, Name: "Monthly", TotalIncTax: 100, Frequency: fieldportal.Monthly}
		if err := db.CreateRecurringInvoice(ctx, w.staff, sched); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name string
			// read reads the record again; save saves it with ifAt.
			read func() (time.Time, error)
			save func(ifAt time.Time) error
		}{
			{"customer", func() (time.Time, error) {
				c, err := db.FindCustomerByID(ctx, w.staff, w.child.ID)
				return c.UpdatedAt, err
			}, func(ifAt time.Time) error {
				c, err := db.FindCustomerByID(ctx, w.staff, w.child.ID)
				if err != nil {
					return err
				}
				c.Phone, c.IfUpdatedAt = "0117 "+ifAt.Format("150405.000"), ifAt
				return db.UpdateCustomer(ctx, w.staff, c)
			}},
			{"site", func() (time.Time, error) {
				s, err := db.FindSiteByID(ctx, w.staff, w.siteC.ID)
				return s.UpdatedAt, err
			}, func(ifAt time.Time) error {
				s, err := db.FindSiteByID(ctx, w.staff, w.siteC.ID)
				if err != nil {
					return err
				}
				s.Notes, s.IfUpdatedAt = "Gate "+ifAt.Format("150405.000"), ifAt
				return db.UpdateSite(ctx, w.staff, s)
			}},
			{"contact", func() (time.Time, error) {
				c, err := db.FindContactByID(ctx, w.staff, contact.ID)
				return c.UpdatedAt, err
			}, func(ifAt time.Time) error {
				c, err := db.FindContactByID(ctx, w.staff, contact.ID)
				if err != nil {
					return err
				}
				c.Position, c.IfUpdatedAt = "Pos "+ifAt.Format("150405.000"), ifAt
				return db.UpdateContact(ctx, w.staff, c)
			}},
			{"job", func() (time.Time, error) {
				j, err := db.FindJobByID(ctx, w.staff, job.ID)
				return j.UpdatedAt, err
			}, func(ifAt time.Time) error {
				j, err := db.FindJobByID(ctx, w.staff, job.ID)
				if err != nil {
					return err
				}
				j.Technician, j.IfUpdatedAt = "Tech "+ifAt.Format("150405.000"), ifAt
				return db.UpdateJob(ctx, w.staff, j)
			}},
			{"job stage move", func() (time.Time, error) {
				j, err := db.FindJobByID(ctx, w.staff, job.ID)
				return j.UpdatedAt, err
			}, func(ifAt time.Time) error {
				j, err := db.FindJobByID(ctx, w.staff, job.ID)
				if err != nil {
					return err
				}
				to := fieldportal.StageScheduled // back and forth, each an allowed move
				if j.Stage == to {
					to = fieldportal.StagePending
				}
				_, err = db.MoveJobStage(ctx, w.staff, fieldportal.JobStageMove{JobID: j.ID, To: to, IfUpdatedAt: ifAt})
				return err
			}},
			{"issue", func() (time.Time, error) {
				x, err := db.FindIssueByID(ctx, w.staff, issue.ID)
				return x.UpdatedAt, err
			}, func(ifAt time.Time) error {
				x, err := db.FindIssueByID(ctx, w.staff, issue.ID)
				if err != nil {
					return err
				}
				x.Description, x.IfUpdatedAt = "Drip "+ifAt.Format("150405.000"), ifAt
				return db.UpdateIssue(ctx, w.staff, x)
			}},
			{"quote", func() (time.Time, error) {
				x, err := db.FindQuoteByID(ctx, w.staff, quote.ID)
				return x.UpdatedAt, err
			}, func(ifAt time.Time) error {
				x, err := db.FindQuoteByID(ctx, w.staff, quote.ID)
				if err != nil {
					return err
				}
				x.OrderNo, x.IfUpdatedAt = "PO "+ifAt.Format("150405.000"), ifAt
				return db.UpdateQuote(ctx, w.staff, x)
			}},
			{"appointment", func() (time.Time, error) {
				x, err := db.FindAppointmentByID(ctx, w.staff, appt.ID)
				return x.UpdatedAt, err
			}, func(ifAt time.Time) error {
				x, err := db.FindAppointmentByID(ctx, w.staff, appt.ID)
				if err != nil {
					return err
				}
				x.Description, x.IfUpdatedAt = "Visit "+ifAt.Format("150405.000"), ifAt
				return db.UpdateAppointment(ctx, w.staff, x)
			}},
			{"task", func() (time.Time, error) {
				x, err := db.FindTaskByID(ctx, w.staff, task.ID)
				return x.UpdatedAt, err
			}, func(ifAt time.Time) error {
				x, err := db.FindTaskByID(ctx, w.staff, task.ID)
				if err != nil {
					return err
				}
				x.Description, x.IfUpdatedAt = "Note "+ifAt.Format("150405.000"), ifAt
				return db.UpdateTask(ctx, w.staff, x)
			}},
			{"certificate", func() (time.Time, error) {
				x, err := db.FindCertificateByID(ctx, w.staff, cert.ID)
				return x.UpdatedAt, err
			}, func(ifAt time.Time) error {
				x, err := db.FindCertificateByID(ctx, w.staff, cert.ID)
				if err != nil {
					return err
				}
				x.Number, x.IfUpdatedAt = "N "+ifAt.Format("150405.000"), ifAt
				return db.UpdateCertificate(ctx, w.staff, x)
			}},
			{"asset", func() (time.Time, error) {
				x, err := db.FindAssetByID(ctx, w.staff, asset.ID)
				return x.UpdatedAt, err
			}, func(ifAt time.Time) error {
				x, err := db.FindAssetByID(ctx, w.staff, asset.ID)
				if err != nil {
					return err
				}
				x.Serial, x.IfUpdatedAt = "SN "+ifAt.Format("150405.000"), ifAt
				return db.UpdateAsset(ctx, w.staff, x)
			}},
			// A save that moves the asset checks the version too, before
			// the transfer is recorded.
			{"asset moved", func() (time.Time, error) {
				x, err := db.FindAssetByID(ctx, w.staff, asset.ID)
				return x.UpdatedAt, err
			}, func(ifAt time.Time) error {
				x, err := db.FindAssetByID(ctx, w.staff, asset.ID)
				if err != nil {
					return err
				}
				to := w.siteB.ID
				if x.SiteID == to {
					to = w.siteA.ID
				}
				x.SiteID, x.IfUpdatedAt = to, ifAt
				return db.UpdateAsset(ctx, w.staff, x)
			}},
			{"asset test", func() (time.Time, error) {
				x, err := db.FindAssetTestByID(ctx, w.staff, atest.ID)
				return x.UpdatedAt, err
			}, func(ifAt time.Time) error {
				x, err := db.FindAssetTestByID(ctx, w.staff, atest.ID)
				if err != nil {
					return err
				}
				x.Notes, x.IfUpdatedAt = "Notes "+ifAt.Format("150405.000"), ifAt
				return db.UpdateAssetTest(ctx, w.staff, x)
			}},
			{"invoice", func() (time.Time, error) {
				x, err := db.FindInvoiceByID(ctx, w.staff, inv.ID)
				return x.UpdatedAt, err
			}, func(ifAt time.Time) error {
				x, err := db.FindInvoiceByID(ctx, w.staff, inv.ID)
				if err != nil {
					return err
				}
				x.Description, x.IfUpdatedAt = "Work "+ifAt.Format("150405.000"), ifAt
				return db.UpdateInvoice(ctx, w.staff, x)
			}},
			{"payment's reference", func() (time.Time, error) {
				x, err := db.FindPaymentByID(ctx, w.staff, pay.ID)
				return x.UpdatedAt, err
			}, func(ifAt time.Time) error {
				x, err := db.FindPaymentByID(ctx, w.staff, pay.ID)
				if err != nil {
					return err
				}
				x.Reference, x.IfUpdatedAt = "CHQ "+ifAt.Format("150405.000"), ifAt
				return db.UpdatePaymentReference(ctx, w.staff, x)
			}},
			{"recurring invoice", func() (time.Time, error) {
				x, err := db.FindRecurringInvoiceByID(ctx, w.staff, sched.ID)
				return x.UpdatedAt, err
			}, func(ifAt time.Time) error {
				x, err := db.FindRecurringInvoiceByID(ctx, w.staff, sched.ID)
				if err != nil {
					return err
				}
				x.Name, x.IfUpdatedAt = "Monthly "+ifAt.Format("150405.000"), ifAt
				return db.UpdateRecurringInvoice(ctx, w.staff, x)
			}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				read, err := tc.read()
				if err != nil {
					t.Fatal(err)
				}
				if err := tc.save(read); err != nil {
					t.Fatalf("a save over the version read: %v", err)
				}
				if err := tc.save(read); !errors.Is(err, fieldportal.ErrChanged) {
					t.Errorf("a save over a stale version = %v, want ErrChanged", err)
				}
				if err := tc.save(time.Time{}); err != nil {
					t.Errorf("a save without a version: %v", err)
				}
			})
		}
	})
}

// TestUpdateAssetMovedIfUnchanged checks that a save moving an asset under
// If-Match is refused when another save lands while it runs: the version
// is checked by the UPDATE too, not only when the asset is read.
// PostgreSQL only: SQLite runs one write transaction at a time.
func TestUpdateAssetMovedIfUnchanged(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		if db.Dialect() == sqlstore.SQLite {
			t.Skip("SQLite runs one write transaction at a time")
		}
		ctx := context.Background()
		w := newMoneyWorld(t, db)
		asset := &fieldportal.Asset{SiteID: w.siteA.ID, Number: "A1", Type: "Boiler", Name: "Boiler"}
		if err := db.CreateAsset(ctx, w.staff, asset); err != nil {
			t.Fatal(err)
		}
		x, err := db.FindAssetByID(ctx, w.staff, asset.ID)
		if err != nil {
			t.Fatal(err)
		}
		// Another save, not yet committed, holds the asset's row.
		other, err := db.SQL().BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer other.Rollback()
		if _, err := other.ExecContext(ctx, `UPDATE assets SET name = 'Renamed', updated_at = $2 WHERE id = $1`,
			asset.ID, x.UpdatedAt.Add(time.Second)); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() {
			x.SiteID, x.IfUpdatedAt = w.siteB.ID, x.UpdatedAt
			done <- db.UpdateAsset(ctx, w.staff, x)
		}()
		time.Sleep(300 * time.Millisecond) // the move waits on the row
		if err := other.Commit(); err != nil {
			t.Fatal(err)
		}
		if err := <-done; !errors.Is(err, fieldportal.ErrChanged) {
			t.Errorf("a move over a version changed meanwhile = %v, want ErrChanged", err)
		}
		got, err := db.FindAssetByID(ctx, w.staff, asset.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != "Renamed" || got.SiteID != w.siteA.ID {
			t.Errorf("asset = %q at %s, want the other save's %q at site A", got.Name, got.SiteID, "Renamed")
		}
	})
}
