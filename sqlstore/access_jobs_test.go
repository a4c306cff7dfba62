package sqlstore_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// The access matrix of the jobs pages (issue 16): service and install
// orders, their items, history, appointments, invoices and attachments,
// and the CSV's walk, for every kind of viewer of the access world and a
// contact with the Service page alone. It has a world of its own: its
// orders, invoices, visits and files would change the counts of
// TestAccessMatrix's rows.

// jobViewerKinds are the read matrix's viewers and the Service-only one.
var jobViewerKinds = append(slices.Clone(viewerKinds), "serviceonly")

// jobWorld is the access world with an order of each kind at every site,
// each with an item, a stage move, a visit, an invoice and a file.
type jobWorld struct {
	*world
	// jobs names each order "service:S1a", "install:B1"...; invoices,
	// visits and files are named after their order.
	jobs, invoices, visits, files map[string]string
}

func mustJobWorld(t *testing.T, db *sqlstore.DB) *jobWorld {
	t.Helper()
	ctx := context.Background()
	w := &jobWorld{world: mustWorld(t, db), jobs: map[string]string{}, invoices: map[string]string{},
		visits: map[string]string{}, files: map[string]string{}}
	sysA := fieldportal.SystemViewer(w.orgA, "test")
	c := &fieldportal.Contact{FirstName: "serviceonly", CustomerID: w.cust["Parent"].ID, Email: "serviceonly@example.test"}
	if err := db.CreateContact(ctx, sysA, c); err != nil {
		t.Fatal(err)
	}
	l := &fieldportal.PortalLogin{ContactID: c.ID, Username: c.Email, Status: fieldportal.LoginActive, PasswordHash: "x",
		Pages: fieldportal.Modules{fieldportal.ModuleDashboard, fieldportal.ModuleService}, SiteAccess: fieldportal.SiteAccessAll}
	if err := db.CreatePortalLogin(ctx, sysA, l); err != nil {
		t.Fatal(err)
	}
	v, err := db.ViewerForLogin(ctx, w.orgA, l.ID)
	if err != nil {
		t.Fatal(err)
	}
	w.viewers["serviceonly"] = v
	today := fieldportal.DateOf(time.Now())
	start := time.Now().Add(48 * time.Hour).Truncate(time.Hour)
	for name, s := range w.site {
		sys := fieldportal.SystemViewer(s.OrgID, "test")
		staff := fieldportal.NewStaffViewer(s.OrgID, "", "Office", fieldportal.RoleStaff)
		for _, kind := range []fieldportal.JobKind{fieldportal.JobService, fieldportal.JobInstall} {
			key := string(kind) + ":" + name
			j := &fieldportal.Job{SiteID: s.ID, Kind: kind, Stage: fieldportal.StagePending, Description: key,
				Items: []fieldportal.JobItem{{Code: "LAB", Description: "Labour", Quantity: 1, UnitPrice: 100}}}
			if err := db.CreateJob(ctx, sys, j); err != nil {
				t.Fatalf("job %s: %v", key, err)
			}
			if _, err := db.MoveJobStage(ctx, staff, fieldportal.JobStageMove{JobID: j.ID, To: fieldportal.StageScheduled}); err != nil {
				t.Fatalf("move %s: %v", key, err)
			}
			a := &fieldportal.Appointment{SiteID: s.ID, JobID: j.ID, StartsAt: start, EndsAt: start.Add(time.Hour), Technician: "Tech " + key}
			if err := db.CreateAppointment(ctx, sys, a); err != nil {
				t.Fatalf("visit %s: %v", key, err)
			}
			inv := &fieldportal.Invoice{JobID: j.ID, IssueDate: today, DueDate: today.AddDays(30), Subtotal: 100, Total: 100}
			if err := db.CreateInvoice(ctx, sys, inv); err != nil {
				t.Fatalf("invoice %s: %v", key, err)
			}
			docs, err := db.AttachFiles(ctx, sys, "job", j.ID, []fieldportal.Upload{{Name: key + ".txt", ContentType: "text/plain", Data: []byte(key)}})
			if err != nil {
				t.Fatalf("file %s: %v", key, err)
			}
			doc := docs[0]
			doc.VisibleToCustomer = true // the operator shares it
			if err := db.UpdateDocument(ctx, sys, doc); err != nil {
				t.Fatalf("share %s: %v", key, err)
			}
			w.jobs[key], w.visits[key], w.invoices[key], w.files[key] = j.ID, a.ID, inv.ID, doc.ID
		}
	}
	return w
}

// ofKind names the records of one kind of order and returns them.
func ofKind(m map[string]string, kinds ...fieldportal.JobKind) map[string]string {
	out := map[string]string{}
	for name, id := range m {
		for _, k := range kinds {
			if len(name) > len(k) && name[:len(k)+1] == string(k)+":" {
				out[name] = id
			}
		}
	}
	return out
}

// jobWant is who sees the records of kinds: a contact with every page
// the orders at its sites; the Service-only contact the service orders
// at the parent's sites when serviceOnly says the read needs no other
// module.
func jobWant(all map[string]string, serviceOnly bool) map[string][]string {
	want := map[string][]string{}
	for name := range all {
		site := siteOf(name)
		for kind, sites := range reach {
			if slices.Contains(sites, site) {
				want[kind] = append(want[kind], name)
			}
		}
		if serviceOnly && slices.Contains(reach["parent"], site) && name[:8] == "service:" {
			want["serviceonly"] = append(want["serviceonly"], name)
		}
	}
	return want
}

// siteOf is the site part of a record's name.
func siteOf(name string) string {
	for i := range name {
		if name[i] == ':' {
			return name[i+1:]
		}
	}
	return name
}

// eachJob reads something of every order of the world as v: ids it
// returns are collected; an order v does not find is skipped.
func (w *jobWorld) eachJob(v fieldportal.Viewer, read func(jobID string) ([]string, error)) ([]string, error) {
	var out []string
	for _, id := range sortedValues(w.jobs) {
		got, err := read(id)
		if fieldportal.ErrorCode(err) == fieldportal.ENOTFOUND {
			continue
		} else if err != nil {
			return out, err
		}
		out = append(out, got...)
	}
	return out, nil
}

// jobReadRows are the matrix's rows; covers names the methods each reads.
func (w *jobWorld) jobReadRows(t *testing.T) []resource {
	ctx, db := context.Background(), w.db
	var rows []resource
	for _, kind := range []fieldportal.JobKind{fieldportal.JobService, fieldportal.JobInstall} {
		all := ofKind(w.jobs, kind)
		ids := func(l []*fieldportal.Job) []string { return idsOf(l, func(j *fieldportal.Job) string { return j.ID }) }
		rows = append(rows, resource{
			name: string(kind) + " orders", all: all, want: jobWant(all, true),
			covers: []string{"WorkService.FindJobs", "WorkService.FindJobByID", "WorkService.CountJobs", "WorkService.EachJob",
				"WorkService.FindJobHistory", "DashboardService.Dashboard"},
			list: func(v fieldportal.Viewer) ([]string, error) {
				return listAll(func(after string) ([]string, string, error) {
					l, next, err := db.FindJobs(ctx, v, fieldportal.JobFilter{Page: page2(after), Kind: kind})
					return ids(l), next, err
				})
			},
			get:   func(v fieldportal.Viewer, id string) error { _, err := db.FindJobByID(ctx, v, id); return err },
			count: func(v fieldportal.Viewer) (int, error) { return db.CountJobs(ctx, v, kind, nil) },
			moreLists: map[string]listFn{
				"EachJob (the CSV)": func(v fieldportal.Viewer) ([]string, error) {
					var out []string
					err := db.EachJob(ctx, v, fieldportal.JobFilter{Kind: kind}, func(j *fieldportal.Job) error {
						out = append(out, j.ID)
						return nil
					})
					return out, err
				},
				"FindJobs of every kind, the progress tab": func(v fieldportal.Viewer) ([]string, error) {
					l, err := listAll(func(after string) ([]string, string, error) {
						l, next, err := db.FindJobs(ctx, v, fieldportal.JobFilter{Page: page2(after),
							Stages: []fieldportal.JobStage{fieldportal.StageScheduled, fieldportal.StageInProgress}})
						var out []string
						for _, j := range l {
							if j.Kind == kind {
								out = append(out, j.ID)
							}
						}
						return out, next, err
					})
					return l, err
				},
				"the page's items": func(v fieldportal.Viewer) ([]string, error) {
					return w.eachJob(v, func(id string) ([]string, error) {
						j, err := db.FindJobByID(ctx, v, id)
						if err != nil || j.Kind != kind || len(j.Items) != 1 {
							return nil, err
						}
						return []string{id}, nil
					})
				},
				"FindJobHistory": func(v fieldportal.Viewer) ([]string, error) {
					return w.eachJob(v, func(id string) ([]string, error) {
						h, err := db.FindJobHistory(ctx, v, id)
						if err != nil || len(h) != 2 || !slices.Contains(sortedValues(all), id) {
							return nil, err
						}
						return []string{id}, nil
					})
				},
			},
			moreCounts: map[string]countFn{"Dashboard": dashboardCount(ctx, db, func(d *fieldportal.Dashboard) *int {
				if kind == fieldportal.JobInstall {
					return d.OpenInstall
				}
				return d.OpenService
			})},
		})
	}
	// What hangs off an order is seen where the order is, and only in
	// its own module: the Service-only contact sees none of it.
	children := []struct {
		name   string
		covers []string
		all    map[string]string
		read   func(v fieldportal.Viewer, jobID string) ([]string, error)
		get    func(v fieldportal.Viewer, id string) error
	}{
		{"orders' invoices", []string{"WorkService.FindJobInvoices"}, w.invoices,
			func(v fieldportal.Viewer, jobID string) ([]string, error) {
				l, err := db.FindJobInvoices(ctx, v, jobID)
				return idsOf(l, func(x *fieldportal.Invoice) string { return x.ID }), err
			},
			func(v fieldportal.Viewer, id string) error { _, err := db.FindInvoiceByID(ctx, v, id); return err }},
		{"orders' visits", []string{"DiaryService.FindAppointments"}, w.visits,
			func(v fieldportal.Viewer, jobID string) ([]string, error) {
				l, _, err := db.FindAppointments(ctx, v, fieldportal.AppointmentFilter{JobID: jobID})
				return idsOf(l, func(x *fieldportal.Appointment) string { return x.ID }), err
			},
			func(v fieldportal.Viewer, id string) error { _, err := db.FindAppointmentByID(ctx, v, id); return err }},
		{"orders' files", []string{"EquipmentService.FindDocuments"}, w.files,
			func(v fieldportal.Viewer, jobID string) ([]string, error) {
				l, _, err := db.FindDocuments(ctx, v, fieldportal.DocumentFilter{JobID: jobID})
				return idsOf(l, func(x *fieldportal.Document) string { return x.ID }), err
			},
			func(v fieldportal.Viewer, id string) error { _, err := db.FindDocumentByID(ctx, v, id); return err }},
	}
	for _, c := range children {
		rows = append(rows, resource{name: c.name, covers: c.covers, all: c.all, want: jobWant(c.all, false), get: c.get,
			list: func(v fieldportal.Viewer) ([]string, error) {
				return w.eachJob(v, func(id string) ([]string, error) { return c.read(v, id) })
			}})
	}
	return rows
}

func TestJobsAccessMatrix(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		w := mustJobWorld(t, db)
		for _, r := range w.jobReadRows(t) {
			for _, kind := range jobViewerKinds {
				t.Run(r.name+"/"+kind, func(t *testing.T) {
					v := w.viewers[kind]
					want := w.ids(r.all, r.want[kind])
					for name, list := range withMain("list", r.list, true, r.moreLists) {
						got, err := list(v)
						if err != nil && fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
							t.Fatalf("%s: %v", name, err)
						}
						slices.Sort(got)
						if diff := cmp.Diff(want, got, cmpEmpty); diff != "" {
							t.Errorf("%s (-want +got):\n%s", name, diff)
						}
					}
					for name, count := range withMain("count", r.count, r.count != nil, r.moreCounts) {
						n, err := count(v)
						if err != nil && fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
							t.Fatalf("%s: %v", name, err)
						}
						if n != len(want) {
							t.Errorf("%s = %d, want %d", name, n, len(want))
						}
					}
					for record, id := range r.all {
						err := r.get(v, id)
						visible := slices.Contains(r.want[kind], record)
						switch {
						case visible && err != nil:
							t.Errorf("get %s: %v, want visible", record, err)
						case !visible && fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND:
							t.Errorf("get %s: err = %v, want not found", record, err)
						}
					}
				})
			}
		}
	})
}

// jobWriteRows are the write matrix's rows of the jobs pages' writes: the
// console's stage moves, which staff make on jobs of their organisation
// and nobody else, and the uploads of an order's page.
func (w *writeWorld) jobWriteRows() []writeRow {
	ctx, db := w.ctx, w.db
	jobAt := once(func(t *testing.T, target string) *fieldportal.Job {
		j := &fieldportal.Job{SiteID: w.siteID(target), Kind: fieldportal.JobService, Stage: fieldportal.StagePending}
		w.made(t, target, &j.ID, func(v fieldportal.Viewer) error { return db.CreateJob(ctx, v, j) })
		return j
	})
	return []writeRow{{
		name: "MoveJobStage", covers: []string{"WorkService.MoveJobStage"}, targets: operatorSites,
		try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
			// A fresh pending job each attempt: a move is made once.
			j := &fieldportal.Job{SiteID: w.siteID(target), Kind: fieldportal.JobService, Stage: fieldportal.StagePending}
			w.made(t, target, &j.ID, func(v fieldportal.Viewer) error { return db.CreateJob(ctx, v, j) })
			return errOnly(db.MoveJobStage(ctx, v, fieldportal.JobStageMove{JobID: j.ID, To: fieldportal.StageScheduled}))
		},
		want: operatorOnly(atSite, notFound),
	}, {
		// The API's PATCH of fields with a stage: the same reach.
		name: "UpdateJobAndMove", covers: []string{"WorkService.UpdateJobAndMove"}, targets: operatorSites,
		try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
			j := &fieldportal.Job{SiteID: w.siteID(target), Kind: fieldportal.JobService, Stage: fieldportal.StagePending}
			w.made(t, target, &j.ID, func(v fieldportal.Viewer) error { return db.CreateJob(ctx, v, j) })
			j.Technician = "Sam"
			return justErr(db.UpdateJobAndMove(ctx, v, j, fieldportal.JobStageMove{To: fieldportal.StageScheduled}))
		},
		want: operatorOnly(atSite, notFound),
	}, {
		// The upload form of an order's page: a contact who may upload
		// attaches files to an order at its sites; an order out of reach
		// is one that does not exist.
		name: "AttachFiles to a job", covers: []string{"EquipmentService.AttachFiles"}, targets: everySite,
		try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
			j := jobAt(t, target)
			return errOnly(db.AttachFiles(ctx, v, "job", j.ID, []fieldportal.Upload{{Name: "note.txt", ContentType: "text/plain", Data: []byte("gate code")}}))
		},
		want: contactAction(atSite, noSuch("job_id"), forbidden, forbidden),
	}}
}
