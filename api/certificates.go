package api

import (
	"errors"
	"net/http"
	"reflect"
	"slices"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// Certificate is a compliance certificate of a site as the API shows it.
type Certificate struct {
	ID           string            `json:"id"`
	ExternalID   *string           `json:"external_id" doc:"The back office's own id; null when none."`
	Number       string            `json:"number"`
	CertType     string            `json:"cert_type" doc:"The kind of certificate, in the organisation's words (gas safety, EICR, ...)."`
	CustomerID   string            `json:"customer_id" doc:"The customer of the certificate's site."`
	SiteID       string            `json:"site_id"`
	ContractorID *string           `json:"contractor_id" doc:"The contractor who issued it; null when none."`
	JobID        *string           `json:"job_id" doc:"The job it was issued on; null when none."`
	IssuedOn     fieldportal.Date  `json:"issued_on"`
	ExpiresOn    *fieldportal.Date `json:"expires_on" doc:"Null for a certificate that does not expire."`
	DocumentID   *string           `json:"document_id" doc:"The certificate's file, a document of the same site; null when none."`
	CreatedAt    time.Time         `json:"created_at"`
	UpdatedAt    time.Time         `json:"updated_at"`
}

// CertificateInput is the body of a certificate's create, update (only
// the fields sent) or upsert. The customer is the site's; the file is a
// document already uploaded to the same site.
type CertificateInput struct {
	ExternalID     string `json:"external_id"`
	Number         string `json:"number"`
	CertType       string `json:"cert_type"`
	SiteID         string `json:"site_id"`
	SiteExternalID string `json:"site_external_id" doc:"The site by the back office's id, instead of site_id."`
	ContractorID   string `json:"contractor_id"`
	JobID          string `json:"job_id"`
	JobExternalID  string `json:"job_external_id" doc:"The job by the back office's id, instead of job_id."`
	IssuedOn       string `json:"issued_on" doc:"YYYY-MM-DD."`
	ExpiresOn      string `json:"expires_on" doc:"YYYY-MM-DD; empty for none."`
	DocumentID     string `json:"document_id" doc:"A document of the certificate's site; empty for none."`
}

func init() {
	typeDocs[reflect.TypeFor[Certificate]()] = "A compliance certificate of a site, with its expiry and its file."
}

// ShowCertificate is the API's representation of a certificate.
func ShowCertificate(c *fieldportal.Certificate) Certificate {
	return Certificate{ID: c.ID, ExternalID: optional(c.ExternalID), Number: c.Number, CertType: c.Type,
		CustomerID: c.CustomerID, SiteID: c.SiteID, ContractorID: optional(c.ContractorID), JobID: optional(c.JobID),
		IssuedOn: c.IssuedOn, ExpiresOn: optionalDate(c.ExpiresOn), DocumentID: optional(c.DocumentID),
		CreatedAt: c.CreatedAt.UTC(), UpdatedAt: c.UpdatedAt.UTC()}
}

func (a *API) certificateRoutes() []route {
	filters := []param{filter("site_id", "Only the certificates of this site."),
		filter("contractor_id", "Only the certificates this contractor issued."),
		filter("cert_type", "Only certificates of this type."),
		filter("status", "Only certificates that are, today in the organisation's time zone, valid, expiring (within "+
			"the coming days the portal warns of) or expired."),
		filter("external_id", "Only the certificate of this back-office id.")}
	return []route{
		{Method: "GET", Path: "/certificates", ID: "listCertificates", Summary: "List certificates, latest issued first",
			Tag: "certificates", Query: listParams(filters...), Resp: List[Certificate]{},
			Handler: a.listCertificates(filterNames(filters))},
		{Method: "POST", Path: "/certificates", ID: "createCertificate", Summary: "Record a certificate", Tag: "certificates",
			Body: CertificateInput{}, Resp: Certificate{}, Status: http.StatusCreated, ETag: true, Handler: a.createCertificate},
		{Method: "GET", Path: "/certificates/{id}", ID: "getCertificate", Summary: "Get a certificate", Tag: "certificates",
			Resp: Certificate{}, ETag: true, Handler: a.getCertificate},
		{Method: "PATCH", Path: "/certificates/{id}", ID: "updateCertificate", Summary: "Change the fields sent of a certificate",
			Tag: "certificates", Body: CertificateInput{}, Resp: Certificate{}, ETag: true, Handler: a.updateCertificate},
		{Method: "PUT", Path: "/certificates/by-external-id/{external_id}", ID: "upsertCertificate",
			Summary: "Create or replace a certificate by the back office's id", Tag: "certificates",
			Body: CertificateInput{}, Resp: Certificate{}, Upsert: true, ETag: true, Handler: a.upsertCertificate},
	}
}

func (a *API) listCertificates(filters []string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		lq, err := parseList(r, filters...)
		if err != nil {
			a.problem(w, r, err)
			return
		}
		status, err := fieldportal.ParseCertificateStatus(lq.Filters["status"])
		if err != nil {
			a.problem(w, r, badRequest(fieldportal.FieldError{Field: "status", Message: "status must be valid, expiring or expired."}))
			return
		}
		f := fieldportal.CertificateFilter{Page: lq.Page, UpdatedSince: lq.Since(), SiteID: lq.Filters["site_id"],
			ContractorID: lq.Filters["contractor_id"], Type: lq.Filters["cert_type"], ExternalID: lq.Filters["external_id"],
			Status: status, Today: fieldportal.DateOf(time.Now().In(web.OrgLocation(r)))}
		horizon, err := a.horizon(r, lq)
		if err != nil {
			a.problem(w, r, err)
			return
		}
		rows, next, err := a.svc.Equipment.FindCertificates(r.Context(), viewer(r), f)
		if err != nil {
			a.problem(w, r, listError(err))
			return
		}
		a.json(w, r, http.StatusOK, page(lq, rows, next, horizon,
			func(c *fieldportal.Certificate) time.Time { return c.UpdatedAt }, ShowCertificate))
	}
}

func (a *API) getCertificate(w http.ResponseWriter, r *http.Request) {
	a.answerCertificate(w, r, http.StatusOK, r.PathValue("id"))
}

func (a *API) createCertificate(w http.ResponseWriter, r *http.Request) {
	var in CertificateInput
	if _, err := decodeJSON(w, r, &in); err != nil {
		a.problem(w, r, err)
		return
	}
	c := &fieldportal.Certificate{}
	if err := a.fillCertificate(r, c, in, nil); err != nil {
		a.problem(w, r, err)
		return
	}
	if err := a.svc.Equipment.CreateCertificate(r.Context(), viewer(r), c); err != nil {
		a.problem(w, r, certTypeField(err))
		return
	}
	w.Header().Set("Location", Prefix+"/certificates/"+c.ID)
	a.answerCertificate(w, r, http.StatusCreated, c.ID)
}

func (a *API) updateCertificate(w http.ResponseWriter, r *http.Request) {
	var in CertificateInput
	sn, err := decodeJSON(w, r, &in)
	if err != nil {
		a.problem(w, r, err)
		return
	}
	v := viewer(r)
	c, err := a.svc.Equipment.FindCertificateByID(r.Context(), v, r.PathValue("id"))
	if err != nil {
		a.problem(w, r, err)
		return
	}
	if err := checkIfMatch(r, ShowCertificate(c)); err != nil {
		a.problem(w, r, err)
		return
	}
	if err := a.fillCertificate(r, c, in, sn); err != nil {
		a.problem(w, r, err)
		return
	}
	c.IfUpdatedAt = ifMatch(r, c.UpdatedAt)
	if err := a.svc.Equipment.UpdateCertificate(r.Context(), v, c); err != nil {
		a.problem(w, r, certTypeField(err))
		return
	}
	a.answerCertificate(w, r, http.StatusOK, c.ID)
}

func (a *API) upsertCertificate(w http.ResponseWriter, r *http.Request) {
	var in CertificateInput
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
	list, _, err := a.svc.Equipment.FindCertificates(r.Context(), v,
		fieldportal.CertificateFilter{ExternalID: ext, Page: fieldportal.Page{Limit: 1}})
	if err != nil {
		a.problem(w, r, err)
		return
	}
	var current any
	if len(list) > 0 {
		current = ShowCertificate(list[0])
	}
	if err := checkIfMatch(r, current); err != nil {
		a.problem(w, r, err)
		return
	}
	c := &fieldportal.Certificate{}
	if err := a.fillCertificate(r, c, in, nil); err != nil {
		a.problem(w, r, err)
		return
	}
	if len(list) > 0 {
		c.IfUpdatedAt = ifMatch(r, list[0].UpdatedAt)
	}
	created, err := a.svc.Equipment.UpsertCertificateByExternalID(r.Context(), v, c)
	if err != nil {
		a.problem(w, r, certTypeField(err))
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
		w.Header().Set("Location", Prefix+"/certificates/"+c.ID)
	}
	a.answerCertificate(w, r, status, c.ID)
}

// answerCertificate answers with the certificate as now stored.
func (a *API) answerCertificate(w http.ResponseWriter, r *http.Request, status int, id string) {
	c, err := a.svc.Equipment.FindCertificateByID(r.Context(), viewer(r), id)
	if err != nil {
		a.problem(w, r, err)
		return
	}
	a.record(w, r, status, ShowCertificate(c))
}

// fillCertificate copies the sent fields of in onto c (all of them for a
// nil sn), reading the dates and resolving the site and job given by
// external id. The store checks the document is one of the site's.
func (a *API) fillCertificate(r *http.Request, c *fieldportal.Certificate, in CertificateInput, sn sent) error {
	for name, p := range map[string][2]*string{
		"external_id": {&c.ExternalID, &in.ExternalID}, "number": {&c.Number, &in.Number}, "cert_type": {&c.Type, &in.CertType},
		"site_id": {&c.SiteID, &in.SiteID}, "contractor_id": {&c.ContractorID, &in.ContractorID},
		"job_id": {&c.JobID, &in.JobID}, "document_id": {&c.DocumentID, &in.DocumentID},
	} {
		if sn.has(name) {
			*p[0] = *p[1]
		}
	}
	var bad fieldportal.Validation
	readDate(&bad, sn, "issued_on", in.IssuedOn, &c.IssuedOn)
	readDate(&bad, sn, "expires_on", in.ExpiresOn, &c.ExpiresOn)
	if err := bad.Err(); err != nil {
		return err
	}
	ctx, v := r.Context(), viewer(r)
	if err := a.siteRef(ctx, v, &c.SiteID, in.SiteID, in.SiteExternalID); err != nil {
		return err
	}
	if a.svc.Work == nil {
		if in.JobExternalID != "" {
			return fieldportal.FieldErrorf("job_external_id", "Give the job by job_id.")
		}
		return nil
	}
	return a.jobRef(ctx, v, &c.JobID, in.JobID, in.JobExternalID)
}

// certTypeField names the store's "type" field as the API does,
// cert_type, so a 422 names a field of the body.
func certTypeField(err error) error {
	var e *fieldportal.Error
	if !errors.As(err, &e) {
		return err
	}
	out := *e
	if out.Field == "type" {
		out.Field = "cert_type"
	}
	out.Fields = slices.Clone(e.Fields)
	for i := range out.Fields {
		if out.Fields[i].Field == "type" {
			out.Fields[i].Field = "cert_type"
		}
	}
	return &out
}
