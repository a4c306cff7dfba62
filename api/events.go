package api

import "github.com/fieldportal/fieldportal"

// EventData is what a webhook event carries as its data: the record as
// this API shows it (SPEC §6), so a receiver reads one representation
// whether it fetched the record or was sent it. The store calls it when it
// queues an event (sqlstore.DB.EventData), in the change's transaction;
// currency is the organisation's. A record the API does not show yet goes
// as it is.
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
	}
	return data
}
