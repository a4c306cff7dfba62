package portal

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/internal/pdftest"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
	"github.com/fieldportal/fieldportal/web"
)

// The printout handlers are reached through the jobs' and quotes' record
// routes (/jobs/{id}.pdf, /quotes/{id}.pdf), so these tests call them
// directly, with the organisation and the viewer in the request's context
// as the session middleware leaves them, against the store on both
// engines.

// printoutWorld is an organisation with a logo and contact details,
//
//	Harbour Properties (sites "Dock Warehouse" and "Harbour HQ")
//	Solo Ltd (site "Solo Office")
//
// a service job, an install job and an accepted quote at Dock Warehouse,
// and a contact viewer for each kind of access.
type printoutWorld struct {
	tb               testing.TB
	ctx              context.Context
	db               *sqlstore.DB
	p                *Portal
	org              *fieldportal.Organisation
	sys              fieldportal.Viewer
	service, install *fieldportal.Job
	quote            *fieldportal.Quote
	viewers          map[string]fieldportal.Viewer
}

func mustPrintoutWorld(t *testing.T, db *sqlstore.DB) *printoutWorld {
	t.Helper()
	ctx := context.Background()
	w := &printoutWorld{db: db, ctx: ctx, tb: t, viewers: map[string]fieldportal.Viewer{}}
	w.org = &fieldportal.Organisation{Name: "Acme Fire & Security", Currency: "GBP", TimeZone: "Europe/London"}
	must(t, "organisation", db.CreateOrganisation(ctx, w.org))
	w.sys = fieldportal.SystemViewer(w.org.ID, "test")
	admin := fieldportal.NewStaffViewer(w.org.ID, "", "Admin", fieldportal.RoleAdmin)
	st, err := db.FindSettings(ctx, w.org.ID)
	must(t, "settings", err)
	st.Branding.SupportPhone, st.Branding.SupportEmail = "0117 496 0000", "help@acme.example"
	must(t, "update settings", db.UpdateSettings(ctx, admin, st))
	must(t, "logo", db.SetLogo(ctx, admin, mustPNG(t), "image/png"))

	harbour := &fieldportal.Customer{Name: "Harbour Properties", Billing: fieldportal.Address{Line1: "1 Dock Road", City: "Bristol", Postcode: "BS1 5BB"}}
	must(t, "customer", db.CreateCustomer(ctx, w.sys, harbour))
	solo := &fieldportal.Customer{Name: "Solo Ltd"}
	must(t, "customer", db.CreateCustomer(ctx, w.sys, solo))
	site := func(name, postcode string, c *fieldportal.Customer) *fieldportal.Site {
		s := &fieldportal.Site{Name: name, CustomerID: c.ID, Address: fieldportal.Address{Line1: "Wapping Wharf", City: "Bristol", Postcode: postcode}}
		must(t, "site", db.CreateSite(ctx, w.sys, s))
		return s
	}
	dock, hq := site("Dock Warehouse", "BS1 6WP", harbour), site("Harbour HQ", "BS1 4AA", harbour)
	site("Solo Office", "M1 1AA", solo)

	asset := &fieldportal.Asset{Number: "A-0107", SiteID: dock.ID, Type: "Fire alarm", Name: "Fire alarm panel", Location: "Plant room", Status: "active"}
	must(t, "asset", db.CreateAsset(ctx, w.sys, asset))
	job := func(kind fieldportal.JobKind, order string) *fieldportal.Job {
		j := &fieldportal.Job{SiteID: dock.ID, Kind: kind, Stage: fieldportal.StagePending, OrderNo: order,
			Description: "Annual service <b>now</b>", AssetIDs: []string{asset.ID},
			Items: []fieldportal.JobItem{{Code: "SRV-1", Description: "Service visit", Quantity: 2, UnitPrice: 4500, Total: 9000}}}
		must(t, "job", db.CreateJob(ctx, w.sys, j))
		return j
	}
	w.service, w.install = job(fieldportal.JobService, "PO-SERVICE"), job(fieldportal.JobInstall, "PO-INSTALL")
	w.quote = &fieldportal.Quote{SiteID: dock.ID, Stage: fieldportal.QuoteOutstanding, OrderNo: "PO-QUOTE",
		TotalExTax: 10000, Tax: 2000, TotalIncTax: 12000,
		Items: []fieldportal.QuoteItem{{Code: "EL-1", Description: "Emergency light", Quantity: 1, UnitPrice: 10000, Total: 10000}}}
	must(t, "quote", db.CreateQuote(ctx, w.sys, w.quote))

	all := fieldportal.Modules(fieldportal.AllModules)
	var withoutSites fieldportal.Modules
	for _, m := range all {
		if m != fieldportal.ModuleSites && m != fieldportal.ModuleAssets && m != fieldportal.ModuleInstall {
			withoutSites = append(withoutSites, m)
		}
	}
	w.login("harbour", harbour, all, fieldportal.SiteAccessAll)
	w.login("no sites, assets or install pages", harbour, withoutSites, fieldportal.SiteAccessAll)
	w.login("dashboard only", harbour, fieldportal.Modules{fieldportal.ModuleDashboard}, fieldportal.SiteAccessAll)
	w.login("assigned another site", harbour, all, fieldportal.SiteAccessAssigned, hq)
	w.login("assigned the site", harbour, all, fieldportal.SiteAccessAssigned, dock)
	w.login("other customer", solo, all, fieldportal.SiteAccessAll)
	// A contact of another organisation, and its viewer forged to name
	// this one.
	other := &fieldportal.Organisation{Name: "Other Org", Currency: "GBP", TimeZone: "Europe/London"}
	must(t, "organisation", db.CreateOrganisation(ctx, other))
	otherCustomer := &fieldportal.Customer{Name: "Other Customer"}
	must(t, "customer", db.CreateCustomer(ctx, fieldportal.SystemViewer(other.ID, "test"), otherCustomer))
	w.login("other organisation", otherCustomer, all, fieldportal.SiteAccessAll)
	forged := w.viewers["other organisation"]
	forged.OrgID = w.org.ID
	w.viewers["forged organisation"] = forged
	must(t, "accept", db.AcceptQuote(ctx, w.viewers["harbour"], w.quote.ID, "Pat Parent"))

	kit, err := web.New(web.Config{}, web.Deps{Orgs: db, Ready: db}, nil)
	must(t, "kit", err)
	w.p = &Portal{kit: kit, svc: Services{Sites: db, Equipment: db, Work: db, Orgs: db}}
	return w
}

// login makes a contact of c with a portal login and returns its viewer.
func (w *printoutWorld) login(name string, c *fieldportal.Customer, pages fieldportal.Modules, access fieldportal.SiteAccess, sites ...*fieldportal.Site) {
	w.tb.Helper()
	sys := fieldportal.SystemViewer(c.OrgID, "test")
	ct := &fieldportal.Contact{FirstName: strings.Fields(name)[0], CustomerID: c.ID, Email: fmt.Sprintf("contact%d@example.test", len(w.viewers)),
		QuoteContact: true} // the quote of the world is accepted by one of them
	must(w.tb, "contact", w.db.CreateContact(w.ctx, sys, ct))
	l := &fieldportal.PortalLogin{ContactID: ct.ID, Username: ct.Email, Status: fieldportal.LoginActive, Pages: pages,
		SiteAccess: access, PasswordHash: "x"}
	for _, s := range sites {
		l.SiteIDs = append(l.SiteIDs, s.ID)
	}
	must(w.tb, "login", w.db.CreatePortalLogin(w.ctx, sys, l))
	v, err := w.db.ViewerForLogin(w.ctx, c.OrgID, l.ID)
	must(w.tb, "viewer", err)
	w.viewers[name] = v
}

// get calls a printout handler as viewer and returns the response and body.
func (w *printoutWorld) get(viewer, path string, h func(http.ResponseWriter, *http.Request, string), id string) (*http.Response, []byte) {
	w.tb.Helper()
	v, ok := w.viewers[viewer]
	if !ok {
		w.tb.Fatalf("no viewer %q", viewer)
	}
	r := httptest.NewRequest(http.MethodGet, path, nil)
	r = r.WithContext(web.ContextWithViewer(web.ContextWithOrganisation(r.Context(), w.org), v))
	rec := httptest.NewRecorder()
	h(rec, r, id)
	res := rec.Result()
	body, _ := io.ReadAll(res.Body)
	return res, body
}

func must(tb testing.TB, what string, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatalf("%s: %v", what, err)
	}
}

// mustPNG is a small logo.
func mustPNG(tb testing.TB) []byte {
	tb.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, 40, 20))
	for x := range 40 {
		for y := range 20 {
			img.SetNRGBA(x, y, color.NRGBA{R: 180, G: 30, B: 30, A: 255})
		}
	}
	var buf bytes.Buffer
	must(tb, "logo", png.Encode(&buf, img))
	return buf.Bytes()
}

func TestPrintouts(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		w := mustPrintoutWorld(t, db)
		job, quote := w.p.handleJobPDF, w.p.handleQuotePDF
		for _, tc := range []struct {
			name, viewer string
			handler      func(http.ResponseWriter, *http.Request, string)
			id, file     string
			status       int
			want, absent []string
		}{
			{"service job", "harbour", job, w.service.ID, "job-" + w.service.Number + ".pdf", http.StatusOK,
				[]string{"Acme Fire & Security", "0117 496 0000", "help@acme.example", "Service order " + w.service.Number,
					"Harbour Properties", "1 Dock Road, Bristol, BS1 5BB", "Dock Warehouse", "Wapping Wharf, Bristol, BS1 6WP",
					"PO-SERVICE", "Annual service <b>now</b>", "A-0107 · Fire alarm panel · Plant room", "SRV-1", "£45.00", "£90.00", "Page 1 of 1"}, nil},
			{"install job", "harbour", job, w.install.ID, "job-" + w.install.Number + ".pdf", http.StatusOK,
				[]string{"Install order " + w.install.Number, "PO-INSTALL"}, nil},
			{"accepted quote", "harbour", quote, w.quote.ID, "quote-" + w.quote.Number + ".pdf", http.StatusOK,
				[]string{"Quote " + w.quote.Number, "PO-QUOTE", "Emergency light", "£100.00", "£20.00", "£120.00", "Accepted by Pat Parent on "}, nil},
			// Without the Sites and Assets pages the printout has the site's
			// name from the record, and no assets.
			{"service job without the sites and assets pages", "no sites, assets or install pages", job, w.service.ID, "job-" + w.service.Number + ".pdf", http.StatusOK,
				[]string{"Dock Warehouse", "Harbour Properties"}, []string{"Wapping Wharf", "A-0107"}},
			{"install job without the install page", "no sites, assets or install pages", job, w.install.ID, "", http.StatusNotFound, nil, nil},
			{"job without any work page", "dashboard only", job, w.service.ID, "", http.StatusNotFound, nil, nil},
			{"quote without the quotes page", "dashboard only", quote, w.quote.ID, "", http.StatusNotFound, nil, nil},
			{"job at the site assigned", "assigned the site", job, w.service.ID, "job-" + w.service.Number + ".pdf", http.StatusOK,
				[]string{"Harbour Properties", "Dock Warehouse", "Wapping Wharf", "A-0107"}, nil},
			{"quote at the site assigned", "assigned the site", quote, w.quote.ID, "quote-" + w.quote.Number + ".pdf", http.StatusOK,
				[]string{"Harbour Properties", "Dock Warehouse", "Accepted by Pat Parent"}, nil},
			{"job at a site not assigned", "assigned another site", job, w.service.ID, "", http.StatusNotFound, nil, nil},
			{"quote at a site not assigned", "assigned another site", quote, w.quote.ID, "", http.StatusNotFound, nil, nil},
			{"job of another customer", "other customer", job, w.service.ID, "", http.StatusNotFound, nil, nil},
			{"quote of another customer", "other customer", quote, w.quote.ID, "", http.StatusNotFound, nil, nil},
			{"job as a contact of another organisation", "other organisation", job, w.service.ID, "", http.StatusNotFound, nil, nil},
			{"quote as a contact of another organisation", "other organisation", quote, w.quote.ID, "", http.StatusNotFound, nil, nil},
			{"job as a forged viewer", "forged organisation", job, w.service.ID, "", http.StatusNotFound, nil, nil},
			{"quote as a forged viewer", "forged organisation", quote, w.quote.ID, "", http.StatusNotFound, nil, nil},
			{"job that does not exist", "harbour", job, "0190d000-0000-7000-8000-000000000000", "", http.StatusNotFound, nil, nil},
			{"quote id given as a job", "harbour", job, w.quote.ID, "", http.StatusNotFound, nil, nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				res, body := w.get(tc.viewer, "/x.pdf", tc.handler, tc.id)
				if res.StatusCode != tc.status {
					t.Fatalf("status %d, want %d; body:\n%.500s", res.StatusCode, tc.status, body)
				}
				if tc.status != http.StatusOK {
					if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") || bytes.HasPrefix(body, []byte("%PDF")) {
						t.Errorf("a refused printout answers %q, %.20q: want the error page", ct, body)
					}
					return
				}
				for header, want := range map[string]string{
					"Content-Type":            "application/pdf",
					"Content-Disposition":     fmt.Sprintf(`inline; filename="%s"`, tc.file),
					"Cache-Control":           "private, no-store",
					"Content-Security-Policy": "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
					"Content-Length":          fmt.Sprint(len(body)),
				} {
					if got := res.Header.Get(header); got != want {
						t.Errorf("%s: %q, want %q", header, got, want)
					}
				}
				text := pdftest.MustText(t, body)
				for _, want := range tc.want {
					if !strings.Contains(text, want) {
						t.Errorf("the printout lacks %q; its text:\n%s", want, text)
					}
				}
				for _, absent := range tc.absent {
					if strings.Contains(text, absent) {
						t.Errorf("the printout shows %q, which this viewer may not read", absent)
					}
				}
				if n := pdftest.MustImages(t, body); n != 1 {
					t.Errorf("%d images, want the logo", n)
				}
			})
		}
	})
}
