package demo

import (
	"fmt"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
)

// The steps of Load after the people, in dependency order. Each copies a
// record, swaps its keys for store ids, and saves it at the moment it
// happened. Child slices are rebuilt, never edited in place, so the
// Dataset is left as generated.

func (l *loader) contractors() {
	s, ok := has[contractorStore](l, "CreateContractor")
	for _, c := range l.ds.Contractors {
		if ok {
			l.save(c.ID, c.CreatedAt, &c.ID, func() error { return s.CreateContractor(l.ctx, l.v, &c) })
		}
	}
}

func (l *loader) catalogue() {
	if s, ok := has[scriptStore](l, "CreateScript"); ok {
		for _, x := range l.ds.Scripts {
			l.save(x.ID, x.CreatedAt, &x.ID, func() error { return s.CreateScript(l.ctx, l.v, &x) })
		}
	}
	if s, ok := has[itemStore](l, "CreateItem"); ok {
		for _, x := range l.ds.Items {
			l.save(x.ID, x.CreatedAt, &x.ID, func() error { return s.CreateItem(l.ctx, l.v, &x) })
		}
	}
}

func (l *loader) equipment() {
	s, ok := has[assetStore](l, "CreateAsset")
	if !ok {
		return
	}
	for _, a := range l.ds.Assets {
		a.CustomerID, a.SiteID = l.id(a.CustomerID), l.id(a.SiteID)
		l.save(a.ID, a.CreatedAt, &a.ID, func() error { return s.CreateAsset(l.ctx, l.v, &a) })
	}
	if s, ok := has[transferStore](l, "TransferAsset"); ok {
		for _, t := range l.ds.Transfers {
			asset, to := l.id(t.AssetID), l.id(t.ToSiteID)
			l.save(t.ID, t.CreatedAt, &t.ID, func() error {
				out, err := s.TransferAsset(l.ctx, l.v, asset, to, t.TransferredOn, t.Note)
				if err == nil {
					t.ID = out.ID
				}
				return err
			})
		}
	}
}

func (l *loader) work() {
	if s, ok := has[quoteStore](l, "CreateQuote"); ok {
		for _, q := range l.ds.Quotes {
			q.CustomerID, q.SiteID, q.ContractorID = l.id(q.CustomerID), l.id(q.SiteID), l.opt(q.ContractorID)
			q.RequestedBy, q.AssetIDs = l.id(q.RequestedBy), l.idList(q.AssetIDs)
			items := make([]fieldportal.QuoteItem, len(q.Items))
			for i, it := range q.Items {
				it.ItemID = l.opt(it.ItemID)
				items[i] = it
			}
			q.Items = items
			l.save(q.ID, q.CreatedAt, &q.ID, func() error { return s.CreateQuote(l.ctx, l.v, &q) })
		}
	}
	if s, ok := has[jobStore](l, "CreateJob"); ok {
		for _, j := range l.ds.Jobs {
			j.CustomerID, j.SiteID, j.ContractorID = l.id(j.CustomerID), l.id(j.SiteID), l.opt(j.ContractorID)
			j.QuoteID, j.RequestedBy, j.AssetIDs = l.opt(j.QuoteID), l.id(j.RequestedBy), l.idList(j.AssetIDs)
			items := make([]fieldportal.JobItem, len(j.Items))
			for i, it := range j.Items {
				it.ItemID = l.opt(it.ItemID)
				items[i] = it
			}
			j.Items = items
			l.save(j.ID, j.CreatedAt, &j.ID, func() error { return s.CreateJob(l.ctx, l.v, &j) })
		}
	}
	if s, ok := has[assetTestStore](l, "CreateAssetTest"); ok {
		for _, t := range l.ds.Tests {
			if l.opt(t.AssetID) == "" {
				continue // assets were skipped
			}
			t.AssetID, t.JobID = l.id(t.AssetID), l.opt(t.JobID)
			l.save(t.ID, t.CreatedAt, &t.ID, func() error { return s.CreateAssetTest(l.ctx, l.v, &t) })
		}
	}
	s, ok := has[issueStore](l, "CreateIssue")
	if !ok {
		return
	}
	cs, commentsOK := has[commentStore](l, "AddIssueComment")
	for _, th := range l.ds.Issues {
		is := th.Issue
		is.CustomerID, is.SiteID, is.AssetID, is.ReportedBy = l.id(is.CustomerID), l.id(is.SiteID), l.opt(is.AssetID), l.id(is.ReportedBy)
		l.save(is.ID, is.CreatedAt, &is.ID, func() error { return s.CreateIssue(l.ctx, l.v, &is) })
		for _, c := range th.Comments {
			if !commentsOK {
				break
			}
			c.IssueID = l.id(th.Issue.ID)
			author := l.author(c)
			l.save(c.ID, c.CreatedAt, &c.ID, func() error { return cs.AddIssueComment(l.ctx, author, &c) })
		}
	}
}

// author returns the viewer who writes a comment, since the store takes
// the author from the viewer: the staff member, the contact when it has a
// portal login, or else the system with the contact's name on the comment.
func (l *loader) author(c fieldportal.IssueComment) fieldportal.Viewer {
	var v fieldportal.Viewer
	var err error
	switch {
	case c.AuthorStaff != "":
		v, err = l.db.ViewerForStaff(l.ctx, l.v.OrgID, l.id(c.AuthorStaff))
	case c.AuthorContact != "":
		for _, a := range l.ds.Logins {
			if a.Login.ContactID == c.AuthorContact && a.Login.Status == fieldportal.LoginActive && a.Login.SiteAccess == fieldportal.SiteAccessAll {
				v, err = l.db.ViewerForLogin(l.ctx, l.v.OrgID, l.id(a.Login.ID))
			}
		}
	}
	if err != nil && l.err == nil {
		l.err = fmt.Errorf("demo: viewer for a comment: %w", err)
	}
	if v.Kind() == fieldportal.ViewerAnonymous {
		return l.v
	}
	return v
}

func (l *loader) billing() {
	s, ok := has[invoiceStore](l, "CreateInvoice")
	if !ok {
		return
	}
	ps, payments := has[paymentStore](l, "RecordPayment")
	for _, inv := range l.ds.Invoices {
		inv.CustomerID, inv.SiteID, inv.JobID = l.id(inv.CustomerID), l.id(inv.SiteID), l.opt(inv.JobID)
		inv.ContractorID = l.opt(inv.ContractorID)
		inv.Lines = append([]fieldportal.InvoiceLine(nil), inv.Lines...)
		if payments && inv.Status != fieldportal.InvoiceVoid {
			// The payments bring the invoice to its final amount paid.
			inv.AmountPaid, inv.Status = 0, fieldportal.InvoiceUnpaid
		}
		l.save(inv.ID, inv.CreatedAt, &inv.ID, func() error { return s.CreateInvoice(l.ctx, l.v, &inv) })
	}
	if payments {
		for _, p := range l.ds.Payments {
			p.CustomerID, p.PaidBy = l.id(p.CustomerID), l.id(p.PaidBy)
			allocs := make([]fieldportal.PaymentAllocation, len(p.Allocations))
			for i, a := range p.Allocations {
				allocs[i] = fieldportal.PaymentAllocation{InvoiceID: l.id(a.InvoiceID), Amount: a.Amount}
			}
			p.Allocations = allocs
			l.save(p.ID, p.CreatedAt, &p.ID, func() error {
				created, err := ps.RecordPayment(l.ctx, l.v, &p)
				if err == nil && !created {
					err = fmt.Errorf("provider reference %s recorded twice", p.ProviderRef)
				}
				return err
			})
		}
	}
	if s, ok := has[recurringStore](l, "CreateRecurringInvoice"); ok {
		for _, r := range l.ds.Recurring {
			r.CustomerID, r.SiteID = l.id(r.CustomerID), l.id(r.SiteID)
			l.save(r.ID, r.CreatedAt, &r.ID, func() error { return s.CreateRecurringInvoice(l.ctx, l.v, &r) })
		}
	}
	if s, ok := has[cardStore](l, "PutSavedCard"); ok {
		for _, c := range l.ds.Cards {
			c.CustomerID = l.id(c.CustomerID)
			l.save(c.ID, c.CreatedAt, &c.ID, func() error { return s.PutSavedCard(l.ctx, l.v, &c) })
		}
	}
}

// paperwork writes the certificates, then the files (bytes first, then the
// document row that points at them), then links each certificate to its PDF.
func (l *loader) paperwork() {
	if s, ok := has[certificateStore](l, "CreateCertificate"); ok {
		for _, c := range l.ds.Certificates {
			c.CustomerID, c.SiteID, c.ContractorID, c.JobID, c.DocumentID = l.id(c.CustomerID), l.id(c.SiteID), l.opt(c.ContractorID), l.opt(c.JobID), ""
			l.save(c.ID, c.CreatedAt, &c.ID, func() error { return s.CreateCertificate(l.ctx, l.v, &c) })
		}
	}
	ds, docsOK := has[documentStore](l, "CreateDocument")
	bs, blobsOK := has[blobStore](l, "PutBlob")
	if !docsOK || !blobsOK {
		return
	}
	for _, f := range l.ds.Files {
		d := f.Document
		refs := []*string{&d.SiteID, &d.JobID, &d.QuoteID, &d.InvoiceID, &d.AssetID, &d.CertificateID, &d.IssueID}
		skip := false
		for _, r := range refs {
			if *r != "" {
				id := l.opt(*r)
				skip = skip || id == "" // what it is attached to was skipped
				*r = id
			}
		}
		if skip {
			continue
		}
		d.CustomerID, d.UploadedByContact, d.UploadedByStaff = l.id(d.CustomerID), l.id(d.UploadedByContact), l.id(d.UploadedByStaff)
		key := d.ID
		l.save(key, d.CreatedAt, &d.ID, func() error {
			// The bytes go first, under a key made from the document's
			// own id, which CreateDocument keeps when it is set.
			d.ID = sqlstore.NewID()
			d.StorageKey = storageKey(l.v.OrgID, d.ID)
			if err := bs.PutBlob(l.ctx, l.v.OrgID, d.StorageKey, f.Data); err != nil {
				return err
			}
			return ds.CreateDocument(l.ctx, l.v, &d)
		})
	}
	us, ok := has[certificateUpdater](l, "UpdateCertificate")
	if !ok {
		return
	}
	for _, c := range l.ds.Certificates {
		if l.opt(c.ID) == "" || l.opt(c.DocumentID) == "" {
			continue
		}
		c.ID, c.CustomerID, c.SiteID, c.ContractorID, c.JobID = l.id(c.ID), l.id(c.CustomerID), l.id(c.SiteID), l.opt(c.ContractorID), l.opt(c.JobID)
		c.DocumentID = l.id(c.DocumentID)
		l.save("link "+c.DocumentID, c.CreatedAt, nil, func() error { return us.UpdateCertificate(l.ctx, l.v, &c) })
	}
}

func (l *loader) diary() {
	if s, ok := has[appointmentStore](l, "CreateAppointment"); ok {
		for _, a := range l.ds.Appointments {
			if (a.JobID != "" && l.opt(a.JobID) == "") || (a.QuoteID != "" && l.opt(a.QuoteID) == "") {
				continue
			}
			a.CustomerID, a.SiteID, a.JobID, a.QuoteID = l.id(a.CustomerID), l.id(a.SiteID), l.opt(a.JobID), l.opt(a.QuoteID)
			a.TechnicianStaffID = l.opt(a.TechnicianStaffID)
			l.save(a.ID, a.CreatedAt, &a.ID, func() error { return s.CreateAppointment(l.ctx, l.v, &a) })
		}
	}
	if s, ok := has[taskStore](l, "CreateTask"); ok {
		for _, t := range l.ds.Tasks {
			t.CustomerID, t.SiteID, t.JobID = l.id(t.CustomerID), l.id(t.SiteID), l.opt(t.JobID)
			l.save(t.ID, t.CreatedAt, &t.ID, func() error { return s.CreateTask(l.ctx, l.v, &t) })
		}
	}
}
