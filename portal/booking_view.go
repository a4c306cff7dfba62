package portal

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// The view of the booking form (booking.go): each list it offers is one
// bounded page of a scoped store query, so the form costs the same for a
// contact of one site and one of 20,000.

// bookingSiteChoices is how many sites the site list offers at once; a
// contact of more searches for the site instead.
const bookingSiteChoices = 50

// bookingView is the shared form.
type bookingView struct {
	web.Layout
	Quote bool
	Kind  string
	// KindChoice asks service or install, for a contact who may book both.
	KindChoice *web.SelectView
	Action     string
	Heading    string
	Intro      string
	Submit     string
	Summary    []fieldportal.FieldError

	SiteSearch web.FieldView
	ManySites  bool
	Site       web.SelectView
	Contact    web.SelectView
	OrderNo    web.FieldView

	Date          web.FieldView
	DateMin       string
	DateMax       string
	Window        web.SelectView
	WindowNote    string
	Description   web.FieldView
	Scripts       web.FieldView
	ScriptOptions []bookingScript
	HasScripts    bool
	ShowAssets    bool
	AssetSearch   web.FieldView
	Assets        web.Choices
	ItemRows      []bookingItemRow
	HasItems      bool
	Attach        bool
	AttachHint    string
	AttachError   string
	OneSite       bool
	// NewSite offers "Create a new site", which comes back here.
	NewSite bool
}

// bookingScript is a script to insert; its text rides on its option, so
// booking.js can insert it without asking the server.
type bookingScript struct {
	ID, Title, Body string
	Chosen          bool
}

// bookingItemRow is one row of the optional items.
type bookingItemRow struct {
	N              int
	ItemID, QtyID  string
	Item           web.SelectView
	Qty            web.FieldView
	ItemErr, QtErr string
}

// renderBooking shows the form with what f holds and errs.
func (p *Portal) renderBooking(w http.ResponseWriter, r *http.Request, v fieldportal.Viewer, f bookingForm, errs web.FormErrors, status int) {
	ctx := r.Context()
	if errs == nil {
		errs = web.FormErrors{}
	}
	st, err := p.kit.Settings(r)
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	loc := web.OrgLocation(r)
	view := bookingView{Quote: f.Quote, Kind: string(f.Kind)}
	if !f.Quote && v.CanUse(fieldportal.ModuleInstall) && v.CanUse(fieldportal.ModuleService) {
		// Both kinds usable: the customer says which (?kind= picks one).
		view.KindChoice = &web.SelectView{FieldView: web.Field("kind", "Type of job", "select", "", "", errs),
			Options: []web.CheckOption{{Value: "service", Label: "Service or repair", Checked: f.Kind == fieldportal.JobService},
				{Value: "install", Label: "Installation", Checked: f.Kind == fieldportal.JobInstall}}}
	}
	switch {
	case f.Quote:
		view.Heading, view.Action, view.Submit = "Request a quote", "/quotes/new", "Request quote"
		view.Intro = "Tell us about the work you would like a price for. We will send you a quote."
	case view.KindChoice != nil:
		view.Heading, view.Action, view.Submit = "Book a job", "/jobs/new", "Book job"
		view.Intro = "Tell us what needs doing or installing and when suits you. We will confirm the date."
	case f.Kind == fieldportal.JobInstall:
		view.Heading, view.Action, view.Submit = "Book an installation", "/jobs/new", "Book job"
		view.Intro = "Tell us what you would like installed and when suits you. We will confirm the date."
	default:
		view.Heading, view.Action, view.Submit = "Book a service job", "/jobs/new", "Book job"
		view.Intro = "Tell us what needs doing and when suits you. We will confirm the date."
	}
	view.Layout = p.layout(r, view.Heading)
	view.NewSite = v.CanDo(fieldportal.ActionCreateSite)

	// The site: a list of the first sites, or of those matching the
	// search; the chosen one is always among them.
	view.SiteSearch = web.Field("site_q", "Find a site", "search", f.SiteSearch, "off", errs).Optional()
	view.SiteSearch.Hint = "Name, address, postcode or UPRN"
	sites, next, err := p.svc.Sites.FindSites(ctx, v, fieldportal.SiteFilter{Page: fieldportal.Page{Limit: bookingSiteChoices}, Search: f.SiteSearch,
		Archived: inUse()}) // an archived site takes no new work
	if err != nil && fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
		p.kit.Error(w, r, err)
		return
	}
	view.ManySites = next != "" || f.SiteSearch != ""
	if f.SiteSearch == "" && next == "" && len(sites) == 1 {
		view.OneSite = true
		if f.SiteID == "" {
			f.SiteID = sites[0].ID // a contact of one site has nothing to choose
		}
	}
	view.Site = web.SelectView{FieldView: web.Field("site_id", "Site", "select", "", "", errs)}
	view.Site.Options = append(view.Site.Options, web.CheckOption{Value: "", Label: "Choose a site"})
	var chosen *fieldportal.Site
	for _, s := range sites {
		if s.ID == f.SiteID {
			chosen = s
		}
		view.Site.Options = append(view.Site.Options, web.CheckOption{Value: s.ID, Label: siteLabel(s), Checked: s.ID == f.SiteID})
	}
	if chosen == nil && f.SiteID != "" {
		if s, err := p.svc.Sites.FindSiteByID(ctx, v, f.SiteID); err == nil {
			chosen = s
			view.Site.Options = append(view.Site.Options, web.CheckOption{Value: s.ID, Label: siteLabel(s), Checked: true})
		}
	}
	if f.SiteSearch != "" && len(sites) == 0 {
		view.Site.Hint = "No site matches “" + f.SiteSearch + "”."
	} else if next != "" {
		view.Site.Hint = "Showing the first " + strconv.Itoa(len(sites)) + " sites; search to find another."
	}

	// The contact: the viewer, or another contact of the site's customer
	// it may see.
	view.Contact = web.SelectView{FieldView: web.Field("contact_id", "Customer contact", "select", "", "", errs).Optional()}
	view.Contact.Hint = "Who we should speak to about this."
	view.Contact.Options = []web.CheckOption{{Value: "", Label: "Me (" + v.Name + ")", Checked: f.ContactID == "" || f.ContactID == v.ContactID}}
	if chosen != nil && v.CanDo(fieldportal.ActionManageContacts) {
		// Only a contact who manages contacts lists them (SPEC §2.6).
		contacts, _, err := p.svc.Access.FindContacts(ctx, v, fieldportal.ContactFilter{CustomerID: chosen.CustomerID, Page: fieldportal.Page{Limit: 100}})
		if err == nil {
			for _, c := range contacts {
				if c.Contact.ID != v.ContactID {
					view.Contact.Options = append(view.Contact.Options, web.CheckOption{Value: c.Contact.ID, Label: c.Contact.Name(), Checked: c.Contact.ID == f.ContactID})
				}
			}
		}
	}
	view.OrderNo = web.Field("order_no", "Order number", "text", f.OrderNo, "off", errs).Optional()
	view.OrderNo.Hint = "Your purchase order or reference, if you have one."

	// The date and the windows still free on it at the site.
	first, last := fieldportal.BookingDates(fieldportal.DateOf(web.RequestTime(r).In(loc)), st.BookingWindowDays)
	view.DateMin, view.DateMax = first.String(), last.String()
	view.Date = web.Field("preferred_date", "Preferred date", "date", f.Date, "off", errs).Optional()
	view.Date.Hint = "From " + first.Format("2 Jan 2006") + " to " + last.Format("2 Jan 2006") + "."
	view.Window = web.SelectView{FieldView: web.Field("window", "Preferred time", "select", "", "", errs).Optional()}
	view.Window.Options = []web.CheckOption{{Value: "", Label: "Any time", Checked: f.Window == ""}}
	day, derr := fieldportal.ParseDate(f.Date)
	if f.Date != "" && errs["preferred_date"] == "" {
		// Said at once, not only on submitting: no windows are offered
		// for a date that is not one, or outside the booking window.
		if derr != nil {
			errs["preferred_date"] = "Preferred date must be a date such as " + first.String() + "."
		} else if err := fieldportal.CheckPreferredDate("preferred_date", day, first.AddDays(-1), st.BookingWindowDays); err != nil {
			errs["preferred_date"] = fieldportal.ErrorMessage(err)
		}
		view.Date.Error = errs["preferred_date"]
	}
	if derr == nil && errs["preferred_date"] == "" && chosen != nil {
		windows, err := p.svc.Work.FindBookingWindows(ctx, v, chosen.ID, day)
		if err != nil {
			p.kit.Error(w, r, err)
			return
		}
		for _, win := range windows {
			start := win.Start.In(loc).Format("15:04")
			view.Window.Options = append(view.Window.Options, web.CheckOption{Value: start, Label: win.Label(loc), Checked: start == f.Window})
		}
		if len(windows) == 0 {
			view.WindowNote = "No time is free on " + day.Format("Mon 2 Jan") + " at this site; choose another date or any time."
		} else {
			view.Window.Hint = "Times free on " + day.Format("Mon 2 Jan") + " at " + chosen.Name + "."
		}
	} else {
		view.Window.Hint = "Choose a site and a date, then Show free times."
	}
	if f.Window != "" && !slices.ContainsFunc(view.Window.Options, func(o web.CheckOption) bool { return o.Checked }) {
		// A window no longer free stays chosen, so its refusal is seen
		// next to it and the customer picks another.
		view.Window.Options = append(view.Window.Options, web.CheckOption{Value: f.Window, Label: f.Window + " (not free)", Checked: true})
	}

	view.Description = web.Field("description", "Description", "textarea", f.Desc, "off", errs)
	view.Description.Hint = "As much detail as you can: what, where, and anything we should know."
	scripts, _, err := p.svc.Work.FindScripts(ctx, v, fieldportal.CatalogueFilter{Page: fieldportal.Page{Limit: 100}})
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	view.HasScripts = len(scripts) > 0
	view.Scripts = web.Field("script_id", "Insert script", "select", "", "", errs).Optional()
	for _, s := range scripts {
		view.ScriptOptions = append(view.ScriptOptions, bookingScript{ID: s.ID, Title: s.Title, Body: s.Body, Chosen: s.ID == f.ScriptID})
	}

	if err := p.bookingAssets(r, v, f, chosen, errs, &view); err != nil {
		p.kit.Error(w, r, err)
		return
	}
	if err := p.bookingItems(r, v, f, errs, &view); err != nil {
		p.kit.Error(w, r, err)
		return
	}
	view.Attach = v.CanDo(fieldportal.ActionUpload)
	view.AttachHint = p.kit.UploadTypesHint(r)
	view.AttachError = errs["attachments"]
	if view.AttachError == "" && f.HadFiles && errs.Has() {
		view.AttachError = "Your files were not saved because of the problem above; choose them again."
	}
	view.Summary = errs.List("site_id", "contact_id", "order_no", "preferred_date", "window", "description", "script_id",
		"asset_ids", "item_id", "item_qty", "attachments")
	p.pages.Render(w, r, status, "booking", view)
}

// siteLabel names a site in the list, with its postcode to tell apart
// sites of one name.
func siteLabel(s *fieldportal.Site) string {
	if s.Address.Postcode != "" {
		return s.Name + " (" + s.Address.Postcode + ")"
	}
	return s.Name
}

// bookingAssets fills the equipment part: the assets already chosen, and
// those at the site matching the search (the first ones without one). A
// contact without the Equipment page picks none.
func (p *Portal) bookingAssets(r *http.Request, v fieldportal.Viewer, f bookingForm, site *fieldportal.Site, errs web.FormErrors, view *bookingView) error {
	if site == nil || !v.CanUse(fieldportal.ModuleAssets) {
		return nil
	}
	view.ShowAssets = true
	view.AssetSearch = web.Field("asset_q", "Find equipment", "search", f.AssetQ, "off", errs).Optional()
	view.AssetSearch.Hint = "Number, name, location or serial"
	view.Assets = web.Choices{Name: "asset_ids", Legend: "Equipment at " + site.Name, Type: "checkbox", Error: errs["asset_ids"]}
	seen := map[string]bool{}
	for _, id := range f.AssetIDs {
		if seen[id] {
			continue
		}
		if a, err := p.svc.Equipment.FindAssetByID(r.Context(), v, id); err == nil && a.SiteID == site.ID {
			seen[id] = true
			view.Assets.Options = append(view.Assets.Options, web.CheckOption{Value: a.ID, Label: assetLabel(a), Checked: true})
		}
	}
	assets, next, err := p.svc.Equipment.FindAssets(r.Context(), v, fieldportal.AssetFilter{SiteID: site.ID, Search: f.AssetQ, Page: fieldportal.Page{Limit: 20}})
	if err != nil {
		return err
	}
	for _, a := range assets {
		if !seen[a.ID] {
			view.Assets.Options = append(view.Assets.Options, web.CheckOption{Value: a.ID, Label: assetLabel(a)})
		}
	}
	switch {
	case len(view.Assets.Options) == 0 && f.AssetQ != "":
		view.Assets.Hint = "No equipment at this site matches “" + f.AssetQ + "”."
	case len(view.Assets.Options) == 0:
		view.Assets.Hint = "We hold no equipment at this site."
	case next != "":
		view.Assets.Hint = "Tick the equipment that needs work. Showing the first 20; search to find others."
	default:
		view.Assets.Hint = "Tick the equipment that needs work."
	}
	return nil
}

// bookingItems fills the optional items: each row typed, and one empty
// row to add another.
func (p *Portal) bookingItems(r *http.Request, v fieldportal.Viewer, f bookingForm, errs web.FormErrors, view *bookingView) error {
	items, _, err := p.svc.Work.FindItems(r.Context(), v, fieldportal.CatalogueFilter{ActiveOnly: true, Page: fieldportal.Page{Limit: 200}})
	if err != nil {
		return err
	}
	if len(items) == 0 {
		return nil
	}
	view.HasItems = true
	currency := "GBP"
	if o := web.OrganisationFromContext(r.Context()); o != nil && o.Currency != "" {
		currency = o.Currency
	}
	rows := f.Items
	if len(rows) == 0 {
		rows = []bookingItem{{}}
	}
	for i, it := range rows {
		n := i + 1
		row := bookingItemRow{N: n, ItemID: "item_id", QtyID: "item_qty"}
		if i > 0 {
			row.ItemID, row.QtyID = "item_id-"+strconv.Itoa(n), "item_qty-"+strconv.Itoa(n)
		}
		row.Item = web.SelectView{FieldView: web.FieldView{Name: row.ItemID, Label: "Item " + strconv.Itoa(n)}}
		row.Item.Options = []web.CheckOption{{Value: "", Label: "No item"}}
		for _, x := range items {
			row.Item.Options = append(row.Item.Options, web.CheckOption{Value: x.ID,
				Label: x.Code + " – " + x.Name + " (" + web.MoneyText(currency, x.UnitPrice) + " each)", Checked: x.ID == it.ItemID})
		}
		row.Qty = web.FieldView{Name: row.QtyID, Label: "Quantity of item " + strconv.Itoa(n), Type: "number", Value: it.Qty, Inputmode: "numeric"}
		if i == 0 {
			row.ItemErr, row.QtErr = errs["item_id"], errs["item_qty"]
		}
		view.ItemRows = append(view.ItemRows, row)
	}
	return nil
}
