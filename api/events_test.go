package api

import (
	"reflect"
	"testing"

	"github.com/fieldportal/fieldportal"
)

// TestEventData checks that an event carries each record the API shows as
// the API shows it, and anything else as it is.
func TestEventData(t *testing.T) {
	for _, c := range []struct {
		data any
		want any
	}{
		{&fieldportal.Customer{ID: "c"}, Customer{}},
		{&fieldportal.Site{ID: "s"}, Site{}},
		{&fieldportal.Contact{ID: "c"}, Contact{}},
		{&fieldportal.Issue{ID: "i"}, Issue{}},
		{&fieldportal.Job{ID: "j"}, Job{}},
		{&fieldportal.Quote{ID: "q"}, Quote{}},
		{&fieldportal.Invoice{ID: "i"}, Invoice{}},
		{&fieldportal.Payment{ID: "p"}, Payment{}},
		{&fieldportal.RecurringInvoice{ID: "r"}, RecurringInvoice{}},
		{&fieldportal.Document{ID: "d"}, Document{}},
		{&fieldportal.Appointment{ID: "a"}, Appointment{}},
		{&fieldportal.Task{ID: "t"}, Task{}},
		{&fieldportal.Asset{ID: "a"}, Asset{}},
		{&fieldportal.AssetTest{ID: "t"}, AssetTest{}},
		{&fieldportal.Certificate{ID: "c"}, Certificate{}},
		{map[string]any{"payment_id": "p"}, map[string]any{}},
		// By value, as a portal checkout queues its payment (checkouts.go).
		{fieldportal.Payment{ID: "p"}, Payment{}},
		{fieldportal.Invoice{ID: "i"}, Invoice{}},
		{struct{ N int }{1}, struct{ N int }{}},
	} {
		t.Run(reflect.TypeOf(c.data).String(), func(t *testing.T) {
			got := EventData(c.data, "GBP")
			if reflect.TypeOf(got) != reflect.TypeOf(c.want) {
				t.Errorf("EventData(%T) is a %T, want a %T", c.data, got, c.want)
			}
		})
	}
	t.Run("money carries the organisation's currency", func(t *testing.T) {
		if got := EventData(&fieldportal.Invoice{ID: "i"}, "EUR").(Invoice); got.Currency != "EUR" {
			t.Errorf("currency %q, want EUR", got.Currency)
		}
	})
}
