package api

import (
	"context"
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
	res := &resource[fieldportal.Certificate, Certificate, CertificateInput]{api: a,
		Path: "/certificates", Tag: "certificates", Singular: "Certificate", Plural: "Certificates",
		ListSummary: "List certificates, latest issued first",
		Filters: []param{filter("site_id", "Only the certificates of this site."),
			filter("contractor_id", "Only the certificates this contractor issued."),
			filter("cert_type", "Only certificates of this type."),
			filter("status", "Only certificates that are, today in the organisation's time zone, valid, expiring (within "+
				"the coming days the portal warns of) or expired."),
			filter("external_id", "Only the certificate of this back-office id.")},
		Show:      func(_ *http.Request, c *fieldportal.Certificate) Certificate { return ShowCertificate(c) },
		UpdatedAt: func(c *fieldportal.Certificate) time.Time { return c.UpdatedAt },
		ID:        func(c *fieldportal.Certificate) string { return c.ID },
		List: func(r *http.Request, lq listQuery) ([]*fieldportal.Certificate, string, error) {
			status, err := fieldportal.ParseCertificateStatus(lq.Filters["status"])
			if err != nil {
				return nil, "", badRequest(fieldportal.FieldError{Field: "status", Message: "status must be valid, expiring or expired."})
			}
			return a.svc.Equipment.FindCertificates(r.Context(), viewer(r), fieldportal.CertificateFilter{Page: lq.Page,
				UpdatedSince: lq.Since(), SiteID: lq.Filters["site_id"], ContractorID: lq.Filters["contractor_id"],
				Type: lq.Filters["cert_type"], ExternalID: lq.Filters["external_id"],
				Status: status, Today: fieldportal.DateOf(time.Now().In(web.OrgLocation(r)))})
		},
		Find: a.svc.Equipment.FindCertificateByID,
		ByExternalID: func(ctx context.Context, v fieldportal.Viewer, ext string) (*fieldportal.Certificate, error) {
			return firstByExternalID(func() ([]*fieldportal.Certificate, string, error) {
				return a.svc.Equipment.FindCertificates(ctx, v,
					fieldportal.CertificateFilter{ExternalID: ext, Page: fieldportal.Page{Limit: 1}})
			})
		},
		Fill:           a.fillCertificate,
		ExternalID:     func(in *CertificateInput) *string { return &in.ExternalID },
		SetIfUpdatedAt: func(c *fieldportal.Certificate, at time.Time) { c.IfUpdatedAt = at },
		Create:         a.svc.Equipment.CreateCertificate,
		Update:         a.svc.Equipment.UpdateCertificate,
		Upsert:         a.svc.Equipment.UpsertCertificateByExternalID,
		WriteError:     certTypeField,
		// A certificate recorded by mistake is deleted with the files
		// attached to it (their tombstones come in the documents' list).
		Delete: a.svc.Equipment.DeleteCertificate,
		Kind:   fieldportal.KindCertificate,
	}
	rts := res.routes()
	res.op(rts, http.MethodPost).Summary = "Record a certificate"
	return rts
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
