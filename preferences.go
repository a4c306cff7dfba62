package fieldportal

import "time"

// My details (issue 20, seed 003): what a contact keeps of its own in
// the portal's preferences besides its name and phones: a pending change
// of its email address and the mails it chooses to get.

// EmailChangeLifetime is how long the link confirming a new email
// address stays valid.
const EmailChangeLifetime = 24 * time.Hour

// MailKind is a mail a contact may choose not to get.
type MailKind string

// The mails a contact chooses among (issue 20). Every one is on until the
// contact turns it off.
const (
	MailQuoteSent     MailKind = "quote_sent"
	MailJobScheduled  MailKind = "job_scheduled"
	MailIssueAnswered MailKind = "issue_answered"
	MailInvoiceIssued MailKind = "invoice_issued"
	MailReceipt       MailKind = "payment_receipt"
	// MailOfficeMessage is the mail that the office wrote on a thread
	// (issue 22), batched per thread (MessageDigestDelay).
	MailOfficeMessage MailKind = "office_message"
)

// MailKinds lists every kind, in the order the preferences show them.
var MailKinds = []MailKind{MailQuoteSent, MailJobScheduled, MailIssueAnswered, MailInvoiceIssued, MailReceipt, MailOfficeMessage}

// Label is the kind as the preferences name it.
func (k MailKind) Label() string {
	switch k {
	case MailQuoteSent:
		return "A quote is sent to me"
	case MailJobScheduled:
		return "A job is scheduled"
	case MailIssueAnswered:
		return "An issue is answered"
	case MailInvoiceIssued:
		return "An invoice is issued"
	case MailReceipt:
		return "A payment receipt"
	case MailOfficeMessage:
		return "A new message from the office"
	}
	return string(k)
}

// MailKindsFor lists the kinds a contact may be sent at all, so the only
// ones it is offered: each needs the contact's role and the page the
// mail links to (a contact without the invoice role is never sent an
// invoice, so it is not asked about one).
func MailKindsFor(v Viewer, c *Contact) []MailKind {
	var out []MailKind
	for _, k := range MailKinds {
		ok := false
		switch k {
		case MailQuoteSent:
			ok = c.QuoteContact && v.CanUse(ModuleQuotes)
		case MailJobScheduled:
			ok = c.JobContact && (v.CanUse(ModuleService) || v.CanUse(ModuleInstall))
		case MailIssueAnswered:
			ok = v.CanUse(ModuleIssues) // to whoever reported the issue
		case MailInvoiceIssued:
			ok = c.InvoiceContact && v.CanUse(ModuleInvoices)
		case MailReceipt:
			// Receipts of automatic payments go to statement contacts.
			ok = c.InvoiceContact && v.CanUse(ModuleInvoices) || c.StatementContact && v.CanUse(ModuleAutopay)
		case MailOfficeMessage:
			// To whoever sees a record a thread may be on: any contact
			// who sees one may write there, and the job contacts hear of
			// the office's first word on a job.
			for _, m := range threadModules {
				ok = ok || v.CanUse(m)
			}
		}
		if ok {
			out = append(out, k)
		}
	}
	return out
}

// threadModules are the pages of the records a thread may be on
// (ThreadRecordKinds): jobs of either kind, quotes, invoices, issues and
// sites.
var threadModules = []Module{ModuleService, ModuleInstall, ModuleQuotes, ModuleInvoices, ModuleIssues, ModuleSites}

// MailChoice is one mail offered in the preferences and whether it is on.
type MailChoice struct {
	Kind MailKind
	On   bool
}

// MyPreferences is what the preferences page shows beside the contact's
// details.
type MyPreferences struct {
	// PendingEmail is the new address waiting for its link to be
	// followed ("" when none is).
	PendingEmail string
	// Mail are the mails the contact may choose among.
	Mail []MailChoice
}
