package sqlstore_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// bookingNow is the clock of the booking tests: Monday 1 June 2026, 09:00
// in London (BST); bookings open from Tuesday 2 June.
var bookingNow = time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)

// tinyPNG is a 1x1 PNG, as a customer's photo.
var tinyPNG = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")

// bookingWorld is workWorld with its clock fixed, a contact at the parent
// (reaching sites A and B) and one at the child (site B).
type bookingWorld struct {
	*workWorld
	Parent, Child fieldportal.Viewer
	loc           *time.Location
}

func mustBookingWorld(tb testing.TB, db *sqlstore.DB) *bookingWorld {
	tb.Helper()
	db.Now = func() time.Time { return bookingNow }
	w := &bookingWorld{workWorld: mustWorkWorld(tb, db)}
	w.Parent = mustWorkContact(tb, db, w.Org.ID, w.workWorld.Parent.ID, nil)
	w.Child = mustWorkContact(tb, db, w.Org.ID, w.workWorld.Child.ID, nil)
	loc, err := time.LoadLocation(w.Org.TimeZone)
	if err != nil {
		tb.Fatal(err)
	}
	w.loc = loc
	return w
}

// slot is the window of the organisation's default diary starting at the
// hour on day (June 2026) in its zone.
func (w *bookingWorld) slot(tb testing.TB, day, hour int) fieldportal.TimeWindow {
	tb.Helper()
	s, ok := fieldportal.DefaultDiarySettings().FindSlot(fieldportal.Date{Year: 2026, Month: 6, Day: day}, w.loc, time.Date(2026, 6, day, hour, 0, 0, 0, w.loc).Format("15:04"))
	if !ok {
		tb.Fatalf("no slot at %02d:00 on %d June", hour, day)
	}
	return s
}

// booking is a job to book at site on the June day in the window starting at hour.
func (w *bookingWorld) booking(tb testing.TB, site *fieldportal.Site, day, hour int) *fieldportal.Job {
	return &fieldportal.Job{SiteID: site.ID, Kind: fieldportal.JobService, Description: "Alarm keeps sounding",
		PreferredDate: fieldportal.Date{Year: 2026, Month: 6, Day: day}, RequestedWindow: w.slot(tb, day, hour)}
}

// MustBookJob books a job and fails the test if it cannot.
func MustBookJob(tb testing.TB, db *sqlstore.DB, v fieldportal.Viewer, j *fieldportal.Job, files ...fieldportal.Upload) *fieldportal.Job {
	tb.Helper()
	if err := db.BookJob(context.Background(), v, j, files); err != nil {
		tb.Fatalf("book job: %v", err)
	}
	return j
}

// mustWindowLabels lists the windows offered at a site on a June day.
func (w *bookingWorld) mustWindowLabels(tb testing.TB, db *sqlstore.DB, v fieldportal.Viewer, site *fieldportal.Site, day int) []string {
	tb.Helper()
	ws, err := db.FindBookingWindows(context.Background(), v, site.ID, fieldportal.Date{Year: 2026, Month: 6, Day: day})
	if err != nil {
		tb.Fatal(err)
	}
	out := []string{}
	for _, x := range ws {
		out = append(out, x.Label(w.loc))
	}
	return out
}

// mustCount counts rows of a table.
func mustCount(tb testing.TB, db *sqlstore.DB, table string) int {
	tb.Helper()
	var n int
	if err := db.SQL().QueryRowContext(context.Background(), `SELECT count(*) FROM `+table).Scan(&n); err != nil {
		tb.Fatal(err)
	}
	return n
}

// wantField checks that err is of code on field.
func wantField(tb testing.TB, err error, code, field string) {
	tb.Helper()
	e, ok := err.(*fieldportal.Error)
	if !ok || e.Code != code || e.Field != field {
		tb.Fatalf("err = %v, want %s on %q", err, code, field)
	}
}

var allDay = []string{"08:00–10:00", "10:00–12:00", "12:00–14:00", "14:00–16:00", "16:00–18:00"}

func TestBookJob(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := mustBookingWorld(t, db)

		t.Run("a contact books a job with a window, an asset, an item and a photo", func(t *testing.T) {
			j := w.booking(t, w.SiteA, 2, 10)
			j.OrderNo, j.AssetIDs = "PO-77", []string{w.AssetA}
			j.Items = []fieldportal.JobItem{{ItemID: w.ItemID, Quantity: 2, UnitPrice: 1}}
			j.Stage, j.Number, j.Technician = fieldportal.StageComplete, "J-HACK", "Mallory" // ignored
			MustBookJob(t, db, w.Parent, j, fieldportal.Upload{Name: "alarm.png", ContentType: "image/png", Data: tinyPNG})
			got, err := db.FindJobByID(ctx, w.Parent, j.ID)
			if err != nil {
				t.Fatal(err)
			}
			want := struct {
				Stage                fieldportal.JobStage
				Portal               bool
				By, Window, Order    string
				Date                 fieldportal.Date
				Assets               []string
				ItemCode             string
				ItemTotal            fieldportal.Money
				NumberSet, TechEmpty bool
			}{fieldportal.StagePending, true, w.Parent.ContactID, "am", "PO-77", fieldportal.Date{Year: 2026, Month: 6, Day: 2},
				[]string{w.AssetA}, "EXT-6", 9000, true, true}
			gotv := want
			gotv.Stage, gotv.Portal, gotv.By, gotv.Window, gotv.Order, gotv.Date = got.Stage, got.CreatedInPortal, got.RequestedBy, got.PreferredWindow, got.OrderNo, got.PreferredDate
			gotv.Assets, gotv.ItemCode, gotv.ItemTotal = got.AssetIDs, got.Items[0].Code, got.Items[0].Total
			gotv.NumberSet, gotv.TechEmpty = strings.HasPrefix(got.Number, "J-") && got.Number != "J-HACK", got.Technician == ""
			if diff := cmp.Diff(want, gotv); diff != "" {
				t.Errorf("booked job (-want +got):\n%s", diff)
			}
			if !got.RequestedWindow.Start.Equal(w.slot(t, 2, 10).Start) || !got.RequestedWindow.End.Equal(w.slot(t, 2, 10).End) {
				t.Errorf("requested window %v, want 10:00-12:00 on 2 June", got.RequestedWindow)
			}
			docs, _, err := db.FindDocuments(ctx, w.Parent, fieldportal.DocumentFilter{JobID: j.ID})
			if err != nil {
				t.Fatal(err)
			}
			if len(docs) != 1 || docs[0].Name != "alarm.png" {
				t.Errorf("attachments %+v, want alarm.png", docs)
			}
		})
		t.Run("the booked window is no longer offered at that site", func(t *testing.T) {
			want := []string{"08:00–10:00", "12:00–14:00", "14:00–16:00", "16:00–18:00"}
			if diff := cmp.Diff(want, w.mustWindowLabels(t, db, w.Parent, w.SiteA, 2)); diff != "" {
				t.Errorf("site A (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(allDay, w.mustWindowLabels(t, db, w.Parent, w.SiteB, 2)); diff != "" {
				t.Errorf("site B keeps every window (-want +got):\n%s", diff)
			}
		})
		t.Run("a second booking of the window is refused on the window field and saves nothing", func(t *testing.T) {
			jobs, docs := mustCount(t, db, "jobs"), mustCount(t, db, "documents")
			err := db.BookJob(ctx, w.Parent, w.booking(t, w.SiteA, 2, 10), []fieldportal.Upload{{Name: "x.png", ContentType: "image/png", Data: tinyPNG}})
			wantField(t, err, fieldportal.ECONFLICT, "window")
			if !strings.Contains(fieldportal.ErrorMessage(err), "10:00–12:00 on Tue 2 Jun is already booked") {
				t.Errorf("message %q", fieldportal.ErrorMessage(err))
			}
			if mustCount(t, db, "jobs") != jobs || mustCount(t, db, "documents") != docs {
				t.Error("a refused booking left rows behind")
			}
		})
		t.Run("an appointment at the site takes the windows it overlaps, not those it touches", func(t *testing.T) {
			a := &fieldportal.Appointment{SiteID: w.SiteB.ID, StartsAt: time.Date(2026, 6, 3, 10, 0, 0, 0, w.loc),
				EndsAt: time.Date(2026, 6, 3, 12, 30, 0, 0, w.loc), Technician: "Sam"}
			if err := db.CreateAppointment(ctx, w.Staff, a); err != nil {
				t.Fatal(err)
			}
			want := []string{"08:00–10:00", "14:00–16:00", "16:00–18:00"}
			if diff := cmp.Diff(want, w.mustWindowLabels(t, db, w.Child, w.SiteB, 3)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			wantField(t, db.BookJob(ctx, w.Child, w.booking(t, w.SiteB, 3, 12), nil), fieldportal.ECONFLICT, "window")
			MustBookJob(t, db, w.Child, w.booking(t, w.SiteB, 3, 8))
		})
		t.Run("a quote request holds its window as a booking does", func(t *testing.T) {
			x := &fieldportal.Quote{SiteID: w.SiteB.ID, Description: "Quote for a new panel", PreferredDate: fieldportal.Date{Year: 2026, Month: 6, Day: 4},
				RequestedWindow: w.slot(t, 4, 14), Items: []fieldportal.QuoteItem{{ItemID: w.ItemID, Quantity: 1}}}
			if err := db.RequestQuote(ctx, w.Child, x, []fieldportal.Upload{{Name: "plan.png", ContentType: "image/png", Data: tinyPNG}}); err != nil {
				t.Fatal(err)
			}
			got, err := db.FindQuoteByID(ctx, w.Child, x.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.RequestedWindow.Label(w.loc) != "14:00–16:00" {
				t.Errorf("requested window %v", got.RequestedWindow)
			}
			if got.Stage != fieldportal.QuoteRequested || !got.CreatedInPortal || got.RequestedBy != w.Child.ContactID || len(got.Items) != 1 || got.Items[0].UnitPrice != 4500 {
				t.Errorf("requested quote %+v", got)
			}
			docs, _, err := db.FindDocuments(ctx, w.Child, fieldportal.DocumentFilter{QuoteID: x.ID})
			if err != nil || len(docs) != 1 {
				t.Errorf("attachments %v, %v", docs, err)
			}
			wantField(t, db.BookJob(ctx, w.Parent, w.booking(t, w.SiteB, 4, 14), nil), fieldportal.ECONFLICT, "window")
		})
		t.Run("bad dates and windows are refused naming their field", func(t *testing.T) {
			for _, tc := range []struct {
				name  string
				edit  func(j *fieldportal.Job)
				field string
			}{
				{"today", func(j *fieldportal.Job) {
					j.PreferredDate, j.RequestedWindow = fieldportal.Date{Year: 2026, Month: 6, Day: 1}, fieldportal.TimeWindow{}
				}, "preferred_date"},
				{"past the booking window", func(j *fieldportal.Job) {
					j.PreferredDate, j.RequestedWindow = fieldportal.Date{Year: 2026, Month: 9, Day: 1}, fieldportal.TimeWindow{}
				}, "preferred_date"},
				{"a window without a date", func(j *fieldportal.Job) { j.PreferredDate = fieldportal.Date{} }, "preferred_date"},
				{"a window of another day", func(j *fieldportal.Job) { j.PreferredDate = fieldportal.Date{Year: 2026, Month: 6, Day: 5} }, "window"},
				{"a window that is no slot", func(j *fieldportal.Job) { j.RequestedWindow.Start = j.RequestedWindow.Start.Add(time.Hour) }, "window"},
				{"a Saturday", func(j *fieldportal.Job) {
					j.PreferredDate = fieldportal.Date{Year: 2026, Month: 6, Day: 6}
					j.RequestedWindow = fieldportal.TimeWindow{Start: time.Date(2026, 6, 6, 10, 0, 0, 0, w.loc), End: time.Date(2026, 6, 6, 12, 0, 0, 0, w.loc)}
				}, "window"},
				{"a site out of reach", func(j *fieldportal.Job) { j.SiteID = w.SiteA.ID }, "site_id"},
				{"a site of another organisation", func(j *fieldportal.Job) { j.SiteID = w.OtherSite.ID }, "site_id"},
				{"equipment of another site", func(j *fieldportal.Job) { j.AssetIDs = []string{w.AssetA} }, "asset_ids"},
				{"an item not in the catalogue", func(j *fieldportal.Job) { j.Items = []fieldportal.JobItem{{ItemID: "nope", Quantity: 1}} }, "items"},
				{"a quantity of zero", func(j *fieldportal.Job) { j.Items = []fieldportal.JobItem{{ItemID: w.ItemID}} }, "items"},
				{"an order number too long", func(j *fieldportal.Job) { j.OrderNo = strings.Repeat("9", 61) }, "order_no"},
				{"a contact of another customer", func(j *fieldportal.Job) { j.RequestedBy = w.Parent.ContactID }, "contact_id"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					jobs, windows := mustCount(t, db, "jobs"), mustCount(t, db, "booking_windows")
					j := w.booking(t, w.SiteB, 8, 16)
					tc.edit(j)
					wantField(t, db.BookJob(ctx, w.Child, j, []fieldportal.Upload{{Name: "x.png", ContentType: "image/png", Data: tinyPNG}}), fieldportal.EINVALID, tc.field)
					if mustCount(t, db, "jobs") != jobs || mustCount(t, db, "booking_windows") != windows {
						t.Error("a refused booking left rows behind")
					}
				})
			}
		})
		t.Run("a contact of the site's customer may be the one it is for", func(t *testing.T) {
			other := mustWorkExec(t, db, `INSERT INTO contacts (id, org_id, customer_id, first_name, email, created_at, updated_at)
				VALUES ($1, $2, $4, 'Kim', 'kim@example.test', $3, $3)`, w.Org.ID, w.workWorld.Child.ID)
			j := MustBookJob(t, db, w.Parent, &fieldportal.Job{SiteID: w.SiteB.ID, Kind: fieldportal.JobService, Description: "For Kim", RequestedBy: other})
			if j.RequestedBy != other {
				t.Errorf("requested by %q, want %q", j.RequestedBy, other)
			}
		})
		t.Run("who may book", func(t *testing.T) {
			noService := mustWorkContact(t, db, w.Org.ID, w.workWorld.Child.ID, fieldportal.Modules{fieldportal.ModuleSites, fieldportal.ModuleQuotes})
			if err := db.BookJob(ctx, noService, w.booking(t, w.SiteB, 9, 8), nil); fieldportal.ErrorCode(err) != fieldportal.EFORBIDDEN {
				t.Errorf("a contact without Service: %v", err)
			}
			if err := db.RequestQuote(ctx, noService, &fieldportal.Quote{SiteID: w.SiteB.ID, Description: "ok"}, nil); err != nil {
				t.Errorf("a contact with Quotes: %v", err)
			}
			if err := db.BookJob(ctx, w.Staff, w.booking(t, w.SiteB, 9, 8), nil); fieldportal.ErrorCode(err) != fieldportal.EFORBIDDEN {
				t.Errorf("staff: %v", err)
			}
			noUpload := mustWorkContact(t, db, w.Org.ID, w.workWorld.Child.ID, fieldportal.Modules{fieldportal.ModuleService})
			err := db.BookJob(ctx, noUpload, w.booking(t, w.SiteB, 9, 10), []fieldportal.Upload{{Name: "x.png", ContentType: "image/png", Data: tinyPNG}})
			if fieldportal.ErrorCode(err) != fieldportal.EFORBIDDEN {
				t.Errorf("files from a contact without Documents: %v", err)
			}
			if _, err := db.FindBookingWindows(ctx, w.Child, w.SiteA.ID, fieldportal.Date{Year: 2026, Month: 6, Day: 2}); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
				t.Errorf("windows of a site out of reach: %v", err)
			}
		})
		t.Run("with overlap on every window is offered and may be booked twice", func(t *testing.T) {
			s, err := db.FindSettings(ctx, w.Org.ID)
			if err != nil {
				t.Fatal(err)
			}
			s.DiaryOverlap = true
			if err := db.UpdateSettings(ctx, w.Staff, s); err != nil {
				t.Fatal(err)
			}
			defer func() {
				s.DiaryOverlap = false
				if err := db.UpdateSettings(ctx, w.Staff, s); err != nil {
					t.Fatal(err)
				}
			}()
			if diff := cmp.Diff(allDay, w.mustWindowLabels(t, db, w.Parent, w.SiteA, 2)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			MustBookJob(t, db, w.Parent, w.booking(t, w.SiteA, 2, 10))
		})
	})
}

// TestBookJobRace races two customers for one window at one site, on
// both engines: one booking wins, the other is told the window is taken.
func TestBookJobRace(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		w := mustBookingWorld(t, db)
		for _, hour := range []int{8, 10, 12, 14, 16} {
			var wg sync.WaitGroup
			errs := make([]error, 2)
			start := make(chan struct{})
			for i, v := range []fieldportal.Viewer{w.Parent, w.Child} {
				j := w.booking(t, w.SiteB, 2, hour)
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					errs[i] = db.BookJob(context.Background(), v, j, nil)
				}()
			}
			close(start)
			wg.Wait()
			won, lost := 0, 0
			for _, err := range errs {
				switch {
				case err == nil:
					won++
				case fieldportal.ErrorCode(err) == fieldportal.ECONFLICT:
					lost++
				default:
					t.Errorf("%02d:00: unexpected error %v", hour, err)
				}
			}
			if won != 1 || lost != 1 {
				t.Errorf("%02d:00: %d won and %d lost, want one each (%v)", hour, won, lost, errs)
			}
		}
		if n := mustCount(t, db, "booking_windows"); n != 5 {
			t.Errorf("%d windows held, want 5", n)
		}
	})
}

// A contact of the Install page alone books installs, and only installs;
// one of neither kind books nothing.
func TestBookJobOfTheKindsItMayUse(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := mustBookingWorld(t, db)
		installOnly := mustWorkContact(t, db, w.Org.ID, w.workWorld.Child.ID,
			fieldportal.Modules{fieldportal.ModuleDashboard, fieldportal.ModuleSites, fieldportal.ModuleInstall})
		neither := mustWorkContact(t, db, w.Org.ID, w.workWorld.Child.ID,
			fieldportal.Modules{fieldportal.ModuleDashboard, fieldportal.ModuleSites, fieldportal.ModuleIssues})
		if !installOnly.CanDo(fieldportal.ActionBookJob) || neither.CanDo(fieldportal.ActionBookJob) {
			t.Fatalf("book action: install only %v, neither %v", installOnly.CanDo(fieldportal.ActionBookJob), neither.CanDo(fieldportal.ActionBookJob))
		}
		t.Run("an install", func(t *testing.T) {
			j := w.booking(t, w.SiteB, 4, 10)
			j.Kind = fieldportal.JobInstall
			if err := db.BookJob(ctx, installOnly, j, nil); err != nil {
				t.Fatal(err)
			}
			if got, err := db.FindJobByID(ctx, installOnly, j.ID); err != nil || got.Kind != fieldportal.JobInstall || got.Stage != fieldportal.StagePending {
				t.Errorf("booked install: %+v %v", got, err)
			}
		})
		t.Run("not a service job", func(t *testing.T) {
			err := db.BookJob(ctx, installOnly, w.booking(t, w.SiteB, 5, 10), nil)
			if code := fieldportal.ErrorCode(err); code != fieldportal.EFORBIDDEN && code != fieldportal.ENOTFOUND {
				t.Errorf("a service job by an install-only contact: %v", err)
			}
		})
		t.Run("nothing without either page", func(t *testing.T) {
			j := w.booking(t, w.SiteB, 8, 10)
			j.Kind = fieldportal.JobInstall
			if code := fieldportal.ErrorCode(db.BookJob(ctx, neither, j, nil)); code != fieldportal.EFORBIDDEN && code != fieldportal.ENOTFOUND {
				t.Errorf("a booking without Service or Install: %s", code)
			}
		})
	})
}
