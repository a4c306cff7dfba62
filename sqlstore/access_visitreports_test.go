package sqlstore_test

import (
	"context"
	"fmt"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// The access matrix of visit reports (issue 22): a report, its PDF (the
// portal draws it from FindVisitReport) and its photos' files are seen
// where the job is, in the job's module, and by a contact only once the
// job is complete; every kind of viewer, on both engines.

// visitReportWorld is the jobs' world with, at every site, a complete job of
// each kind and a scheduled service job ("draft:"), each with a report
// of one photo.
type visitReportWorld struct {
	*jobWorld
	// reports names jobs as jobWorld does; photos are named after their
	// job, and photoJob gives a photo's job.
	reports, photos, photoJob map[string]string
}

func mustVisitReportWorld(t *testing.T, db *sqlstore.DB) *visitReportWorld {
	t.Helper()
	ctx := context.Background()
	w := &visitReportWorld{jobWorld: mustJobWorld(t, db), reports: map[string]string{}, photos: map[string]string{}, photoJob: map[string]string{}}
	for name, s := range w.site {
		sys := fieldportal.SystemViewer(s.OrgID, "test")
		for _, key := range []string{"service:" + name, "install:" + name, "draft:" + name} {
			kind, stage := fieldportal.JobService, fieldportal.StageComplete
			if key[:8] == "install:" {
				kind = fieldportal.JobInstall
			} else if key[:6] == "draft:" {
				stage = fieldportal.StageScheduled
			}
			j := &fieldportal.Job{SiteID: s.ID, Kind: kind, Stage: stage, Description: key}
			if err := db.CreateJob(ctx, sys, j); err != nil {
				t.Fatalf("job %s: %v", key, err)
			}
			MustVisitReport(t, db, sys, j.ID)
			p := MustVisitPhoto(t, db, sys, j.ID, key)
			w.reports[key], w.photos[key], w.photoJob[p.ID] = j.ID, p.ID, j.ID
		}
	}
	return w
}

// MustVisitReport sends a job's report.
func MustVisitReport(tb testing.TB, db *sqlstore.DB, v fieldportal.Viewer, jobID string) *fieldportal.VisitReport {
	tb.Helper()
	r := &fieldportal.VisitReport{JobID: jobID, Notes: "Replaced the filter.",
		Parts: []fieldportal.VisitPart{{Code: "F1", Description: "Filter", Quantity: 2}}}
	if _, err := db.SaveVisitReport(context.Background(), v, r); err != nil {
		tb.Fatalf("report of %s: %v", jobID, err)
	}
	return r
}

// MustVisitPhoto adds a photo (its made files stand in as bytes).
func MustVisitPhoto(tb testing.TB, db *sqlstore.DB, v fieldportal.Viewer, jobID, caption string) *fieldportal.VisitPhoto {
	tb.Helper()
	p := &fieldportal.VisitPhoto{JobID: jobID, Caption: caption, Width: 4, Height: 3}
	files := fieldportal.PhotoFiles{Original: fieldportal.Upload{Name: "site.png", ContentType: "image/png", Data: []byte("original " + caption)},
		Display: []byte("display " + caption), Thumb: []byte("thumb " + caption)}
	if err := db.AddVisitPhoto(context.Background(), v, p, files); err != nil {
		tb.Fatalf("photo of %s: %v", jobID, err)
	}
	return p
}

// reportWant is who sees the records named after reports' jobs: a
// complete job's where its order is seen (the Service-only contact its
// service orders'), a draft's only staff.
func reportWant(all map[string]string) map[string][]string {
	done := map[string]string{}
	for name, id := range all {
		if name[:6] != "draft:" {
			done[name] = id
		}
	}
	want := jobWant(done, true)
	for name := range all {
		if name[:6] == "draft:" && slices.Contains(reach["staff"], siteOf(name)) {
			want["staff"] = append(want["staff"], name)
		}
	}
	return want
}

// reportReadRows are the matrix's rows.
func (w *visitReportWorld) reportReadRows(t *testing.T) []resource {
	ctx, db := context.Background(), w.db
	open := func(variant fieldportal.PhotoVariant) getFn {
		return func(v fieldportal.Viewer, id string) error {
			_, rc, err := db.OpenVisitPhoto(ctx, v, w.photoJob[id], id, variant)
			if err != nil {
				return err
			}
			defer rc.Close()
			_, err = io.Copy(io.Discard, rc)
			return err
		}
	}
	// each reads the report of every job of the world as v.
	each := func(v fieldportal.Viewer, read func(r *fieldportal.VisitReport) []string) ([]string, error) {
		var out []string
		for _, id := range sortedValues(w.reports) {
			r, err := db.FindVisitReport(ctx, v, id)
			if fieldportal.ErrorCode(err) == fieldportal.ENOTFOUND {
				continue
			} else if err != nil {
				return out, err
			}
			out = append(out, read(r)...)
		}
		return out, nil
	}
	return []resource{{
		name: "visit reports and their PDFs", covers: []string{"VisitReportService.FindVisitReport"},
		all: w.reports, want: reportWant(w.reports),
		list: func(v fieldportal.Viewer) ([]string, error) {
			return each(v, func(r *fieldportal.VisitReport) []string { return []string{r.JobID} })
		},
		get: func(v fieldportal.Viewer, id string) error { _, err := db.FindVisitReport(ctx, v, id); return err },
	}, {
		name: "visit reports list", covers: []string{"VisitReportService.FindVisitReports"},
		all: w.reports, want: reportWant(w.reports),
		list: func(v fieldportal.Viewer) ([]string, error) {
			return walkVisitReports(ctx, db, v, fieldportal.VisitReportFilter{})
		},
		get: func(v fieldportal.Viewer, id string) error { _, err := db.FindVisitReport(ctx, v, id); return err },
		moreGets: map[string]getFn{
			"the sync walk": func(v fieldportal.Viewer, id string) error {
				return inVisitReports(ctx, db, v, fieldportal.VisitReportFilter{UpdatedSince: time.Unix(1, 0)}, id)
			},
			"the job_id filter": func(v fieldportal.Viewer, id string) error {
				return inVisitReports(ctx, db, v, fieldportal.VisitReportFilter{JobID: id}, id)
			},
		},
	}, {
		name: "visit report photos", covers: []string{"VisitReportService.OpenVisitPhoto"},
		all: w.photos, want: reportWant(w.photos),
		list: func(v fieldportal.Viewer) ([]string, error) {
			return each(v, func(r *fieldportal.VisitReport) []string {
				return idsOf(r.Photos, func(p *fieldportal.VisitPhoto) string { return p.ID })
			})
		},
		get:      open(fieldportal.PhotoThumb),
		moreGets: map[string]getFn{"the display size": open(fieldportal.PhotoDisplay), "the original": open(fieldportal.PhotoOriginal)},
	}}
}

// walkVisitReports walks FindVisitReports two at a time, returning the
// reports' job ids; each report must carry its photos.
func walkVisitReports(ctx context.Context, db *sqlstore.DB, v fieldportal.Viewer, f fieldportal.VisitReportFilter) ([]string, error) {
	var out []string
	for {
		f.Page = page2(f.After)
		l, next, err := db.FindVisitReports(ctx, v, f)
		if err != nil {
			return out, err
		}
		for _, r := range l {
			if len(r.Photos) != 1 {
				return out, fmt.Errorf("report %s has %d photos, want 1", r.JobID, len(r.Photos))
			}
			out = append(out, r.JobID)
		}
		if next == "" {
			return out, nil
		}
		f.After = next
	}
}

// inVisitReports is a lookup through a walk of FindVisitReports: the
// report of jobID, else not found.
func inVisitReports(ctx context.Context, db *sqlstore.DB, v fieldportal.Viewer, f fieldportal.VisitReportFilter, jobID string) error {
	ids, err := walkVisitReports(ctx, db, v, f)
	if err != nil {
		return err
	}
	if !slices.Contains(ids, jobID) {
		return fieldportal.NotFound("visit report")
	}
	return nil
}

func TestVisitReportAccessMatrix(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		w := mustVisitReportWorld(t, db)
		for _, r := range w.reportReadRows(t) {
			for _, kind := range jobViewerKinds {
				t.Run(r.name+"/"+kind, func(t *testing.T) {
					v := w.viewers[kind]
					want := w.ids(r.all, r.want[kind])
					got, err := r.list(v)
					if err != nil && fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
						t.Fatalf("list: %v", err)
					}
					slices.Sort(got)
					if diff := cmp.Diff(want, got, cmpEmpty); diff != "" {
						t.Errorf("list (-want +got):\n%s", diff)
					}
					for name, get := range withMain("get", r.get, true, r.moreGets) {
						for record, id := range r.all {
							err := get(v, id)
							visible := slices.Contains(r.want[kind], record)
							switch {
							case visible && err != nil:
								t.Errorf("%s %s: %v, want visible", name, record, err)
							case !visible && fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND:
								t.Errorf("%s %s: err = %v, want not found", name, record, err)
							}
						}
					}
				})
			}
		}
	})
}

// reportWriteRows are the write matrix's rows of visit reports: the back
// office's (staff and API keys) on jobs of its organisation, nobody
// else's.
func (w *writeWorld) reportWriteRows() []writeRow {
	ctx, db := w.ctx, w.db
	jobAt := func(t *testing.T, target string) *fieldportal.Job {
		j := &fieldportal.Job{SiteID: w.siteID(target), Kind: fieldportal.JobService, Stage: fieldportal.StageComplete}
		w.made(t, target, &j.ID, func(v fieldportal.Viewer) error { return db.CreateJob(ctx, v, j) })
		return j
	}
	withReport := func(t *testing.T, target string) *fieldportal.Job {
		j := jobAt(t, target)
		if target != ghost {
			MustVisitReport(t, db, w.sysOf(target), j.ID)
		}
		return j
	}
	return []writeRow{{
		name: "SaveVisitReport", covers: []string{"VisitReportService.SaveVisitReport"}, targets: operatorSites,
		try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
			j := jobAt(t, target)
			return errOnly(db.SaveVisitReport(ctx, v, &fieldportal.VisitReport{JobID: j.ID, Notes: "Done."}))
		},
		want: operatorOnly(atSite, noSuch("job_id")),
	}, {
		name: "AddVisitPhoto", covers: []string{"VisitReportService.AddVisitPhoto"}, targets: operatorSites,
		try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
			j := withReport(t, target)
			return justErr(db.AddVisitPhoto(ctx, v, &fieldportal.VisitPhoto{JobID: j.ID, Width: 1, Height: 1},
				fieldportal.PhotoFiles{Original: fieldportal.Upload{Name: "a.png", ContentType: "image/png", Data: []byte("a")},
					Display: []byte("d"), Thumb: []byte("t")}))
		},
		want: operatorOnly(atSite, noSuch("job_id")),
	}, {
		name: "DeleteVisitPhoto", covers: []string{"VisitReportService.DeleteVisitPhoto"}, targets: operatorSites,
		try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
			j := withReport(t, target)
			photoID := "0190a0a0-0000-7000-8000-000000000000"
			if target != ghost {
				photoID = MustVisitPhoto(t, db, w.sysOf(target), j.ID, "x").ID
			}
			return justErr(db.DeleteVisitPhoto(ctx, v, j.ID, photoID))
		},
		want: operatorOnly(atSite, notFound),
	}}
}
