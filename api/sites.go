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
	ID              string    `json:"id"`
	ExternalID      *string   `json:"external_id" doc:"The back office's own id; null when none."`
	CustomerID      string    `json:"customer_id"`
	Name            string    `json:"name"`
	Address         Address   `json:"address"`
	UPRN            string    `json:"uprn" doc:"The Unique Property Reference Number, up to 12 digits; empty when unknown."`
	CompanySite     bool      `json:"company_site"`
	ContractorID    *string   `json:"contractor_id" doc:"The contractor doing the site's work; null for the operator."`
	Notes           string    `json:"notes"`
	CreatedInPortal bool      `json:"created_in_portal" doc:"Whether a customer's contact added it in the portal."`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`
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
}

func init() {
	typeDocs[reflect.TypeFor[Site]()] = "A job site or property where work happens; it belongs to one customer."
}

// ShowSite is the API's representation of a site.
func ShowSite(s *fieldportal.Site) Site {
	return Site{ID: s.ID, ExternalID: optional(s.ExternalID), CustomerID: s.CustomerID, Name: s.Name,
		Address: showAddress(s.Address), UPRN: s.UPRN, CompanySite: s.CompanySite, ContractorID: optional(s.ContractorID),
		Notes: s.Notes, CreatedInPortal: s.CreatedInPortal, CreatedAt: s.CreatedAt.UTC(), UpdatedAt: s.UpdatedAt.UTC()}
}

func (a *API) siteRoutes() []route {
	filters := []param{filter("customer_id", "Only the sites of this customer."),
		filter("postcode", "Only the sites of this postcode, compared without case or spaces."),
		filter("external_id", "Only the site of this back-office id.")}
	return []route{
		{Method: "GET", Path: "/sites", ID: "listSites", Summary: "List sites", Tag: "sites",
			Query: listParams(filters...), Resp: List[Site]{}, Handler: a.listSites(filterNames(filters))},
		{Method: "POST", Path: "/sites", ID: "createSite", Summary: "Create a site", Tag: "sites",
			Body: SiteInput{}, Resp: Site{}, Status: http.StatusCreated, ETag: true, Handler: a.createSite},
		{Method: "GET", Path: "/sites/{id}", ID: "getSite", Summary: "Get a site", Tag: "sites",
			Resp: Site{}, ETag: true, Handler: a.getSite},
		{Method: "PATCH", Path: "/sites/{id}", ID: "updateSite", Summary: "Change the fields sent of a site",
			Tag: "sites", Body: SiteInput{}, Resp: Site{}, ETag: true, Handler: a.updateSite},
		{Method: "PUT", Path: "/sites/by-external-id/{external_id}", ID: "upsertSite",
			Summary: "Create or replace a site by the back office's id", Tag: "sites",
			Body: SiteInput{}, Resp: Site{}, Upsert: true, ETag: true, Handler: a.upsertSite},
	}
}

func (a *API) listSites(filters []string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		lq, err := parseList(r, filters...)
		if err != nil {
			a.problem(w, r, err)
			return
		}
		// The horizon is read before the page: what commits between them
		// started after it, and waits for the next sync.
		horizon, err := a.horizon(r, lq)
		if err != nil {
			a.problem(w, r, err)
			return
		}
		rows, next, err := a.svc.Sites.FindSites(r.Context(), viewer(r), fieldportal.SiteFilter{Page: lq.Page,
			UpdatedSince: lq.Since(), CustomerID: lq.Filters["customer_id"], Postcode: lq.Filters["postcode"],
			ExternalID: lq.Filters["external_id"]})
		if err != nil {
			a.problem(w, r, listError(err))
			return
		}
		a.json(w, r, http.StatusOK, page(lq, rows, next, horizon,
			func(s *fieldportal.Site) time.Time { return s.UpdatedAt }, ShowSite))
	}
}

func (a *API) getSite(w http.ResponseWriter, r *http.Request) {
	s, err := a.svc.Sites.FindSiteByID(r.Context(), viewer(r), r.PathValue("id"))
	if err != nil {
		a.problem(w, r, err)
		return
	}
	a.record(w, r, http.StatusOK, ShowSite(s))
}

func (a *API) createSite(w http.ResponseWriter, r *http.Request) {
	var in SiteInput
	if _, err := decodeJSON(w, r, &in); err != nil {
		a.problem(w, r, err)
		return
	}
	s := &fieldportal.Site{}
	if err := a.fillSite(r.Context(), viewer(r), s, in, nil); err != nil {
		a.problem(w, r, err)
		return
	}
	if err := a.svc.Sites.CreateSite(r.Context(), viewer(r), s); err != nil {
		a.problem(w, r, err)
		return
	}
	w.Header().Set("Location", Prefix+"/sites/"+s.ID)
	a.answerSite(w, r, http.StatusCreated, s.ID)
}

func (a *API) updateSite(w http.ResponseWriter, r *http.Request) {
	var in SiteInput
	sn, err := decodeJSON(w, r, &in)
	if err != nil {
		a.problem(w, r, err)
		return
	}
	v := viewer(r)
	s, err := a.svc.Sites.FindSiteByID(r.Context(), v, r.PathValue("id"))
	if err != nil {
		a.problem(w, r, err)
		return
	}
	if err := checkIfMatch(r, ShowSite(s)); err != nil {
		a.problem(w, r, err)
		return
	}
	if err := a.fillSite(r.Context(), v, s, in, sn); err != nil {
		a.problem(w, r, err)
		return
	}
	s.IfUpdatedAt = ifMatch(r, s.UpdatedAt)
	if err := a.svc.Sites.UpdateSite(r.Context(), v, s); err != nil {
		a.problem(w, r, err)
		return
	}
	a.answerSite(w, r, http.StatusOK, s.ID)
}

func (a *API) upsertSite(w http.ResponseWriter, r *http.Request) {
	var in SiteInput
	sn, err := decodeJSON(w, r, &in)
	if err != nil {
		a.problem(w, r, err)
		return
	}
	v, ext := viewer(r), r.PathValue("external_id")
	if sn["external_id"] && in.ExternalID != ext {
		a.problem(w, r, fieldportal.FieldErrorf("external_id", "external_id differs from the one in the address; leave it out."))
		return
	}
	in.ExternalID = ext
	list, _, err := a.svc.Sites.FindSites(r.Context(), v, fieldportal.SiteFilter{ExternalID: ext, Page: fieldportal.Page{Limit: 1}})
	if err != nil {
		a.problem(w, r, err)
		return
	}
	var current any
	if len(list) > 0 {
		current = ShowSite(list[0])
	}
	if err := checkIfMatch(r, current); err != nil {
		a.problem(w, r, err)
		return
	}
	s := &fieldportal.Site{}
	if err := a.fillSite(r.Context(), v, s, in, nil); err != nil {
		a.problem(w, r, err)
		return
	}
	if len(list) > 0 {
		s.IfUpdatedAt = ifMatch(r, list[0].UpdatedAt)
	}
	created, err := a.svc.Sites.UpsertSiteByExternalID(r.Context(), v, s)
	if err != nil {
		a.problem(w, r, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
		w.Header().Set("Location", Prefix+"/sites/"+s.ID)
	}
	a.answerSite(w, r, status, s.ID)
}

// answerSite answers a write with the site as now stored.
func (a *API) answerSite(w http.ResponseWriter, r *http.Request, status int, id string) {
	s, err := a.svc.Sites.FindSiteByID(r.Context(), viewer(r), id)
	if err != nil {
		a.problem(w, r, err)
		return
	}
	a.record(w, r, status, ShowSite(s))
}

// fillSite copies the sent fields of in onto s (all of them for a nil
// sn), resolving a customer given by external id.
func (a *API) fillSite(ctx context.Context, v fieldportal.Viewer, s *fieldportal.Site, in SiteInput, sn sent) error {
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
	return a.customerRef(ctx, v, &s.CustomerID, in.CustomerID, in.CustomerExternalID)
}

// customerRef resolves a record's customer given by external id
// (customer_external_id) into *id; given both ways, they must not both be set.
func (a *API) customerRef(ctx context.Context, v fieldportal.Viewer, id *string, byID, ext string) error {
	if ext == "" {
		return nil
	}
	if byID != "" {
		return fieldportal.FieldErrorf("customer_external_id", "Give the customer by customer_id or by customer_external_id, not both.")
	}
	c, err := a.customerByExternalID(ctx, v, ext)
	if err != nil {
		return err
	} else if c == nil {
		return fieldportal.FieldErrorf("customer_external_id", "No customer has this external id.")
	}
	*id = c.ID
	return nil
}
