package api

import (
	"context"
	"net/http"
	"reflect"
	"time"

	"github.com/fieldportal/fieldportal"
)

// Site is a job site as the API shows it.
type Site struct {
	ID              string     `json:"id"`
	ExternalID      *string    `json:"external_id" doc:"The back office's own id; null when none."`
	CustomerID      string     `json:"customer_id"`
	Name            string     `json:"name"`
	Address         Address    `json:"address"`
	UPRN            string     `json:"uprn" doc:"The Unique Property Reference Number, up to 12 digits; empty when unknown."`
	CompanySite     bool       `json:"company_site"`
	ContractorID    *string    `json:"contractor_id" doc:"The contractor doing the site's work; null for the operator."`
	Notes           string     `json:"notes"`
	CreatedInPortal bool       `json:"created_in_portal" doc:"Whether a customer's contact added it in the portal."`
	Archived        bool       `json:"archived" doc:"true: the site itself is archived by the office. A site of an archived customer is out of use as well (see the customer's archived). Either way the portal takes no new work there; its records stay."`
	ArchivedAt      *time.Time `json:"archived_at" doc:"When the site itself was archived; null otherwise."`
	CreatedAt       time.Time  `json:"created_at"`
	UpdatedAt       time.Time  `json:"updated_at"`
}

// SiteInput is the body of a site's create, update (only the fields
// sent) or upsert. The customer is given by id or by external id.
type SiteInput struct {
	ExternalID         string  `json:"external_id"`
	CustomerID         string  `json:"customer_id"`
	CustomerExternalID string  `json:"customer_external_id" doc:"The customer by the back office's id, instead of customer_id."`
	Name               string  `json:"name"`
	Address            Address `json:"address"`
	UPRN               string  `json:"uprn"`
	CompanySite        bool    `json:"company_site"`
	ContractorID       string  `json:"contractor_id"`
	Notes              string  `json:"notes"`
	Archived           *bool   `json:"archived" doc:"true archives the site, false restores it. A new site is in use unless told; an upsert or a change that leaves it out keeps the stored flag."`
}

func init() {
	typeDocs[reflect.TypeFor[Site]()] = "A job site or property where work happens; it belongs to one customer."
}

// ShowSite is the API's representation of a site.
func ShowSite(s *fieldportal.Site) Site {
	return Site{ID: s.ID, ExternalID: optional(s.ExternalID), CustomerID: s.CustomerID, Name: s.Name,
		Address: showAddress(s.Address), UPRN: s.UPRN, CompanySite: s.CompanySite, ContractorID: optional(s.ContractorID),
		Notes: s.Notes, CreatedInPortal: s.CreatedInPortal, Archived: !s.ArchivedAt.IsZero(), ArchivedAt: optionalTime(s.ArchivedAt),
		CreatedAt: s.CreatedAt.UTC(), UpdatedAt: s.UpdatedAt.UTC()}
}

func (a *API) siteRoutes() []route {
	res := &resource[fieldportal.Site, Site, SiteInput]{api: a,
		Path: "/sites", Tag: "sites", Singular: "Site", Plural: "Sites",
		Filters: []param{filter("customer_id", "Only the sites of this customer."),
			filter("postcode", "Only the sites of this postcode, compared without case or spaces."),
			filter("external_id", "Only the site of this back-office id."),
			archivedParam("true: only the sites archived themselves (as their archived shows); false: only the others, which include the sites of an archived customer (see the customer's archived). Unset: all of them.")},
		Show:      func(_ *http.Request, s *fieldportal.Site) Site { return ShowSite(s) },
		UpdatedAt: func(s *fieldportal.Site) time.Time { return s.UpdatedAt },
		ID:        func(s *fieldportal.Site) string { return s.ID },
		List: func(r *http.Request, lq listQuery) ([]*fieldportal.Site, string, error) {
			archived, err := archivedFilter(lq)
			if err != nil {
				return nil, "", err
			}
			return a.svc.Sites.FindSites(r.Context(), viewer(r), fieldportal.SiteFilter{Page: lq.Page,
				UpdatedSince: lq.Since(), CustomerID: lq.Filters["customer_id"], Postcode: lq.Filters["postcode"],
				ExternalID: lq.Filters["external_id"], Archived: archived, ArchivedItself: true})
		},
		Find:           a.svc.Sites.FindSiteByID,
		ByExternalID:   a.siteByExternalID,
		Fill:           a.fillSite,
		ExternalID:     func(in *SiteInput) *string { return &in.ExternalID },
		SetIfUpdatedAt: func(s *fieldportal.Site, at time.Time) { s.IfUpdatedAt = at },
		Create:         a.svc.Sites.CreateSite,
		Update:         a.svc.Sites.UpdateSite,
		Upsert:         a.svc.Sites.UpsertSiteByExternalID,
	}
	return res.routes()
}

// siteByExternalID returns the site of a back-office id, nil when there
// is none.
func (a *API) siteByExternalID(ctx context.Context, v fieldportal.Viewer, ext string) (*fieldportal.Site, error) {
	return firstByExternalID(func() ([]*fieldportal.Site, string, error) {
		return a.svc.Sites.FindSites(ctx, v, fieldportal.SiteFilter{ExternalID: ext, Page: fieldportal.Page{Limit: 1}})
	})
}

// fillSite copies the sent fields of in onto s (all of them for a nil
// sn), resolving a customer given by external id.
func (a *API) fillSite(r *http.Request, s *fieldportal.Site, in SiteInput, sn sent) error {
	for name, p := range map[string][2]*string{
		"external_id": {&s.ExternalID, &in.ExternalID}, "customer_id": {&s.CustomerID, &in.CustomerID},
		"name": {&s.Name, &in.Name}, "uprn": {&s.UPRN, &in.UPRN}, "contractor_id": {&s.ContractorID, &in.ContractorID},
		"notes": {&s.Notes, &in.Notes},
	} {
		if sn.has(name) {
			*p[0] = *p[1]
		}
	}
	if sn.has("company_site") {
		s.CompanySite = in.CompanySite
	}
	fillAddress(&s.Address, in.Address, sn, "address")
	if err := fillArchived(&s.Archive, in.Archived, sn); err != nil {
		return err
	}
	return a.customerRef(r.Context(), viewer(r), &s.CustomerID, in.CustomerID, in.CustomerExternalID)
}

// customerRef resolves a record's customer given by external id
// (customer_external_id) into *id; given both ways, they must not both be set.
func (a *API) customerRef(ctx context.Context, v fieldportal.Viewer, id *string, byID, ext string) error {
	return resolveRef("customer", id, byID, ext, func() (string, error) {
		x, err := a.customerByExternalID(ctx, v, ext)
		if x == nil {
			return "", err
		}
		return x.ID, err
	})
}
