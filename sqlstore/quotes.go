package sqlstore

import (
	"context"
	"fmt"

	"github.com/fieldportal/fieldportal"
)

const quoteColumns = `q.id, q.org_id, q.external_id, q.number, q.customer_id, q.site_id, q.contractor_id, q.stage,
	q.order_no, q.preferred_date, q.description, q.total_ex_tax, q.tax, q.total_inc_tax, q.valid_until, q.requested_by,
	q.signed_by_name, q.actioned_at, q.decline_reason, q.created_in_portal, q.created_at, q.updated_at, s.name,
	q.signed_from, q.accept_comment, q.tax_rate, q.sent_at, q.deposit_kind, q.deposit_value`

const quoteFrom = ` FROM quotes q JOIN sites s ON s.id = q.site_id`

func scanQuote(row interface{ Scan(...any) error }) (*fieldportal.Quote, error) {
	var x fieldportal.Quote
	err := row.Scan(&x.ID, &x.OrgID, str(&x.ExternalID), &x.Number, &x.CustomerID, &x.SiteID, str(&x.ContractorID),
		&x.Stage, &x.OrderNo, &x.PreferredDate, &x.Description, money(&x.TotalExTax), money(&x.Tax), money(&x.TotalIncTax),
		&x.ValidUntil, str(&x.RequestedBy), &x.SignedByName, tm(&x.ActionedAt), &x.DeclineReason, &x.CreatedInPortal,
		tm(&x.CreatedAt), tm(&x.UpdatedAt), &x.SiteName, &x.SignedFrom, &x.AcceptComment, &x.TaxRate, tm(&x.SentAt),
		&x.DepositKind, &x.DepositValue)
	x.DepositAmount = x.Deposit()
	return &x, err
}

// CreateQuote adds a quote. Staff may set every field. A contact requests
// a quote (ActionRequestQuote) at a site it reaches: it starts requested,
// is flagged created-in-portal and requested by the contact, and the
// operator-only fields (number, contractor, totals, validity, signature)
// are ignored; catalogue items are described and priced from the catalogue.
func (d *DB) CreateQuote(ctx context.Context, v fieldportal.Viewer, x *fieldportal.Quote) error {
	if v.IsContact() {
		if !v.CanDo(fieldportal.ActionRequestQuote) {
			return fieldportal.Errorf(fieldportal.EFORBIDDEN, "You cannot request quotes.")
		}
		items := make([]fieldportal.QuoteItem, len(x.Items))
		for i, it := range x.Items {
			items[i] = fieldportal.QuoteItem{ItemID: it.ItemID, Quantity: it.Quantity, Optional: it.Optional}
		}
		*x = fieldportal.Quote{
			SiteID: x.SiteID, Stage: fieldportal.QuoteRequested, OrderNo: x.OrderNo, PreferredDate: x.PreferredDate,
			Description: x.Description, RequestedBy: v.ContactID, CreatedInPortal: true, AssetIDs: x.AssetIDs, Items: items,
		}
	} else if err := needStaff(v); err != nil {
		return err
	}
	return d.inTx(ctx, func(tx *Tx) error { return tx.createQuote(ctx, v, x) })
}

func (tx *Tx) createQuote(ctx context.Context, v fieldportal.Viewer, x *fieldportal.Quote) error {
	if err := tx.prepareQuote(ctx, v, x); err != nil {
		return err
	}
	if x.Number == "" {
		n, err := tx.nextNumber(ctx, v.OrgID, "quote", 1001)
		if err != nil {
			return err
		}
		x.Number = fmt.Sprintf("Q-%d", n)
	}
	x.ID, x.OrgID, x.CreatedAt, x.UpdatedAt = newID(), v.OrgID, tx.now, tx.now
	x.DepositAmount = x.Deposit()
	_, err := tx.ExecContext(ctx, `INSERT INTO quotes (id, org_id, external_id, number, customer_id, site_id, contractor_id,
		stage, order_no, preferred_date, description, total_ex_tax, tax, total_inc_tax, valid_until, requested_by,
		signed_by_name, actioned_at, decline_reason, created_in_portal, created_at, updated_at, deposit_kind, deposit_value)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $21, $22, $23)`,
		x.ID, x.OrgID, nullStr(x.ExternalID), x.Number, x.CustomerID, x.SiteID, nullStr(x.ContractorID), x.Stage,
		x.OrderNo, x.PreferredDate, x.Description, x.TotalExTax, x.Tax, x.TotalIncTax, x.ValidUntil,
		nullStr(x.RequestedBy), x.SignedByName, nullTime(x.ActionedAt), x.DeclineReason, x.CreatedInPortal, tx.now,
		x.DepositKind, x.DepositValue)
	if err != nil {
		return sqlErr(err, "quote")
	}
	if err := tx.putQuoteChildren(ctx, x); err != nil {
		return err
	}
	if err := tx.tallyRecord(ctx, x.SiteID, x.CustomerID); err != nil {
		return err
	}
	return tx.audit(ctx, v, "quote.created", "quote", x.ID, x.Number)
}

// prepareQuote validates a quote and checks and fills what it refers to.
func (tx *Tx) prepareQuote(ctx context.Context, v fieldportal.Viewer, x *fieldportal.Quote) error {
	if v.IsContact() {
		if err := tx.priceFromCatalogue(ctx, v, len(x.Items), func(i int) (*string, *string, *string, *fieldportal.Money) {
			it := &x.Items[i]
			return &it.ItemID, &it.Code, &it.Description, &it.UnitPrice
		}); err != nil {
			return err
		}
	}
	if err := x.Validate(); err != nil {
		return err
	}
	if err := tx.checkCatalogueItems(ctx, v, len(x.Items), func(i int) string { return x.Items[i].ItemID }); err != nil {
		return err
	}
	if _, err := tx.siteOfRecord(ctx, v, x.SiteID, &x.CustomerID); err != nil {
		return err
	}
	if err := tx.checkContractor(ctx, v.OrgID, x.ContractorID); err != nil {
		return err
	}
	ids, err := tx.checkRecordAssets(ctx, v, x.SiteID, x.AssetIDs)
	if err != nil {
		return err
	}
	x.AssetIDs = ids
	if x.Items == nil {
		x.Items = []fieldportal.QuoteItem{}
	}
	for i := range x.Items {
		it := &x.Items[i]
		if it.Total == 0 {
			it.Total = fieldportal.Money(it.Quantity) * it.UnitPrice
		}
	}
	return nil
}

func (tx *Tx) putQuoteChildren(ctx context.Context, x *fieldportal.Quote) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM quote_items WHERE quote_id = $1`, x.ID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM quote_assets WHERE quote_id = $1`, x.ID); err != nil {
		return err
	}
	for i := range x.Items {
		it := &x.Items[i]
		it.ID = newID()
		_, err := tx.ExecContext(ctx, `INSERT INTO quote_items (id, org_id, quote_id, item_id, code, description, quantity,
			unit_price, total, optional, position) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
			it.ID, x.OrgID, x.ID, nullStr(it.ItemID), it.Code, it.Description, it.Quantity, it.UnitPrice, it.Total, it.Optional, i)
		if err != nil {
			return sqlErr(err, "quote item")
		}
	}
	for _, a := range x.AssetIDs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO quote_assets (quote_id, asset_id, org_id) VALUES ($1, $2, $3)`, x.ID, a, x.OrgID); err != nil {
			return sqlErr(err, "quote asset")
		}
	}
	return nil
}

// UpdateQuote saves a quote (operator side only). Who requested it and
// whether it came from the portal stay as they were.
func (d *DB) UpdateQuote(ctx context.Context, v fieldportal.Viewer, x *fieldportal.Quote) error {
	if err := needStaff(v); err != nil {
		return err
	}
	return d.inTx(ctx, func(tx *Tx) error { return tx.updateQuote(ctx, v, x) })
}

func (tx *Tx) updateQuote(ctx context.Context, v fieldportal.Viewer, x *fieldportal.Quote) error {
	// Counted for its customer before the change; tallyRecord after. The
	// record is locked before it is read, so old is what a concurrent
	// change left.
	if err := tx.tallyStored(ctx, "quotes", x.ID); err != nil {
		return err
	}
	old, err := tx.findQuote(ctx, v, x.ID)
	if err != nil {
		return err
	}
	if x.CustomerID == old.CustomerID && x.SiteID != old.SiteID {
		x.CustomerID = "" // moved to another site: take that site's customer
	}
	if err := tx.prepareQuote(ctx, v, x); err != nil {
		return err
	}
	if x.Number == "" {
		x.Number = old.Number
	}
	x.OrgID, x.CreatedAt, x.UpdatedAt = old.OrgID, old.CreatedAt, tx.now
	x.RequestedBy, x.CreatedInPortal = old.RequestedBy, old.CreatedInPortal
	x.DepositAmount = x.Deposit()
	args := []any{x.ID, nullStr(x.ExternalID), x.Number, x.CustomerID, x.SiteID, nullStr(x.ContractorID), x.Stage, x.OrderNo,
		x.PreferredDate, x.Description, x.TotalExTax, x.Tax, x.TotalIncTax, x.ValidUntil, x.SignedByName,
		nullTime(x.ActionedAt), x.DeclineReason, tx.now, x.DepositKind, x.DepositValue}
	res, err := tx.ExecContext(ctx, `UPDATE quotes SET external_id = $2, number = $3, customer_id = $4, site_id = $5,
		contractor_id = $6, stage = $7, order_no = $8, preferred_date = $9, description = $10, total_ex_tax = $11,
		tax = $12, total_inc_tax = $13, valid_until = $14, signed_by_name = $15, actioned_at = $16,
		decline_reason = $17, updated_at = $18, deposit_kind = $19, deposit_value = $20 WHERE id = $1`+ifUnchanged(&args, x.IfUpdatedAt), args...)
	if err == nil {
		err = checkUnchanged(res, x.IfUpdatedAt)
	}
	if err != nil {
		return sqlErr(err, "quote")
	}
	// Its thread is scoped by a copy of where the record is (messages.go).
	if err := tx.refreshThread(ctx, x.OrgID, fieldportal.ThreadOnQuote, x.ID); err != nil {
		return err
	}
	if err := tx.putQuoteChildren(ctx, x); err != nil {
		return err
	}
	if err := tx.tallyRecord(ctx, x.SiteID, x.CustomerID); err != nil {
		return err
	}
	return tx.audit(ctx, v, "quote.updated", "quote", x.ID, x.Number)
}

// UpsertQuoteByExternalID creates or updates the quote with x.ExternalID
// (the back office's PUT /by-external-id). Staff and API only.
func (d *DB) UpsertQuoteByExternalID(ctx context.Context, v fieldportal.Viewer, x *fieldportal.Quote) (created bool, err error) {
	return d.upsertByExternal(ctx, v, "quotes", x.ExternalID, x.Validate, func(id string) { x.ID = id },
		func(tx *Tx) error { return tx.createQuote(ctx, v, x) },
		func(tx *Tx) error { return tx.updateQuote(ctx, v, x) })
}

// AcceptQuote records a contact's acceptance of an outstanding quote,
// signed with signerName. Staff may record it for the customer.
func (d *DB) AcceptQuote(ctx context.Context, v fieldportal.Viewer, id, signerName string) error {
	_, err := d.DecideQuote(ctx, v, id, fieldportal.QuoteDecision{Accept: true, SignerName: signerName})
	return err
}

// DeclineQuote records a contact's refusal of an outstanding quote, with
// the signer's name and an optional reason.
func (d *DB) DeclineQuote(ctx context.Context, v fieldportal.Viewer, id, signerName, reason string) error {
	_, err := d.DecideQuote(ctx, v, id, fieldportal.QuoteDecision{SignerName: signerName, Comment: reason})
	return err
}

// FindQuoteByID returns a quote the viewer can reach, with its items and
// assets.
func (d *DB) FindQuoteByID(ctx context.Context, v fieldportal.Viewer, id string) (*fieldportal.Quote, error) {
	if err := needModule(v, fieldportal.ModuleQuotes, "quote"); err != nil {
		return nil, err
	}
	tx, err := d.readTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return tx.findQuote(ctx, v, id)
}

func (tx *Tx) findQuote(ctx context.Context, v fieldportal.Viewer, id string) (*fieldportal.Quote, error) {
	q := query{probe: true} // one record: the reach probed (reachProbe)
	q.scopeSite(v, "q", "q.site_id")
	q.and("q.id = " + q.arg(id))
	x, err := scanQuote(tx.QueryRowContext(ctx, q.sql(`SELECT `+quoteColumns+quoteFrom, ""), q.args...))
	if err != nil {
		return nil, sqlErr(err, "quote")
	}
	if err := tx.pendingAcceptance(ctx, x); err != nil {
		return nil, err
	}
	return x, loadQuoteChildren(ctx, tx, []*fieldportal.Quote{x})
}

// FindQuotes lists the quotes the viewer can reach, newest first (by id,
// which is creation order), or by (updated_at, id) when UpdatedSince is
// set, for API sync.
func (d *DB) FindQuotes(ctx context.Context, v fieldportal.Viewer, f fieldportal.QuoteFilter) ([]*fieldportal.Quote, string, error) {
	if err := needModule(v, fieldportal.ModuleQuotes, "quote"); err != nil {
		return nil, "", err
	}
	text, args, err := quoteListQuery(d.dialect, v, f)
	if err != nil {
		return nil, "", err
	}
	rows, err := d.planned(searching(f.Search+f.Number)).QueryContext(ctx, text+limit(f.Page), args...)
	if err != nil {
		return nil, "", err
	}
	list, err := collect(rows, scanQuote)
	if err != nil {
		return nil, "", err
	}
	list, next := trim(list, f.Page, quoteKey(f))
	if err := loadQuoteChildren(ctx, d.db, list); err != nil {
		return nil, "", err
	}
	return list, next, nil
}

// CountQuotes counts the quotes the viewer can reach at the given stages
// (none for all), for the dashboard.
func (d *DB) CountQuotes(ctx context.Context, v fieldportal.Viewer, stages []fieldportal.QuoteStage) (int, error) {
	if err := needModule(v, fieldportal.ModuleQuotes, "quote"); err != nil {
		return 0, err
	}
	few, err := d.reachesFewSites(ctx, v)
	if err != nil {
		return 0, err
	}
	var q query
	sub, err := quoteCount(&q, v, few, stages)
	return countOne(ctx, d.db, &q, sub, err)
}

// quoteCount is CountQuotes as a sub-query of q; few is reachesFewSites'
// answer.
func quoteCount(q *query, v fieldportal.Viewer, few bool, stages []fieldportal.QuoteStage) (string, error) {
	return q.sub("SELECT count(*) FROM quotes q", func() error {
		q.scopeSite(v, "q", "q.site_id")
		if few {
			q.onlyReachableSites("q.site_id")
		}
		inList(q, "q.stage", stages)
		return nil
	})
}

// loadQuoteChildren fills Items and AssetIDs of already scoped quotes.
func loadQuoteChildren(ctx context.Context, db workQuerier, quotes []*fieldportal.Quote) error {
	if len(quotes) == 0 {
		return nil
	}
	byID := map[string]*fieldportal.Quote{}
	ids := make([]string, len(quotes))
	for i, x := range quotes {
		byID[x.ID], ids[i] = x, x.ID
		x.Items, x.AssetIDs = []fieldportal.QuoteItem{}, []string{}
	}
	var q query
	rows, err := db.QueryContext(ctx, `SELECT quote_id, id, item_id, code, description, quantity, unit_price, total, optional
		FROM quote_items WHERE quote_id IN (`+idList(&q, ids)+`) ORDER BY quote_id, position`, q.args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var quoteID string
		var it fieldportal.QuoteItem
		if err := rows.Scan(&quoteID, &it.ID, str(&it.ItemID), &it.Code, &it.Description, &it.Quantity,
			money(&it.UnitPrice), money(&it.Total), &it.Optional); err != nil {
			return err
		}
		byID[quoteID].Items = append(byID[quoteID].Items, it)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if err := loadAssetIDs(ctx, db, `SELECT quote_id, asset_id FROM quote_assets WHERE quote_id IN (`, ids,
		func(id, asset string) { byID[id].AssetIDs = append(byID[id].AssetIDs, asset) }); err != nil {
		return err
	}
	return loadRequestedWindows(ctx, db, "quote_id", ids, func(id string, w fieldportal.TimeWindow) { byID[id].RequestedWindow = w })
}
