package sqlstore_test

import (
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
)

// The issue workflow in the write matrix (issue 16): a report with files,
// a comment with files, the operator's close, reopen and service order,
// and the reads of an issue's files (one shown to customers, one kept
// from them).

// fileTxt is a small text file, as a form would send it.
func fileTxt(name string) []fieldportal.Upload {
	return []fieldportal.Upload{{Name: name, ContentType: "text/plain", Data: []byte("About " + name)}}
}

// issueFiles is an issue at a target with a file shown to customers and
// one kept from them.
type issueFiles struct {
	issue         *fieldportal.Issue
	shown, office string
}

// operatorSees is the read of a record kept from customers: staff of its
// organisation see it, nobody else finds it.
func operatorSees(reaches func(actor, string) bool, what outcome) rule {
	return func(kind, target string) outcome {
		if a := actors[kind]; a.staff && reaches(a, target) {
			return what
		}
		return notFound
	}
}

func (w *writeWorld) issueRows() []writeRow {
	ctx, db := w.ctx, w.db
	issue := func(target string) *fieldportal.Issue {
		return &fieldportal.Issue{SiteID: w.siteID(target), Title: "Fault " + w.next(), Priority: fieldportal.PriorityHigh, Status: fieldportal.IssueOpen}
	}
	// A fresh issue per attempt, for writes done once per issue.
	freshIssue := func(t *testing.T, target string) *fieldportal.Issue {
		x := issue(target)
		w.made(t, target, &x.ID, func(v fieldportal.Viewer) error { return db.CreateIssue(ctx, v, x) })
		return x
	}
	withFiles := once(func(t *testing.T, target string) issueFiles {
		f := issueFiles{issue: freshIssue(t, target), shown: w.ghostID, office: w.ghostID}
		w.made(t, target, &f.shown, func(v fieldportal.Viewer) error {
			docs, err := db.AttachFiles(ctx, v, "issue", f.issue.ID, fileTxt("shown.txt"))
			if err != nil {
				return err
			}
			docs[0].VisibleToCustomer = true
			f.shown = docs[0].ID
			return db.UpdateDocument(ctx, v, docs[0])
		})
		w.made(t, target, &f.office, func(v fieldportal.Viewer) error {
			docs, err := db.AttachFiles(ctx, v, "issue", f.issue.ID, fileTxt("office.txt"))
			if err == nil {
				f.office = docs[0].ID
			}
			return err
		})
		return f
	})
	commented := once(freshIssue)
	names := func(docs []*fieldportal.Document) []string {
		var out []string
		for _, d := range docs {
			out = append(out, d.Name)
		}
		return out
	}
	// Reading an issue's files: contacts of the Issues page in reach see
	// the shown one, staff both.
	filesRule := func(kind, target string) outcome {
		a := actors[kind]
		switch {
		case a.staff && atSite(a, target):
			return sees("office.txt", "shown.txt")
		case a.contact && a.pages && atSite(a, target):
			return sees("shown.txt")
		}
		return notFound
	}
	return []writeRow{
		{
			// A report with its file: the upload action goes with the
			// Issues page here, as every contact of the world has both.
			name: "ReportIssue", covers: []string{"WorkService.ReportIssue"}, targets: everySite,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				return justErr(db.ReportIssue(ctx, v, issue(target), fileTxt("photo.txt")))
			},
			want: contactAction(atSite, noSuch("site_id"), forbidden, forbidden),
		},
		{
			name: "CommentOnIssue", covers: []string{"WorkService.CommentOnIssue"}, targets: everySite,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				x := commented(t, target)
				return justErr(db.CommentOnIssue(ctx, v, &fieldportal.IssueComment{IssueID: x.ID, Body: "See the photo."}, fileTxt("more.txt")))
			},
			want: inModule(atSite),
		},
		{
			name: "SetIssueStatus", covers: []string{"WorkService.SetIssueStatus"}, targets: operatorSites,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				return errOnly(db.SetIssueStatus(ctx, v, freshIssue(t, target).ID, fieldportal.IssueClosed, time.Time{}))
			},
			want: operatorOnly(atSite, notFound),
		},
		{
			name: "TurnIssueIntoJob", covers: []string{"WorkService.TurnIssueIntoJob"}, targets: operatorSites,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				return errOnly(db.TurnIssueIntoJob(ctx, v, freshIssue(t, target).ID))
			},
			want: operatorOnly(atSite, notFound),
		},
		{
			// Files attached to an issue on their own (the lead's
			// attachments, here for an issue): a record out of reach is
			// named as not found on its field.
			name: "AttachFiles to an issue", covers: []string{"EquipmentService.AttachFiles"}, targets: everySite,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				return errOnly(db.AttachFiles(ctx, v, "issue", commented(t, target).ID, fileTxt("later.txt")))
			},
			want: contactAction(atSite, noSuch("issue_id"), forbidden, forbidden),
		},
		{
			name: "FindIssueAttachments", covers: []string{"WorkService.FindIssueAttachments"}, targets: everySite,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				docs, err := db.FindIssueAttachments(ctx, v, withFiles(t, target).issue.ID)
				return names(docs), err
			},
			want: filesRule,
		},
		{
			name: "OpenIssueAttachment shown", covers: []string{"WorkService.OpenIssueAttachment"}, targets: everySite,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				f := withFiles(t, target)
				d, _, err := openBytes(db.OpenIssueAttachment(ctx, v, f.issue.ID, f.shown))
				if err != nil {
					return nil, err
				}
				return []string{d.Name}, nil
			},
			want: contactAction(atSite, notFound, notFound, notFound).with(sees("shown.txt")),
		},
		{
			name: "OpenIssueAttachment kept from customers", covers: []string{"WorkService.OpenIssueAttachment"}, targets: everySite,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				f := withFiles(t, target)
				d, _, err := openBytes(db.OpenIssueAttachment(ctx, v, f.issue.ID, f.office))
				if err != nil {
					return nil, err
				}
				return []string{d.Name}, nil
			},
			want: operatorSees(atSite, sees("office.txt")),
		},
	}
}

// with replaces a rule's success by what.
func (r rule) with(what outcome) rule {
	return func(kind, target string) outcome {
		if o := r(kind, target); o.code != "" {
			return o
		}
		return what
	}
}
