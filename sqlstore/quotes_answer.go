package sqlstore

import (
	"context"
	"strings"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/mail"
)

// The two steps of a quote after its request: the staff price it and send
// it (PriceQuote), and the customer accepts or declines it online
// (DecideQuote). Each checks the quote's stage inside its transaction and
// writes only if the stage is still the one it read, so that two people
// acting at once cannot both win.

// DecideQuote records an online answer to an outstanding quote: accepted
// (approved) or declined, signed with the typed name, at the store's
// time, from the client address, with an optional comment. A quote that
// is not outstanding, or whose validity ended before today in the
// organisation's time zone, cannot be answered; of two answers racing,
// the second is told the quote was already actioned. Contacts answer
// quotes they reach with the Quotes page; staff may record an answer for
// the customer. The office is mailed at the organisation's support
// address, when it has one, in the same change.
func (d *DB) DecideQuote(ctx context.Context, v fieldportal.Viewer, id string, dec fieldportal.QuoteDecision) (*fieldportal.Quote, error) {
	if err := needModule(v, fieldportal.ModuleQuotes, "quote"); err != nil {
		return nil, err
	}
	if err := dec.Validate(); err != nil {
		return nil, err
	}
	orgNow, err := d.orgNow(ctx, v.OrgID)
	if err != nil {
		return nil, err
	}
	settings, err := d.FindSettings(ctx, v.OrgID)
	if err != nil {
		return nil, err
	}
	var out *fieldportal.Quote
	err = d.inTx(ctx, func(tx *Tx) error {
		var err error
		out, err = tx.decideQuote(ctx, v, id, dec, settings, orgNow.Location(), false)
		return err
	})
	return out, err
}

// decideQuote is DecideQuote in tx. paid is set when the provider's
// confirmation of the quote's deposit completes an acceptance started
// earlier (applyDeposit): the signer's checks were made when it started,
// and the quote's validity is judged as of dec.ValidAt (honoured only
// then).
func (tx *Tx) decideQuote(ctx context.Context, v fieldportal.Viewer, id string, dec fieldportal.QuoteDecision,
	settings fieldportal.Settings, loc *time.Location, paid bool) (*fieldportal.Quote, error) {
	signer, comment := strings.TrimSpace(dec.SignerName), strings.TrimSpace(dec.Comment)
	to, verb := fieldportal.QuoteDeclined, "declined"
	if dec.Accept {
		to, verb = fieldportal.QuoteApproved, "accepted"
	}
	if tx.db.dialect == Postgres {
		// Hold the row, so the office cannot price it again between the
		// version check below and the answer's UPDATE (SQLite's write
		// transaction already excludes every other writer).
		if _, err := tx.ExecContext(ctx, `SELECT 1 FROM quotes WHERE id = $1 AND org_id = $2 FOR UPDATE`, id, v.OrgID); err != nil {
			return nil, err
		}
	}
	x, err := tx.findQuote(ctx, v, id)
	if err != nil {
		return nil, err
	}
	// Found first, so that a quote out of reach stays "not found".
	if v.IsContact() && !v.QuoteContact {
		return nil, fieldportal.Errorf(fieldportal.EFORBIDDEN, "Only your quote contacts can accept or decline quotes. Ask one of them, or the office, to change your roles.")
	}
	switch {
	case x.Stage == fieldportal.QuoteRequested:
		return nil, fieldportal.Errorf(fieldportal.ECONFLICT, "Quote %s is not priced yet, so it cannot be %s. We will send it to you once it is.", x.Number, verb)
	case x.Stage != fieldportal.QuoteOutstanding:
		return nil, fieldportal.Errorf(fieldportal.ECONFLICT, "Quote %s is already %s, so it can no longer be %s.", x.Number, x.Stage, verb)
	}
	if dec.Version != "" && dec.Version != x.Version() {
		return nil, fieldportal.Errorf(fieldportal.ECONFLICT, "Quote %s has changed since you opened it, so it was not %s. Read it again as it now stands before you answer.",
			x.Number, verb)
	}
	if paid && !dec.At.IsZero() && x.UpdatedAt.After(dec.At) {
		// Priced or edited since the name was typed (the version checked
		// then was no later than it): the deposit paid is not consent to
		// the quote as it now stands. The money stays on account.
		return nil, fieldportal.Errorf(fieldportal.ECONFLICT, "Quote %s has changed since it was signed, so it was not %s.", x.Number, verb)
	}
	// A deposit's confirmation checks it again, as of when the payment
	// was made (dec.ValidAt: its checkout lapses with the quote's last
	// day, and a confirmation may come later): a quote expired by then is
	// not accepted, and the money stays on account.
	validAt := tx.now
	if paid && !dec.ValidAt.IsZero() && dec.ValidAt.Before(validAt) {
		validAt = dec.ValidAt
	}
	today := fieldportal.DateOf(validAt.In(loc))
	if !x.ValidUntil.IsZero() && x.ValidUntil.Before(today) {
		return nil, fieldportal.Errorf(fieldportal.ECONFLICT, "Quote %s expired on %s, so it can no longer be %s. Ask us for a new quote.",
			x.Number, x.ValidUntil.Format("2 January 2006"), verb)
	}
	if dec.Accept && !paid && v.IsContact() {
		if err := tx.refuseAcceptAtArchivedSite(ctx, x); err != nil {
			return nil, err
		}
	}
	if dec.Accept && !paid && v.IsContact() && x.Deposit() > 0 {
		// Complete only with the deposit paid: StartDepositCheckout.
		return nil, fieldportal.Errorf(fieldportal.ECONFLICT, "Quote %s asks for a deposit, so it is accepted when the deposit is paid. Accept it from its page to pay the deposit.", x.Number)
	}
	at := tx.now
	if paid && !dec.At.IsZero() {
		at = dec.At // the time the name was typed, kept with the checkout
	}
	x.Stage, x.SignedByName, x.SignedFrom, x.ActionedAt, x.UpdatedAt = to, signer, dec.From, at, tx.now
	if dec.Accept {
		x.AcceptComment = comment
	} else {
		x.DeclineReason = comment
	}
	res, err := tx.ExecContext(ctx, `UPDATE quotes SET stage = $2, signed_by_name = $3, signed_from = $4,
		accept_comment = $5, decline_reason = $6, actioned_at = $7, updated_at = $9 WHERE id = $1 AND stage = $8`,
		x.ID, to, signer, x.SignedFrom, x.AcceptComment, x.DeclineReason, at, fieldportal.QuoteOutstanding, tx.now)
	if err != nil {
		return nil, err
	}
	if n, err := res.RowsAffected(); err != nil {
		return nil, err
	} else if n != 1 {
		return nil, fieldportal.Errorf(fieldportal.ECONFLICT, "Quote %s was already actioned a moment ago, so it can no longer be %s.", x.Number, verb)
	}
	if err := tx.tallyStored(ctx, "quotes", x.ID); err != nil {
		return nil, err
	}
	detail := x.Number + " signed by " + signer
	if dec.From != "" {
		detail += " from " + dec.From
	}
	// The console's queue and the audit log show the answer, and the
	// office's address (the support address customers are given) is
	// mailed. There is no webhook delivery in the outbox yet.
	if office := strings.TrimSpace(settings.Branding.SupportEmail); office != "" {
		var orgName string
		if err := tx.QueryRowContext(ctx, `SELECT name FROM organisations WHERE id = $1`, x.OrgID).Scan(&orgName); err != nil {
			return nil, err
		}
		m := mail.QuoteAnswered(orgName, signer, verb, x.Number, x.SiteName, at.In(loc).Format("2 January 2006 at 15:04 MST"),
			strings.TrimSuffix(dec.PortalURL, "/")+"/console/quotes/"+x.ID)
		m.To = office
		if err := tx.enqueue(ctx, mail.Outbox(x.OrgID, "quote_answered", m)); err != nil {
			return nil, err
		}
	}
	// A paid deposit completes the contact's acceptance in the portal
	// (as payment.succeeded with it): the system viewer only records it.
	source := fieldportal.EventSource(v)
	if paid {
		source = fieldportal.SourcePortal
	}
	if err := tx.emitEventFrom(ctx, source, v.OrgID, "quote."+verb, x); err != nil {
		return nil, err
	}
	return x, tx.audit(ctx, v, "quote."+verb, "quote", x.ID, detail)
}

// PriceQuote sets a requested or outstanding quote's lines, tax rate and
// validity, with its totals computed here from the lines (integer minor
// units; optional lines are not in the totals). With Send it moves the
// quote to outstanding and, in the same transaction, queues the "quote
// sent" mail to each of the customer's quote contacts with an email
// address (or to the contact who requested it, when the customer has
// none); mailed is how many mails were queued. Staff only.
func (d *DB) PriceQuote(ctx context.Context, v fieldportal.Viewer, id string, p fieldportal.QuotePricing) (x *fieldportal.Quote, mailed int, err error) {
	if err := needStaff(v); err != nil {
		return nil, 0, err
	}
	orgNow, err := d.orgNow(ctx, v.OrgID)
	if err != nil {
		return nil, 0, err
	}
	if err := p.Validate(fieldportal.DateOf(orgNow)); err != nil {
		return nil, 0, err
	}
	err = d.inTx(ctx, func(tx *Tx) error {
		var err error
		if x, err = tx.findQuote(ctx, v, id); err != nil {
			return err
		}
		from := x.Stage
		if from != fieldportal.QuoteRequested && from != fieldportal.QuoteOutstanding {
			return fieldportal.Errorf(fieldportal.ECONFLICT, "Quote %s is already %s, so it can no longer be priced.", x.Number, x.Stage)
		}
		for i, it := range p.Items {
			if it.ItemID == "" {
				continue
			}
			var one int
			if err := tx.QueryRowContext(ctx, `SELECT 1 FROM items WHERE id = $1 AND org_id = $2`, it.ItemID, v.OrgID).Scan(&one); err != nil {
				return fieldportal.FieldErrorf(fieldportal.ItemField(i+1, "item_id"), "Line %d: the catalogue item is not in the catalogue.", i+1)
			}
		}
		x.Items, x.TotalExTax, x.Tax, x.TotalIncTax = p.Totals()
		x.TaxRate, x.ValidUntil, x.UpdatedAt = p.TaxRate, p.ValidUntil, tx.now
		x.DepositKind, x.DepositValue = p.DepositKind, p.DepositValue
		x.DepositAmount = x.Deposit()
		if p.Send {
			x.Stage, x.SentAt = fieldportal.QuoteOutstanding, tx.now
		}
		res, err := tx.ExecContext(ctx, `UPDATE quotes SET stage = $2, total_ex_tax = $3, tax = $4, total_inc_tax = $5,
			tax_rate = $6, valid_until = $7, sent_at = $8, updated_at = $9, deposit_kind = $11, deposit_value = $12
			WHERE id = $1 AND stage = $10`,
			x.ID, x.Stage, x.TotalExTax, x.Tax, x.TotalIncTax, x.TaxRate, x.ValidUntil, nullTime(x.SentAt), tx.now, from,
			x.DepositKind, x.DepositValue)
		if err != nil {
			return sqlErr(err, "quote")
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			return fieldportal.Errorf(fieldportal.ECONFLICT, "Quote %s was changed a moment ago; open it again to see how it stands.", x.Number)
		}
		if err := tx.putQuoteChildren(ctx, x); err != nil {
			return err
		}
		if err := tx.tallyStored(ctx, "quotes", x.ID); err != nil {
			return err
		}
		if !p.Send {
			return tx.audit(ctx, v, "quote.priced", "quote", x.ID, x.Number)
		}
		if mailed, err = tx.mailQuoteSent(ctx, x, p.PortalURL); err != nil {
			return err
		}
		return tx.audit(ctx, v, "quote.sent", "quote", x.ID, x.Number)
	})
	if err != nil {
		return nil, 0, err
	}
	return x, mailed, nil
}

// mailQuoteSent queues the "quote sent" mail to the quote's customer's
// quote contacts, or, when none can follow its link, to the contact who
// requested the quote, when it can: only contacts with an active login
// with the Quotes page that reaches the quote's site (portalRecipients).
func (tx *Tx) mailQuoteSent(ctx context.Context, x *fieldportal.Quote, portalURL string) (int, error) {
	var orgName, currency string
	if err := tx.QueryRowContext(ctx, `SELECT name, currency FROM organisations WHERE id = $1`, x.OrgID).Scan(&orgName, &currency); err != nil {
		return 0, err
	}
	// Those who can follow the link to the quote (portalRecipients).
	if ok, err := tx.orgUses(ctx, x.OrgID, fieldportal.ModuleQuotes); err != nil || !ok {
		return 0, err
	}
	// Who gets it is chosen before the mail choices apply: quote
	// contacts that turned it off do not pass it on to the requester.
	list, err := tx.portalRecipients(ctx, x.OrgID, x.SiteID, x.CustomerID, fieldportal.ModuleQuotes,
		"c.quote_contact = TRUE AND c.customer_id = $3", x.CustomerID)
	mayAnswer := true
	if err == nil && len(list) == 0 {
		list, err = tx.portalRecipients(ctx, x.OrgID, x.SiteID, x.CustomerID, fieldportal.ModuleQuotes, "c.id = $3", x.RequestedBy)
		if err == nil && len(list) > 0 {
			// The requester may answer only with the quote role (DecideQuote).
			err = tx.QueryRowContext(ctx, `SELECT quote_contact FROM contacts WHERE id = $1`, x.RequestedBy).Scan(&mayAnswer)
		}
	}
	if err == nil {
		list, err = tx.wanting(ctx, fieldportal.MailQuoteSent, list)
	}
	if err != nil {
		return 0, err
	}
	link := strings.TrimSuffix(portalURL, "/") + "/quotes/" + x.ID
	amount := currency + " " + x.TotalIncTax.String()
	for _, c := range list {
		m := mail.QuoteSent(orgName, c.fullName, x.Number, x.SiteName, amount, x.ValidUntil.Format("2 January 2006"), link, mayAnswer)
		m.To = c.email
		if err := tx.enqueue(ctx, mail.Outbox(x.OrgID, "quote_sent", m)); err != nil {
			return 0, err
		}
	}
	return len(list), nil
}
