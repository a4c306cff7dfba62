package api

import (
	"reflect"

	"github.com/fieldportal/fieldportal"
)

// EventData is what a webhook event carries as its data: the record as
// this API shows it (SPEC §6), so a receiver reads one representation
// whether it fetched the record or was sent it. The store calls it when it
// queues an event (sqlstore.DB.EventData), in the change's transaction;
// currency is the organisation's. A record the API does not show (a
// refund's summary) goes as it is. A record is taken by pointer or by
// value alike (a portal checkout's payment is queued by value).
func EventData(data any, currency string) any {
	rec := data
	if v := reflect.ValueOf(data); v.Kind() == reflect.Struct {
		p := reflect.New(v.Type())
		p.Elem().Set(v)
		rec = p.Interface()
	}
	switch d := rec.(type) {
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
	case *fieldportal.Message:
		return ShowMessage(d)
	case *fieldportal.VisitFeedback:
		return ShowFeedback(d)
	}
	return data
}
