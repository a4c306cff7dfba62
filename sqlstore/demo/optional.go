package demo

import (
	"context"
	"fmt"

	"github.com/fieldportal/fieldportal"
)

// The store grows resource by resource on separate branches. Load reaches
// each method through a one-method interface, so this package builds
// against any stage of the store: a method this build lacks (or whose
// signature has drifted) has its records skipped and named by Missing,
// which the load test reports.

type (
	contractorStore interface {
		CreateContractor(context.Context, fieldportal.Viewer, *fieldportal.Contractor) error
	}
	scriptStore interface {
		CreateScript(context.Context, fieldportal.Viewer, *fieldportal.Script) error
	}
	itemStore interface {
		CreateItem(context.Context, fieldportal.Viewer, *fieldportal.Item) error
	}
	assetStore interface {
		CreateAsset(context.Context, fieldportal.Viewer, *fieldportal.Asset) error
	}
	transferStore interface {
		TransferAsset(ctx context.Context, v fieldportal.Viewer, assetID, toSiteID string, on fieldportal.Date, note string) (*fieldportal.AssetTransfer, error)
	}
	assetTestStore interface {
		CreateAssetTest(context.Context, fieldportal.Viewer, *fieldportal.AssetTest) error
	}
	quoteStore interface {
		CreateQuote(context.Context, fieldportal.Viewer, *fieldportal.Quote) error
	}
	jobStore interface {
		CreateJob(context.Context, fieldportal.Viewer, *fieldportal.Job) error
	}
	issueStore interface {
		CreateIssue(context.Context, fieldportal.Viewer, *fieldportal.Issue) error
	}
	commentStore interface {
		AddIssueComment(context.Context, fieldportal.Viewer, *fieldportal.IssueComment) error
	}
	invoiceStore interface {
		CreateInvoice(context.Context, fieldportal.Viewer, *fieldportal.Invoice) error
	}
	paymentStore interface {
		RecordPayment(context.Context, fieldportal.Viewer, *fieldportal.Payment) (created bool, err error)
	}
	recurringStore interface {
		CreateRecurringInvoice(context.Context, fieldportal.Viewer, *fieldportal.RecurringInvoice) error
	}
	cardStore interface {
		PutSavedCard(context.Context, fieldportal.Viewer, *fieldportal.SavedCard) error
	}
	certificateStore interface {
		CreateCertificate(context.Context, fieldportal.Viewer, *fieldportal.Certificate) error
	}
	certificateUpdater interface {
		UpdateCertificate(context.Context, fieldportal.Viewer, *fieldportal.Certificate) error
	}
	documentStore interface {
		CreateDocument(context.Context, fieldportal.Viewer, *fieldportal.Document) error
	}
	blobStore interface {
		PutBlob(ctx context.Context, orgID, key string, data []byte) error
	}
	appointmentStore interface {
		CreateAppointment(context.Context, fieldportal.Viewer, *fieldportal.Appointment) error
	}
	taskStore interface {
		CreateTask(context.Context, fieldportal.Viewer, *fieldportal.Task) error
	}
)

// Missing lists the store methods Load needs that this build's store does
// not have; their records are left out of the demo.
func Missing() []string {
	l := &loader{}
	l.probe()
	return l.missing
}

// has returns the store as S, or records name as missing.
func has[S any](l *loader, name string) (S, bool) {
	s, ok := any(l.db).(S)
	if !ok {
		l.missing = append(l.missing, name)
	}
	return s, ok
}

// probe checks every optional method once (on a nil store: only the
// method set matters).
func (l *loader) probe() {
	has[contractorStore](l, "CreateContractor")
	has[scriptStore](l, "CreateScript")
	has[itemStore](l, "CreateItem")
	has[assetStore](l, "CreateAsset")
	has[transferStore](l, "TransferAsset")
	has[assetTestStore](l, "CreateAssetTest")
	has[quoteStore](l, "CreateQuote")
	has[jobStore](l, "CreateJob")
	has[issueStore](l, "CreateIssue")
	has[commentStore](l, "AddIssueComment")
	has[invoiceStore](l, "CreateInvoice")
	has[paymentStore](l, "RecordPayment")
	has[recurringStore](l, "CreateRecurringInvoice")
	has[cardStore](l, "PutSavedCard")
	has[certificateStore](l, "CreateCertificate")
	has[certificateUpdater](l, "UpdateCertificate")
	has[documentStore](l, "CreateDocument")
	has[blobStore](l, "PutBlob")
	has[appointmentStore](l, "CreateAppointment")
	has[taskStore](l, "CreateTask")
	has[profileStore](l, "SetStaffProfile")
	has[reportStore](l, "SaveVisitReport")
	has[feedbackStore](l, "LeaveFeedback")
	has[messageStore](l, "PostMessage")
}

// storageKey names a document's bytes in the blob store.
func storageKey(orgID, docID string) string { return fmt.Sprintf("%s/%s", orgID, docID) }
