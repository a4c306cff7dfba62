package api

import (
	"context"
	"net/http"
	"reflect"
	"time"

	"github.com/fieldportal/fieldportal"
)

// Item is a catalogue item a customer may add to a request, as the API
// shows it; its price is in minor units of the currency.
//
// An item is archived, not deleted: active false takes it out of what
// customers and the office pick from, while the jobs and quotes that
// carry it keep their lines, and a syncing client sees the change.
type Item struct {
	ID         string    `json:"id"`
	ExternalID *string   `json:"external_id" doc:"The back office's own id; null when none."`
	Code       string    `json:"code"`
	Name       string    `json:"name"`
	UnitPrice  int64     `json:"unit_price" doc:"In minor units of the currency (pence, cents)."`
	Currency   string    `json:"currency" doc:"The ISO 4217 currency of the unit price."`
	Active     bool      `json:"active" doc:"false: archived, no longer offered to pick; records that carry it keep it."`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// ItemInput is the body of an item's create, update (only the fields
// sent) or upsert.
type ItemInput struct {
	ExternalID string `json:"external_id"`
	Code       string `json:"code"`
	Name       string `json:"name"`
	UnitPrice  int64  `json:"unit_price" doc:"In minor units of the currency, 0 or more."`
	Currency   string `json:"currency" doc:"When sent, must be the organisation's currency."`
	Active     *bool  `json:"active" doc:"false archives the item. A new item is active unless told; an upsert that leaves it out keeps the stored flag."`
}

func init() {
	typeDocs[reflect.TypeFor[Item]()] = "A priced catalogue item that customers add to a booking and the office to quotes."
}

// ShowItem is the API's representation of an item; currency is the
// organisation's.
func ShowItem(i *fieldportal.Item, currency string) Item {
	return Item{ID: i.ID, ExternalID: optional(i.ExternalID), Code: i.Code, Name: i.Name, UnitPrice: int64(i.UnitPrice),
		Currency: currency, Active: i.Active, CreatedAt: i.CreatedAt.UTC(), UpdatedAt: i.UpdatedAt.UTC()}
}

func (a *API) itemRoutes() []route {
	res := &resource[fieldportal.Item, Item, ItemInput]{api: a,
		Path: "/items", Tag: "items", Singular: "Item", Plural: "Items",
		ListSummary: "List items by code",
		Filters: []param{filter("external_id", "Only the item of this back-office id."),
			filter("code", "Only the items of this code."),
			{Name: "active", Desc: "true: only the items offered; false: only the archived ones.",
				Schema: map[string]any{"type": "string", "enum": []any{"true", "false"}}}},
		Show:      func(r *http.Request, i *fieldportal.Item) Item { return ShowItem(i, currency(r)) },
		UpdatedAt: func(i *fieldportal.Item) time.Time { return i.UpdatedAt },
		ID:        func(i *fieldportal.Item) string { return i.ID },
		List: func(r *http.Request, lq listQuery) ([]*fieldportal.Item, string, error) {
			f := fieldportal.CatalogueFilter{Page: lq.Page, UpdatedSince: lq.Since(), ExternalID: lq.Filters["external_id"],
				Code: lq.Filters["code"]}
			if s, ok := lq.Filters["active"]; ok {
				if s != "true" && s != "false" {
					return nil, "", badRequest(fieldportal.FieldError{Field: "active", Message: "active must be true or false."})
				}
				active := s == "true"
				f.Active = &active
			}
			return a.svc.Work.FindItems(r.Context(), viewer(r), f)
		},
		Find:           a.svc.Work.FindItemByID,
		ByExternalID:   a.itemByExternalID,
		Fill:           fillItem,
		ExternalID:     func(in *ItemInput) *string { return &in.ExternalID },
		Keep:           func(i, old *fieldportal.Item, s sent) { keepActive(&i.Active, old.Active, s) },
		SetIfUpdatedAt: func(i *fieldportal.Item, at time.Time) { i.IfUpdatedAt = at },
		Create:         a.svc.Work.CreateItem,
		Update:         a.svc.Work.UpdateItem,
		Upsert:         a.svc.Work.UpsertItemByExternalID,
	}
	return res.routes()
}

// fillItem copies the sent fields of in onto i (all of them for a nil s:
// a new item is active unless the body says otherwise), checking the
// currency.
func fillItem(r *http.Request, i *fieldportal.Item, in ItemInput, s sent) error {
	if s.has("currency") && in.Currency != "" && in.Currency != currency(r) {
		return fieldportal.FieldErrorf("currency", "currency must be %s, the organisation's currency.", currency(r))
	}
	for name, p := range map[string][2]*string{
		"external_id": {&i.ExternalID, &in.ExternalID}, "code": {&i.Code, &in.Code}, "name": {&i.Name, &in.Name},
	} {
		if s.has(name) {
			*p[0] = *p[1]
		}
	}
	if s.has("unit_price") {
		i.UnitPrice = fieldportal.Money(in.UnitPrice)
	}
	switch {
	case in.Active != nil:
		i.Active = *in.Active
	case s == nil:
		i.Active = true
	case s["active"]:
		return fieldportal.FieldErrorf("active", "active must be true or false.")
	}
	return nil
}

// keepActive carries the stored flag onto an upsert that leaves it out,
// so a back office that does not know of archiving never revives an item
// archived in the console.
func keepActive(active *bool, old bool, s sent) {
	if !s["active"] {
		*active = old
	}
}

// itemByExternalID returns the item of a back-office id, nil when there
// is none.
func (a *API) itemByExternalID(ctx context.Context, v fieldportal.Viewer, ext string) (*fieldportal.Item, error) {
	return firstByExternalID(func() ([]*fieldportal.Item, string, error) {
		return a.svc.Work.FindItems(ctx, v, fieldportal.CatalogueFilter{ExternalID: ext, Page: fieldportal.Page{Limit: 1}})
	})
}
