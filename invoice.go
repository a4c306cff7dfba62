package fieldportal

import (
	"strings"
	"time"
)

// InvoiceStatus is the payment state of an invoice.
type InvoiceStatus string

// Invoice statuses.
const (
	InvoiceUnpaid   InvoiceStatus = "unpaid"
	InvoicePartPaid InvoiceStatus = "part_paid"
	InvoicePaid     InvoiceStatus = "paid"
	InvoiceVoid     InvoiceStatus = "void"
)

// Invoice is a bill to a customer, optionally for a site and a job.
type Invoice struct {
	ID           string        `json:"id"`
	OrgID        string        `json:"-"`
	ExternalID   string        `json:"external_id,omitempty"`
	Number       string        `json:"number"`
	CustomerID   string        `json:"customer_id"`
	SiteID       string        `json:"site_id,omitempty"`
	JobID        string        `json:"job_id,omitempty"`
	ContractorID string        `json:"contractor_id,omitempty"`
	IssueDate    Date          `json:"issue_date"`
	DueDate      Date          `json:"due_date"`
	Description  string        `json:"description"`
	Subtotal     Money         `json:"subtotal"`
	Tax          Money         `json:"tax"`
	Total        Money         `json:"total"`
	AmountPaid   Money         `json:"amount_paid"`
	Status       InvoiceStatus `json:"status"`
	CreatedAt    time.Time     `json:"created_at"`
	UpdatedAt    time.Time     `json:"updated_at"`

	Lines []InvoiceLine `json:"lines"`

	SiteName  string `json:"site_name,omitempty"`
	JobNumber string `json:"job_number,omitempty"`
	// Read by the portal's list and detail, not part of the API's record:
	// the site's address and UPRN and the contractor's name.
	SiteAddress    Address `json:"-"`
	SiteUPRN       string  `json:"-"`
	ContractorName string  `json:"-"`
	// JobKind is the kind of the job the invoice was raised from (""
	// without one): the invoice's page links the job when the viewer
	// may use the kind's pages, without reading the whole job.
	JobKind JobKind `json:"-"`
	// Payments are the payments received against the invoice that the
	// viewer sees, oldest first; filled by FindInvoiceByID only.
	Payments []InvoicePayment `json:"-"`
	// IfUpdatedAt, when set, makes an update save only over the version
	// read (ErrChanged otherwise).
	IfUpdatedAt time.Time `json:"-"`
}

// InvoicePayment is one payment as the invoice it settled shows it: the
// part of the payment allocated to this invoice.
type InvoicePayment struct {
	PaymentID     string
	PaidAt        time.Time
	Method        string
	ReceiptNumber string
	Allocated     Money
	// Deposit: the payment is a quote's deposit (issue 22), shown as
	// "Deposit received".
	Deposit bool
}

// Label is how the payment reads on the invoice: "Deposit received" for
// a quote's deposit, else its method.
func (p InvoicePayment) Label() string {
	if p.Deposit {
		return "Deposit received"
	}
	return PaymentMethodLabel(p.Method)
}

// Balance is what is still owed.
func (i *Invoice) Balance() Money {
	if i.Status == InvoiceVoid {
		return 0
	}
	return i.Total - i.AmountPaid
}

// Overdue reports whether the invoice is unpaid past its due date on day today.
func (i *Invoice) Overdue(today Date) bool {
	return i.Balance() > 0 && i.DueDate.Before(today)
}

// StatusFor derives the status from the amounts (void stays void). An
// invoice of nothing is paid: counted unpaid it could never be settled.
func (i *Invoice) StatusFor() InvoiceStatus {
	switch {
	case i.Status == InvoiceVoid:
		return InvoiceVoid
	case i.AmountPaid >= i.Total:
		return InvoicePaid
	case i.AmountPaid <= 0:
		return InvoiceUnpaid
	}
	return InvoicePartPaid
}

// InvoiceLine is one line of an invoice.
type InvoiceLine struct {
	ID          string `json:"id"`
	Description string `json:"description"`
	Quantity    int64  `json:"quantity"`
	UnitPrice   Money  `json:"unit_price"`
	Tax         Money  `json:"tax"`
	Total       Money  `json:"total"`
}

// Validate checks an invoice before it is saved.
func (i *Invoice) Validate() error {
	var v Validation
	if strings.TrimSpace(i.Number) == "" {
		v.Add("number", "Number is required.")
	}
	if i.CustomerID == "" {
		v.Add("customer_id", "Customer is required.")
	}
	if i.IssueDate.IsZero() {
		v.Add("issue_date", "Issue date is required.")
	}
	if i.DueDate.IsZero() {
		v.Add("due_date", "Due date is required.")
	} else if i.DueDate.Before(i.IssueDate) {
		v.Add("due_date", "Due date cannot be before the issue date.")
	}
	if i.Subtotal+i.Tax != i.Total {
		v.Add("total", "Total must equal subtotal plus tax.")
	}
	if i.AmountPaid < 0 || i.AmountPaid > i.Total {
		v.Add("amount_paid", "Amount paid must be between zero and the total.")
	}
	switch i.Status {
	case InvoiceUnpaid, InvoicePartPaid, InvoicePaid, InvoiceVoid:
	default:
		v.Add("status", "Status must be unpaid, part_paid, paid or void.")
	}
	return v.Err()
}

// InvoiceSort is the order of an invoice list.
type InvoiceSort string

// Invoice orders: newest issued first (the default), or soonest due first.
const (
	InvoiceSortIssued InvoiceSort = ""
	InvoiceSortDue    InvoiceSort = "due"
)

// InvoiceFilter selects invoices.
type InvoiceFilter struct {
	Page
	Sort         InvoiceSort
	Search       string // invoice or job number
	Statuses     []InvoiceStatus
	SiteID       string
	CustomerID   string
	ContractorID string
	IssuedFrom   Date
	IssuedTo     Date
	UpdatedSince time.Time
	// Number is an invoice's or job's number, whole (the console's
	// search, read by index): "1001" finds INV-1001.
	Number string
	// DueBefore keeps unpaid and part-paid invoices due before the day:
	// the overdue ones, when it is today.
	DueBefore Date
	// UPRN keeps invoices of the sites with this UPRN.
	UPRN string
	// JobID keeps the invoices raised from a job, ExternalID the one of a
	// back-office id (the API's filters).
	JobID      string
	ExternalID string
}

// PaymentStatus is the state of a payment.
type PaymentStatus string

// Payment statuses.
const (
	PaymentPending   PaymentStatus = "pending"
	PaymentSucceeded PaymentStatus = "succeeded"
	PaymentFailed    PaymentStatus = "failed"
	PaymentRefunded  PaymentStatus = "refunded"
)

// Payment is money received against one or more invoices.
type Payment struct {
	ID            string        `json:"id"`
	OrgID         string        `json:"-"`
	ExternalID    string        `json:"external_id,omitempty"`
	CustomerID    string        `json:"customer_id"`
	Amount        Money         `json:"amount"`
	Currency      string        `json:"currency"`
	Method        string        `json:"method"` // card, bank_transfer, cash, cheque, direct_debit
	Provider      string        `json:"provider"`
	ProviderRef   string        `json:"provider_ref,omitempty"`
	ReceiptNumber string        `json:"receipt_number"`
	Status        PaymentStatus `json:"status"`
	PaidAt        time.Time     `json:"paid_at,omitzero"`
	PaidBy        string        `json:"paid_by,omitempty"`
	CreatedAt     time.Time     `json:"created_at"`
	UpdatedAt     time.Time     `json:"updated_at"`

	Allocations []PaymentAllocation `json:"allocations"`
	// Refunded is how much of the payment has been given back (its
	// refunds took that much off its allocations); filled with them.
	Refunded Money `json:"refunded"`
	// Reference is the payer's reference of a payment taken by hand (a
	// cheque's number), words for people.
	Reference string `json:"reference,omitempty"`
	// QuoteID is the quote a deposit was paid for (issue 22), set only
	// by the deposit's confirmation.
	QuoteID string `json:"-"`
	// IfUpdatedAt, when set, makes an update save only over the version
	// read (ErrChanged otherwise).
	IfUpdatedAt time.Time `json:"-"`
}

// PaymentAllocation is the part of a payment that settles one invoice.
type PaymentAllocation struct {
	InvoiceID string `json:"invoice_id"`
	Amount    Money  `json:"amount"`
}

// Validate checks a payment before it is saved.
func (p *Payment) Validate() error {
	var v Validation
	if p.CustomerID == "" {
		v.Add("customer_id", "Customer is required.")
	}
	if p.Amount <= 0 {
		v.Add("amount", "Amount must be more than zero.")
	}
	switch p.Method {
	case "card", "bank_transfer", "cash", "cheque", "direct_debit":
	default:
		v.Add("method", "Method must be card, bank_transfer, cash, cheque or direct_debit.")
	}
	switch p.Status {
	case PaymentPending, PaymentSucceeded, PaymentFailed, PaymentRefunded:
	default:
		v.Add("status", "Status must be pending, succeeded, failed or refunded.")
	}
	var sum Money
	for _, a := range p.Allocations {
		if a.Amount <= 0 {
			v.Add("allocations", "Each allocation must be more than zero.")
		}
		sum += a.Amount
	}
	if sum > p.Amount {
		v.Add("allocations", "Allocations cannot exceed the payment amount.")
	}
	return v.Err()
}

// PaymentFilter selects payments.
type PaymentFilter struct {
	Page
	CustomerID   string
	UpdatedSince time.Time
	// Method, Provider and Status narrow the console's list; ByOffice
	// keeps the payments taken by the office (no provider).
	Method   string
	Provider string
	Status   PaymentStatus
	ByOffice bool
	// ExternalID keeps the payment of a back-office id.
	ExternalID string
}

// Frequency is how often a recurring invoice is raised.
type Frequency string

// Frequencies.
const (
	Weekly    Frequency = "weekly"
	Monthly   Frequency = "monthly"
	Quarterly Frequency = "quarterly"
	Yearly    Frequency = "yearly"
)

// RecurringInvoice is a schedule that raises invoices, optionally paid
// automatically from the customer's saved card.
type RecurringInvoice struct {
	ID              string    `json:"id"`
	OrgID           string    `json:"-"`
	ExternalID      string    `json:"external_id,omitempty"`
	CustomerID      string    `json:"customer_id"`
	SiteID          string    `json:"site_id,omitempty"`
	Name            string    `json:"name"`
	TotalIncTax     Money     `json:"total_inc_tax"`
	Frequency       Frequency `json:"frequency"`
	LastPaymentDate Date      `json:"last_payment_date,omitzero"`
	NextDueDate     Date      `json:"next_due_date,omitzero"`
	Autopay         bool      `json:"autopay"`
	Active          bool      `json:"active"`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`

	SiteName     string `json:"site_name,omitempty"`
	CustomerName string `json:"customer_name,omitempty"`
	// IfUpdatedAt, when set, makes an update save only over the version
	// read (ErrChanged otherwise).
	IfUpdatedAt time.Time `json:"-"`
}

// Validate checks a recurring invoice before it is saved.
func (r *RecurringInvoice) Validate() error {
	var v Validation
	if strings.TrimSpace(r.Name) == "" {
		v.Add("name", "Name is required.")
	}
	if r.CustomerID == "" {
		v.Add("customer_id", "Customer is required.")
	}
	if r.TotalIncTax <= 0 {
		v.Add("total_inc_tax", "Total must be more than zero.")
	}
	switch r.Frequency {
	case Weekly, Monthly, Quarterly, Yearly:
	default:
		v.Add("frequency", "Frequency must be weekly, monthly, quarterly or yearly.")
	}
	return v.Err()
}

// RecurringInvoiceFilter selects recurring invoices.
type RecurringInvoiceFilter struct {
	Page
	SiteID string
	// Search matches part of the schedule's or its customer's name.
	Search       string
	UpdatedSince time.Time
	// CustomerID keeps the schedules of a customer, ExternalID the one of
	// a back-office id.
	CustomerID string
	ExternalID string
}

// SavedCard is the one card a customer keeps with the payment provider for
// automatic payments; only the provider's reference is held here.
type SavedCard struct {
	ID          string    `json:"id"`
	OrgID       string    `json:"-"`
	CustomerID  string    `json:"customer_id"`
	Provider    string    `json:"provider"`
	ProviderRef string    `json:"-"`
	Brand       string    `json:"brand"`
	Last4       string    `json:"last4"`
	ExpMonth    int       `json:"exp_month"`
	ExpYear     int       `json:"exp_year"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Validate checks a saved card before it is stored: only the provider's
// reference and display details are kept, never a card number.
func (c *SavedCard) Validate() error {
	var v Validation
	if c.CustomerID == "" {
		v.Add("customer_id", "Customer is required.")
	}
	if strings.TrimSpace(c.Provider) == "" {
		v.Add("provider", "Provider is required.")
	}
	if strings.TrimSpace(c.ProviderRef) == "" {
		v.Add("provider_ref", "Provider reference is required.")
	}
	if c.Last4 != "" && len(c.Last4) != 4 {
		v.Add("last4", "Last four digits must be four digits.")
	}
	if c.ExpMonth < 0 || c.ExpMonth > 12 {
		v.Add("exp_month", "Expiry month must be between 1 and 12.")
	}
	return v.Err()
}

// InvoiceSummary is the balance summary of the invoices a viewer sees
// (dashboard, invoice list header): unpaid means unpaid or part paid.
type InvoiceSummary struct {
	Unpaid         int   `json:"unpaid"`
	Balance        Money `json:"balance"`
	Overdue        int   `json:"overdue"`
	OverdueBalance Money `json:"overdue_balance"`
}

// PaymentMethodLabel is a payment method in words.
func PaymentMethodLabel(method string) string {
	switch method {
	case "card":
		return "Card"
	case "bank_transfer":
		return "Bank transfer"
	case "cash":
		return "Cash"
	case "cheque":
		return "Cheque"
	case "direct_debit":
		return "Direct debit"
	}
	return method
}

// Label is the status in words.
func (s InvoiceStatus) Label() string {
	switch s {
	case InvoiceUnpaid:
		return "Unpaid"
	case InvoicePartPaid:
		return "Part paid"
	case InvoicePaid:
		return "Paid"
	case InvoiceVoid:
		return "Void"
	}
	return string(s)
}
