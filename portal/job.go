package portal

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// One service or install order's page (SPEC §4; seed 003's job with its
// Options: print, attachments, invoices): its stage and history, when
// and by whom it is done, its equipment, items, appointments, invoices
// and attachments, and an upload form where the contact may upload.

// jobView is a job's page. Each part shows only when the contact may use
// its module (appointments: Diary; invoices: Invoices; attachments:
// Documents), so a page never shows what the contact's pages hide.
type jobView struct {
	web.Layout
	Header       web.RecordHeader
	Details      []web.Detail
	Description  string
	Assets       []assetLink
	Items        web.Table
	ItemsTotal   string
	History      []historyRow
	Appointments []jobAppointment
	Invoices     web.Table
	Attachments  []attachmentRow
	// ShowAppointments, ShowInvoices and ShowAttachments say the contact
	// may use the part's module.
	ShowAppointments, ShowInvoices, ShowAttachments bool
	Upload                                          *uploadForm
	Notice                                          string
	// Messages is the thread with the office (issue 22); nil hides it.
	Messages *web.ThreadView
	// Report is the completed job's visit report; nil for none.
	Report *web.VisitReportView
	// Feedback is the visits' ratings and the rating form (visit.go).
	Feedback *web.FeedbackSection
	// Deposit is the deposit paid for the order's quote (issue 22).
	Deposit *depositSection
}

// assetLink is a piece of equipment on the job; URL is "" without a page.
type assetLink struct{ Name, URL string }

// historyRow is one stage change, in the organisation's zone.
type historyRow struct {
	At         time.Time
	When, Text string
	Note       string
}

// jobAppointment is a visit booked for the job.
type jobAppointment struct {
	Start                         time.Time
	When, Technician, Description string
	Visit                         *web.Visit
}

// attachmentRow is a file of the job, with its download link.
type attachmentRow struct{ Name, URL, Size string }

// uploadForm is the attachments form, with what went wrong last time.
type uploadForm struct {
	Action string
	Hint   string
	Errors []fieldportal.FieldError
	Error  string
}

// uploadNotice is what the page says after files were attached.
const uploadNotice = "Your files were attached to this order."

// handleJob shows one order; an address ending in .pdf is its printout.
// A job out of reach, or of a kind whose module the contact may not use,
// is the same 404 as one that does not exist (SPEC §2.5): the store says.
func (p *Portal) handleJob(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if strings.HasSuffix(id, ".pdf") {
		p.handleJobPDF(w, r, strings.TrimSuffix(id, ".pdf"))
		return
	}
	notice := ""
	if r.URL.Query().Get("done") == "uploaded" {
		notice = uploadNotice
	}
	p.renderJob(w, r, http.StatusOK, id, notice, nil)
}

// renderJob shows the page; uploadErr is a refused upload to show.
func (p *Portal) renderJob(w http.ResponseWriter, r *http.Request, status int, id, notice string, uploadErr error) {
	p.renderJobPage(w, r, status, id, notice, uploadErr, nil)
}

// renderJobPage is renderJob with the feedback form's last post (nil none).
func (p *Portal) renderJobPage(w http.ResponseWriter, r *http.Request, status int, id, notice string, uploadErr error, fb *feedbackPost) {
	v, _ := web.ViewerFromContext(r.Context())
	ctx := r.Context()
	j, err := p.svc.Work.FindJobByID(ctx, v, id)
	if err != nil {
		err = web.NotFoundAs(err, "order")
		p.kit.Error(w, r, err)
		return
	}
	history, err := p.svc.Work.FindJobHistory(ctx, v, j.ID)
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	org := web.OrganisationFromContext(ctx)
	loc := web.OrgLocation(r)
	title := kindLabel(j.Kind) + " order " + j.Number
	list := withQuery("/jobs", url.Values{"kind": {string(j.Kind)}})
	view := jobView{Layout: p.layout(r, title), Description: j.Description, Notice: notice}
	// The order is in its kind's module: the menu marks that one.
	for i := range view.Nav {
		view.Nav[i].Current = view.Nav[i].URL == moduleURL[j.Kind.Module()]
	}
	view.Header = web.RecordHeader{BackURL: list, BackLabel: jobsTitle(j.Kind), Title: title, Subtitle: j.SiteName,
		Badges:  []web.Badge{{Text: j.Stage.Label(), Tone: stageTones[j.Stage]}},
		Actions: []web.Action{{Label: "Print (PDF)", URL: "/jobs/" + url.PathEscape(j.ID) + ".pdf", Style: "secondary"}}}
	view.Details = p.jobDetails(r, v, j, loc)
	for _, c := range history {
		text := c.To.Label()
		if c.From != "" {
			text = c.From.Label() + " → " + c.To.Label()
		}
		view.History = append(view.History, historyRow{At: c.At.In(loc), When: web.FormatDateTime(c.At.In(loc)),
			Text: text + " by " + c.By, Note: c.Note})
	}
	if v.CanUse(fieldportal.ModuleAssets) {
		for _, aid := range j.AssetIDs {
			a, err := p.svc.Equipment.FindAssetByID(ctx, v, aid)
			if err != nil {
				continue // moved out of reach since: not shown
			}
			link := assetLink{Name: strings.TrimSpace(a.Number + " " + a.Name)}
			if pageReady[fieldportal.ModuleAssets] {
				link.URL = "/assets/" + url.PathEscape(a.ID)
			}
			view.Assets = append(view.Assets, link)
		}
	}
	view.Items, view.ItemsTotal = jobItemsTable(j, org.Currency)
	if view.Deposit, err = p.deposits(r, v, fieldportal.DepositFilter{JobID: j.ID}); err != nil {
		p.kit.Error(w, r, err)
		return
	}
	if v.CanUse(fieldportal.ModuleDiary) {
		appts, _, err := p.svc.Diary.FindAppointments(ctx, v, fieldportal.AppointmentFilter{JobID: j.ID, Page: fieldportal.Page{Limit: 100}})
		if err != nil {
			p.kit.Error(w, r, err)
			return
		}
		view.ShowAppointments = true
		for _, a := range appts {
			view.Appointments = append(view.Appointments, jobAppointment{Start: a.StartsAt.In(loc), When: appointmentSpan(a.StartsAt.In(loc), a.EndsAt.In(loc)),
				Technician: a.ShownTechnician(), Description: a.Description, Visit: web.VisitOf(a, loc, web.RequestTime(r), technicianPhotoBase)})
		}
	}
	if v.CanUse(fieldportal.ModuleInvoices) {
		invs, err := p.svc.Work.FindJobInvoices(ctx, v, j.ID)
		if err != nil {
			p.kit.Error(w, r, err)
			return
		}
		view.Invoices, view.ShowInvoices = jobInvoicesTable(invs, org.Currency), true
	}
	if v.CanUse(fieldportal.ModuleDocuments) {
		docs, _, err := p.svc.Equipment.FindDocuments(ctx, v, fieldportal.DocumentFilter{JobID: j.ID, Page: fieldportal.Page{Limit: 100}})
		if err != nil {
			p.kit.Error(w, r, err)
			return
		}
		view.ShowAttachments = true
		for _, d := range docs {
			view.Attachments = append(view.Attachments, attachmentRow{Name: d.Name, URL: "/documents/" + url.PathEscape(d.ID) + "/download", Size: sizeText(d.Size)})
		}
		if v.CanDo(fieldportal.ActionUpload) {
			view.Upload = &uploadForm{Action: "/jobs/" + url.PathEscape(j.ID) + "/attachments", Hint: p.kit.UploadTypesHint(r)}
			if uploadErr != nil {
				errs := web.ErrorsOf(uploadErr)
				view.Upload.Errors = errs.List("files")
				view.Upload.Error = or(errs["files"], errs[""])
			}
		}
	}
	view.Messages = p.threadFor(r, v, &view.Layout, fieldportal.ThreadOnJob, j.ID)
	if view.Report, err = p.visitReportView(r, v, j); err != nil {
		p.kit.Error(w, r, err)
		return
	}
	if view.Feedback, err = p.jobFeedback(r, v, j, fb); err != nil {
		p.kit.Error(w, r, err)
		return
	}
	p.pages.Render(w, r, status, "job", view)
}

// jobDetails are the facts of the order at the top of its page.
func (p *Portal) jobDetails(r *http.Request, v fieldportal.Viewer, j *fieldportal.Job, loc *time.Location) []web.Detail {
	row := jobRow(j, loc)
	scheduled := "Not yet scheduled"
	if !j.ScheduledStart.IsZero() {
		scheduled = web.FormatDateTime(j.ScheduledStart.In(loc))
		if !j.ScheduledEnd.IsZero() {
			scheduled = appointmentSpan(j.ScheduledStart.In(loc), j.ScheduledEnd.In(loc))
		}
	}
	out := []web.Detail{
		{Label: "Stage", Value: j.Stage.Label()},
		{Label: "Site", Value: j.SiteName},
		{Label: "Order no.", Value: or(j.OrderNo, "None")},
		{Label: "Preferred date", Value: or(row.Preferred, "None")},
		{Label: "Scheduled", Value: scheduled},
		{Label: "Technician", Value: or(j.Technician, "Not yet assigned")},
	}
	if j.ContractorID != "" {
		if c, err := p.svc.Work.FindContractorByID(r.Context(), v, j.ContractorID); err == nil {
			out = append(out, web.Detail{Label: "Contractor", Value: c.Name})
		}
	}
	if !j.CompletedAt.IsZero() && !j.Stage.Open() {
		out = append(out, web.Detail{Label: "Completed", Value: web.FormatDate(j.CompletedAt.In(loc))})
	}
	return out
}

// or is s, or def when s is blank.
func or(s, def string) string {
	if strings.TrimSpace(s) == "" {
		return def
	}
	return s
}

// jobItemsTable lists the order's items with their total.
func jobItemsTable(j *fieldportal.Job, currency string) (web.Table, string) {
	t := web.Table{Caption: "Items", Columns: []web.Column{{Label: "Item"}, {Label: "Code"}, {Label: "Quantity", Numeric: true},
		{Label: "Unit price", Numeric: true}, {Label: "Total", Numeric: true}}}
	var total fieldportal.Money
	for _, it := range j.Items {
		total += it.Total
		t.Rows = append(t.Rows, []web.Cell{{Text: it.Description, Header: true}, web.TextCell(it.Code),
			web.TextCell(strconv.FormatInt(it.Quantity, 10)), web.MoneyCell(currency, it.UnitPrice), web.MoneyCell(currency, it.Total)})
	}
	return t, web.MoneyText(currency, total)
}

// invoiceTones colours an invoice's status.
var invoiceTones = map[fieldportal.InvoiceStatus]string{fieldportal.InvoiceUnpaid: "warning", fieldportal.InvoicePartPaid: "warning",
	fieldportal.InvoicePaid: "success"}

// jobInvoicesTable lists the invoices raised from the order.
func jobInvoicesTable(invs []*fieldportal.Invoice, currency string) web.Table {
	t := web.Table{Caption: "Invoices", Columns: []web.Column{{Label: "Invoice"}, {Label: "Issued"}, {Label: "Due"},
		{Label: "Status"}, {Label: "Total", Numeric: true}, {Label: "Balance", Numeric: true}}}
	for _, inv := range invs {
		num := web.Cell{Text: inv.Number, Header: true}
		if pageReady[fieldportal.ModuleInvoices] {
			num = web.LinkCell(inv.Number, "/invoices/"+url.PathEscape(inv.ID))
		}
		status := inv.Status.Label()
		t.Rows = append(t.Rows, []web.Cell{num, web.DateCell(inv.IssueDate.Time()), web.DateCell(inv.DueDate.Time()),
			web.BadgeCell(status, invoiceTones[inv.Status]), web.MoneyCell(currency, inv.Total), web.MoneyCell(currency, inv.Balance())})
	}
	return t
}

// sizeText is a file's size as people read it.
func sizeText(n int64) string {
	switch {
	case n >= 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MB"
	case n >= 1<<10:
		return strconv.FormatInt((n+512)>>10, 10) + " KB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

// handleJobUpload attaches files to an order. The job is found first, so
// an order out of reach or of a hidden kind is 404 before anything is
// read; a refused file shows the page again with the reason, and nothing
// is saved unless every file is.
func (p *Portal) handleJobUpload(w http.ResponseWriter, r *http.Request) {
	v, _ := web.ViewerFromContext(r.Context())
	id := r.PathValue("id")
	j, err := p.svc.Work.FindJobByID(r.Context(), v, id)
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	if !v.CanUse(fieldportal.ModuleDocuments) || !v.CanDo(fieldportal.ActionUpload) {
		p.kit.Error(w, r, fieldportal.Errorf(fieldportal.EFORBIDDEN, "You cannot upload files to this order."))
		return
	}
	_, files, err := p.kit.ReadUploadForm(w, r, "files")
	if err == nil && len(files) == 0 {
		err = fieldportal.FieldErrorf("files", "Choose at least one file to attach.")
	}
	if err == nil {
		_, err = p.svc.Equipment.AttachFiles(r.Context(), v, "job", j.ID, files)
	}
	if web.IsFormError(err) {
		p.renderJob(w, r, web.StatusFor(fieldportal.ErrorCode(err)), j.ID, "", err)
		return
	} else if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/jobs/"+url.PathEscape(j.ID)+"?done=uploaded", http.StatusSeeOther)
}
