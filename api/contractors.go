package api

import (
	"context"
	"net/http"
	"reflect"
	"time"

	"github.com/fieldportal/fieldportal"
)

// Contractor is a trading division or subcontractor of the operator, as
// the API shows it.
//
// A contractor has no archive flag, and sites, jobs, quotes, invoices
// and certificates refer to it, so the API has no DELETE for it: deleting
// one would have to detach or refuse those records, and a syncing client
// would need a tombstone. Leave it, renamed if need be.
type Contractor struct {
	ID         string    `json:"id"`
	ExternalID *string   `json:"external_id" doc:"The back office's own id; null when none."`
	Name       string    `json:"name"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// ContractorInput is the body of a contractor's create, update (only the
// fields sent) or upsert.
type ContractorInput struct {
	ExternalID string `json:"external_id"`
	Name       string `json:"name"`
}

func init() {
	typeDocs[reflect.TypeFor[Contractor]()] = "A trading division or subcontractor that does the work; sites, jobs, " +
		"quotes, invoices and certificates name it, and contacts filter by it."
}

// ShowContractor is the API's representation of a contractor.
func ShowContractor(c *fieldportal.Contractor) Contractor {
	return Contractor{ID: c.ID, ExternalID: optional(c.ExternalID), Name: c.Name,
		CreatedAt: c.CreatedAt.UTC(), UpdatedAt: c.UpdatedAt.UTC()}
}

func (a *API) contractorRoutes() []route {
	res := &resource[fieldportal.Contractor, Contractor, ContractorInput]{api: a,
		Path: "/contractors", Tag: "contractors", Singular: "Contractor", Plural: "Contractors",
		ListSummary: "List contractors by name",
		Filters:     []param{filter("external_id", "Only the contractor of this back-office id.")},
		Show:        func(_ *http.Request, c *fieldportal.Contractor) Contractor { return ShowContractor(c) },
		UpdatedAt:   func(c *fieldportal.Contractor) time.Time { return c.UpdatedAt },
		ID:          func(c *fieldportal.Contractor) string { return c.ID },
		List: func(r *http.Request, lq listQuery) ([]*fieldportal.Contractor, string, error) {
			return a.svc.Work.FindContractors(r.Context(), viewer(r), fieldportal.ContractorFilter{Page: lq.Page,
				UpdatedSince: lq.Since(), ExternalID: lq.Filters["external_id"]})
		},
		Find:         a.svc.Work.FindContractorByID,
		ByExternalID: a.contractorByExternalID,
		Fill: func(_ *http.Request, c *fieldportal.Contractor, in ContractorInput, s sent) error {
			if s.has("external_id") {
				c.ExternalID = in.ExternalID
			}
			if s.has("name") {
				c.Name = in.Name
			}
			return nil
		},
		ExternalID:     func(in *ContractorInput) *string { return &in.ExternalID },
		SetIfUpdatedAt: func(c *fieldportal.Contractor, at time.Time) { c.IfUpdatedAt = at },
		Create:         a.svc.Work.CreateContractor,
		Update:         a.svc.Work.UpdateContractor,
		Upsert:         a.svc.Work.UpsertContractorByExternalID,
	}
	return res.routes()
}

// contractorByExternalID returns the contractor of a back-office id, nil
// when there is none.
func (a *API) contractorByExternalID(ctx context.Context, v fieldportal.Viewer, ext string) (*fieldportal.Contractor, error) {
	return firstByExternalID(func() ([]*fieldportal.Contractor, string, error) {
		return a.svc.Work.FindContractors(ctx, v, fieldportal.ContractorFilter{ExternalID: ext, Page: fieldportal.Page{Limit: 1}})
	})
}
