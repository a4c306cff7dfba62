package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
)

// patchRec is a record of a fake store for the generic PATCH: a name the
// client changes and a due date something else (autopay) moves.
type patchRec struct {
	ID   string    `json:"id"`
	Name string    `json:"name"`
	Due  string    `json:"due"`
	At   time.Time `json:"updated_at"`
	ifAt time.Time
}

type patchIn struct {
	Name string `json:"name"`
	Due  string `json:"due"`
}

// patchStore is the fake store: its Update saves over the version given
// (IfUpdatedAt, zero for any) as the stores do, and before its first save
// lets another writer move the due date (a change between the PATCH's
// read and its save).
type patchStore struct {
	rec    patchRec
	raced  bool
	clock  time.Time
	writes int
}

func (s *patchStore) resource(a *API) *resource[patchRec, patchRec, patchIn] {
	return &resource[patchRec, patchRec, patchIn]{api: a, Path: "/recs", Singular: "Rec", Plural: "Recs",
		Show:      func(_ *http.Request, d *patchRec) patchRec { return *d },
		UpdatedAt: func(d *patchRec) time.Time { return d.At },
		ID:        func(d *patchRec) string { return d.ID },
		Find: func(context.Context, fieldportal.Viewer, string) (*patchRec, error) {
			d := s.rec
			return &d, nil
		},
		Fill: func(_ *http.Request, d *patchRec, in patchIn, sn sent) error {
			if sn.has("name") {
				d.Name = in.Name
			}
			if sn.has("due") {
				d.Due = in.Due
			}
			return nil
		},
		SetIfUpdatedAt: func(d *patchRec, at time.Time) { d.ifAt = at },
		Update: func(_ context.Context, _ fieldportal.Viewer, d *patchRec) error {
			if !s.raced {
				s.raced = true
				s.clock = s.clock.Add(time.Second)
				s.rec.Due, s.rec.At = "2026-05-01", s.clock
			}
			if !d.ifAt.IsZero() && !d.ifAt.Equal(s.rec.At) {
				return fieldportal.ErrChanged
			}
			s.clock = s.clock.Add(time.Second)
			s.rec, s.rec.At, s.rec.ifAt = *d, s.clock, time.Time{}
			s.writes++
			return nil
		},
	}
}

// TestPatchSavesOverTheVersionRead checks that a PATCH never writes back
// what it read of fields it did not send: a change committed between its
// read and its save (autopay moving a schedule's due date) stays, the
// fields sent going onto the record read again; under If-Match of the
// version read, the PATCH is refused instead.
func TestPatchSavesOverTheVersionRead(t *testing.T) {
	_, a := newTestAPI(t, &stubKeys{})
	patch := func(s *patchStore, header ...string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("PATCH", "/api/v1/recs/r1", strings.NewReader(`{"name":"Renamed"}`))
		req.Header.Set("Content-Type", "application/json")
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		req.SetPathValue("id", "r1")
		rec := httptest.NewRecorder()
		s.resource(a).update(rec, req)
		return rec
	}
	start := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
	t.Run("without If-Match the fields sent go onto the record as now stored", func(t *testing.T) {
		s := &patchStore{rec: patchRec{ID: "r1", Name: "Plan", Due: "2026-04-01", At: start}, clock: start}
		if rec := patch(s); rec.Code != http.StatusOK {
			t.Fatalf("PATCH = %d %s", rec.Code, rec.Body)
		}
		if s.rec.Name != "Renamed" || s.rec.Due != "2026-05-01" || s.writes != 1 {
			t.Errorf("stored %+v after %d writes; want the name sent and the due date moved meanwhile", s.rec, s.writes)
		}
	})
	t.Run("under If-Match of the version read the PATCH is refused", func(t *testing.T) {
		s := &patchStore{rec: patchRec{ID: "r1", Name: "Plan", Due: "2026-04-01", At: start}, clock: start}
		tag := etagOf(s.rec)
		if rec := patch(s, "If-Match", tag); rec.Code != http.StatusPreconditionFailed {
			t.Fatalf("PATCH = %d %s, want 412", rec.Code, rec.Body)
		}
		if s.rec.Name != "Plan" || s.writes != 0 {
			t.Errorf("stored %+v after %d writes; want it as the other writer left it", s.rec, s.writes)
		}
	})
}

// patchWork is a fake WorkService holding one job: its UpdateJob saves
// over the version given as the store does, and before its first save the
// console moves the job to scheduled.
type patchWork struct {
	fieldportal.WorkService
	job    fieldportal.Job
	raced  bool
	clock  time.Time
	writes int
}

func (s *patchWork) FindJobByID(context.Context, fieldportal.Viewer, string) (*fieldportal.Job, error) {
	j := s.job
	return &j, nil
}

func (s *patchWork) UpdateJob(_ context.Context, _ fieldportal.Viewer, j *fieldportal.Job) error {
	if !s.raced {
		s.raced = true
		s.clock = s.clock.Add(time.Second)
		s.job.Stage, s.job.UpdatedAt = fieldportal.StageScheduled, s.clock
	}
	if !j.IfUpdatedAt.IsZero() && !j.IfUpdatedAt.Equal(s.job.UpdatedAt) {
		return fieldportal.ErrChanged
	}
	s.clock = s.clock.Add(time.Second)
	s.job, s.job.UpdatedAt, s.job.IfUpdatedAt = *j, s.clock, time.Time{}
	s.writes++
	return nil
}

// TestJobPatchSavesOverTheVersionRead checks that a job's PATCH of its
// description does not move back a stage the console moved meanwhile.
func TestJobPatchSavesOverTheVersionRead(t *testing.T) {
	_, a := newTestAPI(t, &stubKeys{})
	start := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
	s := &patchWork{job: fieldportal.Job{ID: "j1", Stage: fieldportal.StagePending, Description: "Service",
		UpdatedAt: start}, clock: start}
	a.svc.Work = s
	res := &resource[fieldportal.Job, Job, JobInput]{api: a, Find: s.FindJobByID,
		Show: func(r *http.Request, j *fieldportal.Job) Job { return ShowJob(j, "GBP") }}
	req := httptest.NewRequest("PATCH", "/api/v1/jobs/j1", strings.NewReader(`{"description":"Annual service"}`))
	req.Header.Set("Content-Type", "application/json")
	req.SetPathValue("id", "j1")
	rec := httptest.NewRecorder()
	a.updateJob(res, rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("PATCH = %d %s", rec.Code, rec.Body)
	}
	if s.job.Description != "Annual service" || s.job.Stage != fieldportal.StageScheduled || s.writes != 1 {
		t.Errorf("stored description %q, stage %s after %d writes; want the description sent and the stage moved meanwhile",
			s.job.Description, s.job.Stage, s.writes)
	}
}

// patchIssues is a fake WorkService holding one issue: its UpdateIssue
// saves over the version given as the store does, and before its first
// save a contact closes the issue.
type patchIssues struct {
	fieldportal.WorkService
	issue  fieldportal.Issue
	raced  bool
	clock  time.Time
	writes int
}

func (s *patchIssues) FindIssueByID(context.Context, fieldportal.Viewer, string) (*fieldportal.Issue, error) {
	x := s.issue
	return &x, nil
}

func (s *patchIssues) UpdateIssue(_ context.Context, _ fieldportal.Viewer, x *fieldportal.Issue) error {
	if !s.raced {
		s.raced = true
		s.clock = s.clock.Add(time.Second)
		s.issue.Status, s.issue.UpdatedAt = fieldportal.IssueClosed, s.clock
	}
	if !x.IfUpdatedAt.IsZero() && !x.IfUpdatedAt.Equal(s.issue.UpdatedAt) {
		return fieldportal.ErrChanged
	}
	s.clock = s.clock.Add(time.Second)
	s.issue, s.issue.UpdatedAt, s.issue.IfUpdatedAt = *x, s.clock, time.Time{}
	s.writes++
	return nil
}

// TestIssuePatchSavesOverTheVersionRead checks that an issue's PATCH of
// its title does not reopen an issue a contact closed meanwhile.
func TestIssuePatchSavesOverTheVersionRead(t *testing.T) {
	_, a := newTestAPI(t, &stubKeys{})
	start := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
	s := &patchIssues{issue: fieldportal.Issue{ID: "i1", Status: fieldportal.IssueOpen, Title: "Leak", UpdatedAt: start}, clock: start}
	a.svc.Work = s
	res := &resource[fieldportal.Issue, Issue, IssueInput]{api: a, Find: s.FindIssueByID,
		Show: func(_ *http.Request, x *fieldportal.Issue) Issue { return ShowIssue(x) }}
	req := httptest.NewRequest("PATCH", "/api/v1/issues/i1", strings.NewReader(`{"title":"Leak in the plant room"}`))
	req.Header.Set("Content-Type", "application/json")
	req.SetPathValue("id", "i1")
	rec := httptest.NewRecorder()
	a.updateIssue(res, rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("PATCH = %d %s", rec.Code, rec.Body)
	}
	if s.issue.Title != "Leak in the plant room" || s.issue.Status != fieldportal.IssueClosed || s.writes != 1 {
		t.Errorf("stored title %q, status %s after %d writes; want the title sent and the issue closed meanwhile",
			s.issue.Title, s.issue.Status, s.writes)
	}
}

// TestUpsertSavesOverTheVersionRead checks that a replace which leaves
// out a field the resource keeps (Keep: a job's stage) keeps the value
// stored, not one read before another change.
func TestUpsertSavesOverTheVersionRead(t *testing.T) {
	_, a := newTestAPI(t, &stubKeys{})
	start := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
	s := &patchStore{rec: patchRec{ID: "r1", Name: "Plan", Due: "2026-04-01", At: start}, clock: start}
	res := s.resource(a)
	res.ExternalID = func(in *patchIn) *string { return new(string) }
	res.ByExternalID = func(ctx context.Context, v fieldportal.Viewer, _ string) (*patchRec, error) {
		return res.Find(ctx, v, "r1")
	}
	res.Keep = func(d, old *patchRec, sn sent) {
		if !sn["due"] {
			d.Due = old.Due
		}
	}
	res.Upsert = func(ctx context.Context, v fieldportal.Viewer, d *patchRec) (bool, error) {
		d.ID = "r1"
		return false, res.Update(ctx, v, d)
	}
	req := httptest.NewRequest("PUT", "/api/v1/recs/by-external-id/R-1", strings.NewReader(`{"name":"Renamed"}`))
	req.Header.Set("Content-Type", "application/json")
	req.SetPathValue("external_id", "R-1")
	rec := httptest.NewRecorder()
	res.upsert(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("PUT = %d %s", rec.Code, rec.Body)
	}
	if s.rec.Name != "Renamed" || s.rec.Due != "2026-05-01" || s.writes != 1 {
		t.Errorf("stored %+v after %d writes; want the name sent and the due date moved meanwhile", s.rec, s.writes)
	}
}

// patchMoney is a fake MoneyService holding one invoice: its UpdateInvoice
// saves over the version given as the store does, and before its first
// save someone in the console moves the due date.
type patchMoney struct {
	fieldportal.MoneyService
	inv    fieldportal.Invoice
	raced  bool
	clock  time.Time
	writes int
}

func (s *patchMoney) FindInvoiceByID(context.Context, fieldportal.Viewer, string) (*fieldportal.Invoice, error) {
	x := s.inv
	return &x, nil
}

func (s *patchMoney) UpdateInvoice(_ context.Context, _ fieldportal.Viewer, x *fieldportal.Invoice) error {
	if !s.raced {
		s.raced = true
		s.clock = s.clock.Add(time.Second)
		s.inv.DueDate, s.inv.UpdatedAt = fieldportal.DateOf(s.clock.AddDate(0, 2, 0)), s.clock
	}
	if !x.IfUpdatedAt.IsZero() && !x.IfUpdatedAt.Equal(s.inv.UpdatedAt) {
		return fieldportal.ErrChanged
	}
	s.clock = s.clock.Add(time.Second)
	s.inv, s.inv.UpdatedAt, s.inv.IfUpdatedAt = *x, s.clock, time.Time{}
	s.writes++
	return nil
}

// TestInvoicePatchSavesOverTheVersionRead checks that an invoice's PATCH
// of its description does not move back a due date changed meanwhile.
func TestInvoicePatchSavesOverTheVersionRead(t *testing.T) {
	_, a := newTestAPI(t, &stubKeys{})
	start := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
	s := &patchMoney{inv: fieldportal.Invoice{ID: "i1", Status: fieldportal.InvoiceUnpaid, Description: "March",
		IssueDate: fieldportal.DateOf(start), DueDate: fieldportal.DateOf(start.AddDate(0, 1, 0)), UpdatedAt: start}, clock: start}
	a.svc.Money = s
	moved := fieldportal.DateOf(start.Add(time.Second).AddDate(0, 2, 0))
	res := &resource[fieldportal.Invoice, Invoice, InvoiceInput]{api: a, Find: s.FindInvoiceByID,
		Show:   func(_ *http.Request, x *fieldportal.Invoice) Invoice { return ShowInvoice(x, "GBP") },
		Update: s.UpdateInvoice}
	req := httptest.NewRequest("PATCH", "/api/v1/invoices/i1", strings.NewReader(`{"description":"March service"}`))
	req.Header.Set("Content-Type", "application/json")
	req.SetPathValue("id", "i1")
	rec := httptest.NewRecorder()
	a.patchInvoice(res)(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("PATCH = %d %s", rec.Code, rec.Body)
	}
	if s.inv.Description != "March service" || s.inv.DueDate != moved || s.writes != 1 {
		t.Errorf("stored description %q, due %v after %d writes; want the description sent and the due date %v set meanwhile",
			s.inv.Description, s.inv.DueDate, s.writes, moved)
	}
}

// patchDocs is a fake EquipmentService holding one document: its
// UpdateDocument saves over the version given as the store does, and
// before its first save someone in the console shows it to the customer.
type patchDocs struct {
	fieldportal.EquipmentService
	doc    fieldportal.Document
	raced  bool
	clock  time.Time
	writes int
}

func (s *patchDocs) FindDocumentByID(context.Context, fieldportal.Viewer, string) (*fieldportal.Document, error) {
	d := s.doc
	return &d, nil
}

func (s *patchDocs) UpdateDocument(_ context.Context, _ fieldportal.Viewer, d *fieldportal.Document) error {
	if !s.raced {
		s.raced = true
		s.clock = s.clock.Add(time.Second)
		s.doc.VisibleToCustomer, s.doc.UpdatedAt = true, s.clock
	}
	if !d.IfUpdatedAt.IsZero() && !d.IfUpdatedAt.Equal(s.doc.UpdatedAt) {
		return fieldportal.ErrChanged
	}
	s.clock = s.clock.Add(time.Second)
	s.doc, s.doc.UpdatedAt, s.doc.IfUpdatedAt = *d, s.clock, time.Time{}
	s.writes++
	return nil
}

// TestDocumentPatchSavesOverTheVersionRead checks that a document's PATCH
// of its name does not hide again a document shown meanwhile.
func TestDocumentPatchSavesOverTheVersionRead(t *testing.T) {
	_, a := newTestAPI(t, &stubKeys{})
	start := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
	s := &patchDocs{doc: fieldportal.Document{ID: "d1", Name: "plan.pdf", UpdatedAt: start}, clock: start}
	a.svc.Equipment = s
	req := httptest.NewRequest("PATCH", "/api/v1/documents/d1", strings.NewReader(`{"name":"Plan 2026.pdf"}`))
	req.Header.Set("Content-Type", "application/json")
	req.SetPathValue("id", "d1")
	rec := httptest.NewRecorder()
	a.updateDocument(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("PATCH = %d %s", rec.Code, rec.Body)
	}
	if s.doc.Name != "Plan 2026.pdf" || !s.doc.VisibleToCustomer || s.writes != 1 {
		t.Errorf("stored name %q, visible %v after %d writes; want the name sent and the document shown meanwhile",
			s.doc.Name, s.doc.VisibleToCustomer, s.writes)
	}
}
