package api

import "github.com/fieldportal/fieldportal"

// EventData is what a webhook event carries as its data: the record as
// this API shows it (SPEC §6), so a receiver reads one representation
// whether it fetched the record or was sent it. The store calls it when it
// queues an event (sqlstore.DB.EventData), in the change's transaction;
// currency is the organisation's. A record the API does not show (a
// refund's summary) goes as it is.
func EventData(data any, currency string) any {
	switch d := data.(type) {
	case *fieldportal.Customer:
		return ShowCustomer(d)
	case *fieldportal.Site:
		return ShowSite(d)
	case *fieldportal.Contact:
		return ShowContact(d)
	case *fieldportal.Issue:
		return ShowIssue(d)
	case *fieldportal.Job:
		return ShowJob(d, currency)
	case *fieldportal.Quote:
		return ShowQuote(d, currency)
	case *fieldportal.Invoice:
		return ShowInvoice(d, currency)
	case *fieldportal.Payment:
		return ShowPayment(d)
	case *fieldportal.RecurringInvoice:
		return ShowRecurringInvoice(d, currency)
	case *fieldportal.Document:
		return ShowDocument(d)
	case *fieldportal.Appointment:
		return ShowAppointment(d)
	case *fieldportal.Task:
		return ShowTask(d)
	case *fieldportal.Asset:
		return ShowAsset(d)
	case *fieldportal.AssetTest:
		return ShowAssetTest(d)
	case *fieldportal.Certificate:
		return ShowCertificate(d)
	case *fieldportal.Tombstone:
		return ShowTombstone(d)
	}
	return data
}
