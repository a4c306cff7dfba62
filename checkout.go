package fieldportal

import "time"

// Checkout is one attempt of a contact to pay invoices online: the
// invoices and amounts chosen, fixed by the server when it starts, and
// what became of it. A payment is applied only when the provider confirms
// the checkout, once, whatever delivers the confirmation first (the
// return page or the provider's webhook).
type Checkout struct {
	ID         string `json:"id"`
	OrgID      string `json:"-"`
	CustomerID string `json:"customer_id"`
	// The payer: the portal login and its contact, and the address the
	// receipt is mailed to.
	LoginID   string `json:"-"`
	ContactID string `json:"contact_id"`
	Email     string `json:"-"`
	Name      string `json:"-"`
	Provider  string `json:"provider"`
	// ProviderID is the provider's id of its hosted page.
	ProviderID string         `json:"provider_id,omitempty"`
	Currency   string         `json:"currency"`
	Amount     Money          `json:"amount"`
	Status     CheckoutStatus `json:"status"`
	// Back is the portal page the payer came from (/invoices, /statement).
	Back          string            `json:"-"`
	PaymentID     string            `json:"payment_id,omitempty"`
	ReceiptNumber string            `json:"receipt_number,omitempty"`
	Invoices      []CheckoutInvoice `json:"invoices"`
	// A deposit's checkout (issue 22) pays no invoice: it is for QuoteID
	// and keeps the acceptance it completes when confirmed: the typed
	// name, the address it came from and the comment (signed at
	// CreatedAt), and the portal's address for the office's mail.
	QuoteID       string `json:"quote_id,omitempty"`
	SignerName    string `json:"-"`
	SignedFrom    string `json:"-"`
	AcceptComment string `json:"-"`
	PortalURL     string `json:"-"`
	// QuoteVersion is the quote's version signed for (Quote.Version):
	// a quote changed since is not accepted by the deposit's payment.
	QuoteVersion string `json:"-"`
	// ExpiresAt is when a deposit's checkout lapses (zero for invoices'
	// checkouts, which the provider lapses by its own rule): the earlier
	// of DepositCheckoutLapse after it started and the end of the quote's
	// last valid day. The provider's page refuses payment after it.
	ExpiresAt time.Time `json:"expires_at,omitzero"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// DepositCheckoutLapse is the longest a deposit's checkout stays open
// (Stripe's Checkout Sessions lapse in 24 hours at most): a deposit paid
// later would accept a quote whose validity nobody checked meanwhile.
const DepositCheckoutLapse = 24 * time.Hour

// CheckoutInvoice is one invoice of a checkout with the amount asked for
// it (its balance when the checkout started).
type CheckoutInvoice struct {
	InvoiceID string `json:"invoice_id"`
	Number    string `json:"number"`
	Amount    Money  `json:"amount"`
}

// CheckoutStatus is where a checkout stands.
type CheckoutStatus string

// Checkout statuses: open until the provider confirms it (paid) or a
// confirmation that does not match it is refused (refused).
const (
	CheckoutOpen    CheckoutStatus = "open"
	CheckoutPaid    CheckoutStatus = "paid"
	CheckoutRefused CheckoutStatus = "refused"
)

// StartCheckout is what a payer asks to pay: invoice ids from the form;
// the amounts are the server's.
type StartCheckout struct {
	InvoiceIDs []string
	Provider   string
	Back       string
}

// StartDeposit is a quote contact's acceptance of a quote that asks for a
// deposit: the decision (typed name, comment, client address, version
// read) and the provider; the amount is the server's.
type StartDeposit struct {
	QuoteID  string
	Decision QuoteDecision
	Provider string
}
