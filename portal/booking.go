package portal

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// Book a job and Request a quote: one shared form (seed 003), at
// /jobs/new (?kind=service|install) and /quotes/new, reached from the
// header, from a site (?site=) and from an asset (?asset=, which picks the
// asset and its site). Every helper of the form works without JavaScript:
// Insert script, Find site, Find equipment, Show free times and Add
// another item are submit buttons that show the form again with what was
// typed; booking.js only makes some of them instant and adds drag and
// drop to the file input.

// bookingRoutes registers the routes of this file.
func (p *Portal) bookingRoutes() {
	k := p.kit
	k.Handle("GET /jobs/new", p.signedIn(p.handleBookingForm))
	k.Handle("POST /jobs/new", p.signedIn(p.handleBooking))
	k.Handle("GET /quotes/new", p.signedIn(p.handleBookingForm))
	k.Handle("POST /quotes/new", p.signedIn(p.handleBooking))
}

// bookingForm is what the form holds, as typed.
type bookingForm struct {
	Quote      bool
	Kind       fieldportal.JobKind
	SiteID     string
	SiteSearch string
	ContactID  string
	OrderNo    string
	Date       string
	Window     string
	Desc       string
	ScriptID   string
	AssetQ     string
	AssetIDs   []string
	Items      []bookingItem
	HadFiles   bool
}

// bookingItem is one row of the optional items, as typed.
type bookingItem struct{ ItemID, Qty string }

// bookingKind reads which form the request is for and whether the viewer
// may use it; a form the viewer may not use has no page (404).
func (p *Portal) bookingKind(w http.ResponseWriter, r *http.Request, kindValue string) (fieldportal.Viewer, bookingForm, bool) {
	v, ok := web.ViewerFromContext(r.Context())
	f := bookingForm{Quote: strings.HasPrefix(r.URL.Path, "/quotes/"), Kind: fieldportal.JobService}
	if kindValue == string(fieldportal.JobInstall) || (kindValue == "" && ok && !v.CanUse(fieldportal.ModuleService)) {
		// Asked for, or the only kind the contact may book.
		f.Kind = fieldportal.JobInstall
	}
	allowed := ok && v.CanDo(fieldportal.ActionRequestQuote)
	if !f.Quote {
		allowed = ok && v.CanDo(fieldportal.ActionBookJob) && v.CanUse(f.Kind.Module())
	}
	if !allowed {
		p.kit.Error(w, r, fieldportal.Errorf(fieldportal.ENOTFOUND, "There is no page at this address."))
		return v, f, false
	}
	return v, f, true
}

// handleBookingForm shows the empty form, with the site or the asset (and
// its site) of the page it was opened from, and a date (?date=) whose free
// windows it offers.
func (p *Portal) handleBookingForm(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	v, f, ok := p.bookingKind(w, r, q.Get("kind"))
	if !ok {
		return
	}
	if q.Get("restore") == "1" {
		// Back from creating a site (handleBooking's new_site): what was
		// typed, with the new site; the equipment was of another site.
		f = readBookingForm(f, q)
		f.AssetIDs, f.AssetQ = nil, ""
	}
	f.SiteID, f.Date = q.Get("site"), q.Get("date")
	if id := q.Get("asset"); id != "" {
		// An asset out of reach (or without the Equipment page) is just
		// not picked: the form still opens.
		if a, err := p.svc.Equipment.FindAssetByID(r.Context(), v, id); err == nil {
			f.SiteID, f.AssetIDs = a.SiteID, []string{a.ID}
		}
	}
	// A site out of reach is simply not chosen (renderBooking finds it
	// or not).
	p.renderBooking(w, r, v, f, nil, http.StatusOK)
}

// readBookingForm reads the posted form as typed.
func readBookingForm(f bookingForm, vals url.Values) bookingForm {
	f.SiteID, f.SiteSearch = vals.Get("site_id"), vals.Get("site_q")
	f.ContactID, f.OrderNo = vals.Get("contact_id"), vals.Get("order_no")
	f.Date, f.Window, f.Desc = strings.TrimSpace(vals.Get("preferred_date")), vals.Get("window"), vals.Get("description")
	f.ScriptID, f.AssetQ, f.AssetIDs = vals.Get("script_id"), vals.Get("asset_q"), vals["asset_ids"]
	ids, qtys := vals["item_id"], vals["item_qty"]
	for i, id := range ids {
		qty := ""
		if i < len(qtys) {
			qty = qtys[i]
		}
		if strings.TrimSpace(id) != "" || strings.TrimSpace(qty) != "" {
			f.Items = append(f.Items, bookingItem{ItemID: id, Qty: qty})
		}
	}
	return f
}

// handleBooking answers the form's buttons: a helper button shows the
// form again with its change; Submit books the job or requests the quote
// and goes to its page, or shows the form again with what failed.
func (p *Portal) handleBooking(w http.ResponseWriter, r *http.Request) {
	// A contact who may not use the form at all is refused before its body
	// (up to 25 MB of files) is read; the kind it asks for is checked after.
	if _, _, ok := p.bookingKind(w, r, ""); !ok {
		return
	}
	vals, files, readErr := p.kit.ReadUploadForm(w, r, "attachments")
	v, f, ok := p.bookingKind(w, r, vals.Get("kind"))
	if !ok {
		return
	}
	f = readBookingForm(f, vals)
	f.HadFiles = len(files) > 0
	if readErr != nil {
		if fieldportal.ErrorCode(readErr) != fieldportal.EINVALID {
			p.kit.Error(w, r, readErr)
			return
		}
		p.renderBooking(w, r, v, f, web.ErrorsOf(readErr), http.StatusUnprocessableEntity)
		return
	}
	switch vals.Get("action") {
	case "insert_script":
		errs := web.FormErrors{}
		if s, err := p.svc.Work.FindScriptByID(r.Context(), v, f.ScriptID); err != nil {
			errs["script_id"] = "Choose a script to insert."
		} else {
			f.Desc = strings.TrimRight(f.Desc, "\n")
			if f.Desc != "" {
				f.Desc += "\n\n"
			}
			f.Desc += s.Body
		}
		p.renderBooking(w, r, v, f, errs, http.StatusOK)
		return
	case "add_item":
		f.Items = append(f.Items, bookingItem{Qty: "1"})
		p.renderBooking(w, r, v, f, nil, http.StatusOK)
		return
	case "new_site":
		// Create a site (site_edit.go), then come back with what was typed.
		if !v.CanDo(fieldportal.ActionCreateSite) {
			p.kit.Error(w, r, fieldportal.Errorf(fieldportal.EFORBIDDEN, "You cannot create sites."))
			return
		}
		http.Redirect(w, r, "/sites/new?return="+url.QueryEscape(bookingReturn(f)), http.StatusSeeOther)
		return
	case "find_site", "find_assets", "show_times":
		p.renderBooking(w, r, v, f, nil, http.StatusOK)
		return
	}
	id, errs, err := p.submitBooking(r, v, f, files)
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	if errs.Has() {
		p.renderBooking(w, r, v, f, errs, http.StatusUnprocessableEntity)
		return
	}
	to := "/jobs/" + url.PathEscape(id)
	if f.Quote {
		to = "/quotes/" + url.PathEscape(id)
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// submitBooking checks what only the form knows (the typed date, time and
// numbers) and calls the store's one workflow. A refusal of the input is
// errs; err is anything else.
func (p *Portal) submitBooking(r *http.Request, v fieldportal.Viewer, f bookingForm, files []fieldportal.Upload) (id string, errs web.FormErrors, err error) {
	errs = web.FormErrors{}
	st, err := p.kit.Settings(r)
	if err != nil {
		return "", nil, err
	}
	loc := web.OrgLocation(r)
	if strings.TrimSpace(f.SiteID) == "" {
		errs["site_id"] = "Site is required."
	}
	if strings.TrimSpace(f.Desc) == "" {
		errs["description"] = "Description is required: tell us what you need."
	}
	var date fieldportal.Date
	if f.Date != "" {
		if date, err = fieldportal.ParseDate(f.Date); err != nil {
			errs["preferred_date"] = "Preferred date must be a date such as " + web.RequestTime(r).In(loc).AddDate(0, 0, 1).Format("2006-01-02") + "."
		}
	}
	var window fieldportal.TimeWindow
	if f.Window != "" {
		var found bool
		switch {
		case f.Date == "":
			errs["preferred_date"] = "Preferred date is required with a time window."
		case errs["preferred_date"] == "":
			if window, found = st.Diary.FindSlot(date, loc, f.Window); !found {
				errs["window"] = "Time window must be one of those offered on that date."
			}
		}
	}
	var jobItems []fieldportal.JobItem
	for i, it := range f.Items {
		qty, qerr := strconv.ParseInt(strings.TrimSpace(it.Qty), 10, 64)
		switch {
		case strings.TrimSpace(it.ItemID) == "":
			errs["item_id"] = "Item " + strconv.Itoa(i+1) + ": choose an item, or clear its quantity."
		case qerr != nil || qty < 1 || qty > 9999:
			errs["item_qty"] = "Item " + strconv.Itoa(i+1) + ": quantity must be a whole number from 1 to 9,999."
		}
		jobItems = append(jobItems, fieldportal.JobItem{ItemID: it.ItemID, Quantity: qty})
	}
	if errs.Has() {
		return "", errs, nil
	}
	if f.Quote {
		x := &fieldportal.Quote{SiteID: f.SiteID, OrderNo: strings.TrimSpace(f.OrderNo), PreferredDate: date, Description: f.Desc,
			AssetIDs: f.AssetIDs, RequestedBy: f.ContactID, RequestedWindow: window}
		for _, it := range jobItems {
			x.Items = append(x.Items, fieldportal.QuoteItem{ItemID: it.ItemID, Quantity: it.Quantity})
		}
		err = p.svc.Work.RequestQuote(r.Context(), v, x, files)
		id = x.ID
	} else {
		j := &fieldportal.Job{SiteID: f.SiteID, Kind: f.Kind, OrderNo: strings.TrimSpace(f.OrderNo), PreferredDate: date,
			Description: f.Desc, AssetIDs: f.AssetIDs, Items: jobItems, RequestedBy: f.ContactID, RequestedWindow: window}
		err = p.svc.Work.BookJob(r.Context(), v, j, files)
		id = j.ID
	}
	switch fieldportal.ErrorCode(err) {
	case "":
		return id, errs, nil
	case fieldportal.EINVALID, fieldportal.ECONFLICT:
		if fe := web.ErrorsOf(err); fe.Has() {
			// The store names its own fields; the form's are the same
			// but for the lists.
			if m, ok := fe["items"]; ok {
				delete(fe, "items")
				fe["item_id"] = m
			}
			return "", fe, nil
		}
	}
	return "", nil, err
}

// bookingActions are the header's Book a job and Request a quote, for a
// viewer who may use them (SPEC §2.4).
// path is the page's, to mark the form the viewer is on.
func bookingActions(v fieldportal.Viewer, path string) []web.NavLink {
	var out []web.NavLink
	if v.CanDo(fieldportal.ActionBookJob) {
		out = append(out, web.NavLink{Label: "Book a job", URL: "/jobs/new", Current: path == "/jobs/new"})
	}
	if v.CanDo(fieldportal.ActionRequestQuote) {
		out = append(out, web.NavLink{Label: "Request a quote", URL: "/quotes/new", Current: path == "/quotes/new"})
	}
	return out
}

// siteBookingActions are a site page's Book a job and Request a quote,
// which open the form with the site chosen.
func siteBookingActions(v fieldportal.Viewer, siteID string) []web.Action {
	var out []web.Action
	for _, l := range bookingActions(v, "") {
		out = append(out, web.Action{Label: l.Label, URL: l.URL + "?site=" + url.QueryEscape(siteID), Style: "secondary"})
	}
	return out
}

// bookingReturn is the address of the form holding f, without its site,
// equipment and files: the way back from creating a site, which adds the
// new site (?site=).
func bookingReturn(f bookingForm) string {
	q := url.Values{"restore": {"1"}}
	path := "/jobs/new"
	if f.Quote {
		path = "/quotes/new"
	} else {
		q.Set("kind", string(f.Kind))
	}
	for _, kv := range [][2]string{{"contact_id", f.ContactID}, {"order_no", f.OrderNo}, {"preferred_date", f.Date},
		{"window", f.Window}, {"description", f.Desc}, {"script_id", f.ScriptID}} {
		if kv[1] != "" {
			q.Set(kv[0], kv[1])
		}
	}
	for _, it := range f.Items {
		q.Add("item_id", it.ItemID)
		q.Add("item_qty", it.Qty)
	}
	return path + "?" + q.Encode()
}
