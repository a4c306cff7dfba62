package portal

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// A new issue (SPEC §4, seed 000): site, title, description, priority, an
// optional piece of equipment and attachments, saved with its files in one
// transaction and shown at once. A contact of a few sites picks its site
// from a list; one of many types part of its name, found on the server,
// since a list of 20,000 sites helps nobody. The equipment is likewise a
// list for a site of a few, else its number.

// assetChoicesMax is how many pieces of equipment the form lists.
const assetChoicesMax = 100

// issueForm is what the new-issue form holds: as typed, or as chosen.
type issueForm struct {
	SiteID, SiteText, AssetID, AssetNumber, Title, Description, Priority string
}

// newIssueView is the new-issue page.
type newIssueView struct {
	web.Layout
	Errors []fieldportal.FieldError
	// Site is a select (few sites, or several matched what was typed) or
	// a text field; SiteID keeps a chosen site under a text field.
	Site   any
	SiteID string
	// TitleField is the issue's title; not Title, which would hide the
	// page's own (web.Layout's) from the layout.
	TitleField  web.FieldView
	Description web.FieldView
	Priority    web.SelectView
	// Asset is nil when the contact may not use the Equipment page.
	Asset      any
	MayUpload  bool
	UploadHint string
	FileError  string
	CancelURL  string
}

// handleIssueForm shows the form, with ?site= or ?asset= chosen.
func (p *Portal) handleIssueForm(w http.ResponseWriter, r *http.Request) {
	v, ok := p.mayReport(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	f := issueForm{SiteID: q.Get("site"), Priority: string(fieldportal.PriorityNormal)}
	if id := q.Get("asset"); id != "" && v.CanUse(fieldportal.ModuleAssets) {
		// An asset out of reach preselects nothing, like an unknown one.
		if a, err := p.svc.Equipment.FindAssetByID(r.Context(), v, id); err == nil {
			f.AssetID, f.SiteID = a.ID, a.SiteID
		} else if fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
			p.kit.Error(w, r, err)
			return
		}
	}
	p.renderIssueForm(w, r, v, http.StatusOK, f, nil, web.FormErrors{})
}

// mayReport answers 404 without the Issues page and 403 without the
// action (the button is not offered then).
func (p *Portal) mayReport(w http.ResponseWriter, r *http.Request) (fieldportal.Viewer, bool) {
	v, ok := p.needModule(w, r, fieldportal.ModuleIssues)
	if ok && !v.CanDo(fieldportal.ActionNewIssue) {
		p.kit.Error(w, r, fieldportal.Errorf(fieldportal.EFORBIDDEN, "You cannot report issues. Ask your account's manager if you need to."))
		return v, false
	}
	return v, ok
}

// renderIssueForm renders the form holding f; matches are the sites that
// matched a typed name when more than one did.
func (p *Portal) renderIssueForm(w http.ResponseWriter, r *http.Request, v fieldportal.Viewer, status int, f issueForm, matches []*fieldportal.Site, errs web.FormErrors) {
	ctx := r.Context()
	view := newIssueView{Layout: p.layout(r, "Report an issue"), CancelURL: "/issues",
		MayUpload: v.CanDo(fieldportal.ActionUpload), UploadHint: p.kit.UploadTypesHint(r), FileError: errs["attachments"]}
	few, err := p.fewIssueSites(r, v, inUse()) // an archived site takes no new issue
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	if len(few) == 1 && f.SiteID == "" && matches == nil {
		f.SiteID = few[0].ID // a contact of one site has no choice to make
	}
	siteKnown := false
	switch {
	case few != nil || matches != nil:
		opts, label, hint := few, "Site", ""
		if matches != nil {
			opts, hint = matches, "Several sites match what you typed: choose one."
		}
		sel := web.SelectView{FieldView: web.FieldView{Name: "site_id", Label: label, Type: "select", Hint: hint, Error: errs["site_id"], Required: true}}
		sel.Options = append(sel.Options, web.CheckOption{Value: "", Label: "Choose a site"})
		for _, s := range opts {
			sel.Options = append(sel.Options, web.CheckOption{Value: s.ID, Label: s.Name, Checked: s.ID == f.SiteID})
			siteKnown = siteKnown || s.ID == f.SiteID
		}
		view.Site = sel
	default:
		if f.SiteID != "" && f.SiteText == "" {
			if s, err := p.svc.Work.FindIssueSite(ctx, v, f.SiteID); err == nil {
				f.SiteText, siteKnown, view.SiteID = s.Name, true, s.ID
			}
		}
		view.Site = web.FieldView{Name: "site", Label: "Site", Type: "search", Value: f.SiteText, Error: errs["site"], Required: true,
			Hint: "Type part of the site's name, address or postcode."}
	}
	view.TitleField = web.Field("title", "Title", "text", f.Title, "off", errs)
	view.TitleField.Hint = "A few words: what is wrong, and where."
	view.Description = web.FieldView{Name: "description", Label: "Description", Type: "textarea", Value: f.Description, Error: errs["description"],
		Hint: "What happened, when, and anything the engineer should know."}
	view.Priority = web.SelectView{FieldView: web.FieldView{Name: "priority", Label: "Priority", Type: "select", Error: errs["priority"], Required: true}}
	for _, pr := range fieldportal.IssuePriorities {
		view.Priority.Options = append(view.Priority.Options, web.CheckOption{Value: string(pr), Label: pr.Label(), Checked: string(pr) == f.Priority})
	}
	if v.CanUse(fieldportal.ModuleAssets) {
		if view.Asset, err = p.assetField(ctx, v, f, siteKnown, errs); err != nil {
			p.kit.Error(w, r, err)
			return
		}
	}
	view.Errors = errs.List("site_id", "site", "title", "description", "priority", "asset_id", "asset_number", "attachments")
	p.pages.Render(w, r, status, "issue_new", view)
}

// assetField is the optional equipment: a list of the chosen site's
// equipment when it has few, else its number.
func (p *Portal) assetField(ctx context.Context, v fieldportal.Viewer, f issueForm, siteKnown bool, errs web.FormErrors) (any, error) {
	if siteKnown {
		assets, next, err := p.svc.Equipment.FindAssets(ctx, v, fieldportal.AssetFilter{SiteID: f.SiteID, Page: fieldportal.Page{Limit: assetChoicesMax}})
		if err != nil {
			return nil, err
		}
		if next == "" && len(assets) > 0 {
			sel := web.SelectView{FieldView: web.FieldView{Name: "asset_id", Label: "Equipment", Type: "select", Error: errs["asset_id"],
				Hint: "If the issue is with one piece of equipment."}}
			sel.Options = append(sel.Options, web.CheckOption{Value: "", Label: "None"})
			for _, a := range assets {
				sel.Options = append(sel.Options, web.CheckOption{Value: a.ID, Label: assetLabel(a), Checked: a.ID == f.AssetID})
			}
			return sel, nil
		}
	}
	return web.FieldView{Name: "asset_number", Label: "Equipment number", Type: "text", Value: f.AssetNumber, Error: errs["asset_number"],
		Hint: "If the issue is with one piece of equipment: the number on its label."}, nil
}

// assetLabel names a piece of equipment in a list.
func assetLabel(a *fieldportal.Asset) string {
	s := a.Number + " – " + a.Name
	if a.Location != "" {
		s += " (" + a.Location + ")"
	}
	return s
}

// handleIssueReport saves a new issue with its files, or shows the form
// again with every problem and what was typed.
func (p *Portal) handleIssueReport(w http.ResponseWriter, r *http.Request) {
	v, ok := p.mayReport(w, r)
	if !ok {
		return
	}
	form, files, readErr := p.kit.ReadUploadForm(w, r, "attachments")
	f := issueForm{SiteID: strings.TrimSpace(form.Get("site_id")), SiteText: strings.TrimSpace(form.Get("site")),
		AssetID: strings.TrimSpace(form.Get("asset_id")), AssetNumber: strings.TrimSpace(form.Get("asset_number")),
		Title: strings.TrimSpace(form.Get("title")), Description: strings.TrimSpace(form.Get("description")),
		Priority: form.Get("priority")}
	errs := web.FormErrors{}
	if readErr != nil {
		if fieldportal.ErrorCode(readErr) != fieldportal.EINVALID {
			p.kit.Error(w, r, readErr)
			return
		}
		errs = web.ErrorsOf(readErr)
	} else if len(files) > 0 && !v.CanDo(fieldportal.ActionUpload) {
		errs["attachments"] = "You cannot attach files; report the issue without them."
	}
	// The site: chosen, or found by what was typed.
	textSite := form.Has("site")
	matches, err := p.resolveIssueSite(r.Context(), v, &f, textSite, errs)
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	if f.SiteID != "" && f.AssetID == "" && f.AssetNumber != "" {
		if err := p.resolveAsset(r.Context(), v, &f, errs); err != nil {
			p.kit.Error(w, r, err)
			return
		}
	}
	x := &fieldportal.Issue{SiteID: f.SiteID, AssetID: f.AssetID, Title: f.Title, Description: f.Description,
		Priority: fieldportal.IssuePriority(f.Priority), Status: fieldportal.IssueOpen}
	if errs.Has() {
		// Report the form's other problems with these, all at once.
		addFieldErrors(errs, x.Validate(), textSite)
		p.renderIssueForm(w, r, v, http.StatusBadRequest, f, matches, errs)
		return
	}
	if err := p.svc.Work.ReportIssue(r.Context(), v, x, files); fieldportal.ErrorCode(err) == fieldportal.EINVALID {
		addFieldErrors(errs, err, textSite)
		p.renderIssueForm(w, r, v, http.StatusBadRequest, f, matches, errs)
		return
	} else if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/issues/"+url.PathEscape(x.ID)+"?done=reported", http.StatusSeeOther)
}

// addFieldErrors adds err's field errors to errs, each under the form's
// own field: the site's under the text field when the site was typed. A
// field's first error stays.
func addFieldErrors(errs web.FormErrors, err error, textSite bool) {
	if err == nil {
		return
	}
	for field, msg := range web.ErrorsOf(err) {
		if field == "site_id" && textSite {
			field = "site"
		}
		if _, dup := errs[field]; !dup {
			errs[field] = msg
		}
	}
}

// resolveIssueSite finds the site of a form whose site was typed: the one
// site matching, or the exact name among several; several otherwise are
// returned for the form to list. A site chosen from a list is checked by
// the store.
func (p *Portal) resolveIssueSite(ctx context.Context, v fieldportal.Viewer, f *issueForm, textSite bool, errs web.FormErrors) ([]*fieldportal.Site, error) {
	if !textSite {
		return nil, nil
	}
	if f.SiteID != "" {
		// A site chosen earlier (from ?site= or a list of matches) stays
		// chosen while its name is what the field holds.
		if s, err := p.svc.Work.FindIssueSite(ctx, v, f.SiteID); err == nil && (f.SiteText == "" || strings.EqualFold(f.SiteText, s.Name)) {
			f.SiteText = s.Name
			return nil, nil
		} else if err != nil && fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
			return nil, err
		}
		f.SiteID = ""
	}
	if f.SiteText == "" {
		errs["site"] = "Site is required: type part of its name, address or postcode."
		return nil, nil
	}
	sites, _, err := p.svc.Work.FindIssueSites(ctx, v, fieldportal.SiteFilter{Search: f.SiteText, Page: fieldportal.Page{Limit: 20},
		Archived: inUse()}) // an archived site takes no new issue
	if err != nil {
		return nil, err
	}
	var exact []*fieldportal.Site
	for _, s := range sites {
		if strings.EqualFold(s.Name, f.SiteText) {
			exact = append(exact, s)
		}
	}
	switch {
	case len(sites) == 1:
		f.SiteID, f.SiteText = sites[0].ID, sites[0].Name
	case len(exact) == 1:
		f.SiteID, f.SiteText = exact[0].ID, exact[0].Name
	case len(sites) == 0:
		errs["site"] = "Site: no site of yours matches “" + f.SiteText + "”. Check the spelling, or type part of the address or postcode."
	default:
		errs["site_id"] = "Site: several sites match “" + f.SiteText + "”; choose one."
		return sites, nil
	}
	return nil, nil
}

// resolveAsset finds the chosen site's equipment with the number typed.
func (p *Portal) resolveAsset(ctx context.Context, v fieldportal.Viewer, f *issueForm, errs web.FormErrors) error {
	if !v.CanUse(fieldportal.ModuleAssets) {
		return nil
	}
	assets, _, err := p.svc.Equipment.FindAssets(ctx, v, fieldportal.AssetFilter{SiteID: f.SiteID, Search: f.AssetNumber, Page: fieldportal.Page{Limit: 50}})
	if err != nil {
		return err
	}
	for _, a := range assets {
		if strings.EqualFold(a.Number, f.AssetNumber) {
			f.AssetID = a.ID
			return nil
		}
	}
	errs["asset_number"] = "Equipment number: no equipment numbered “" + f.AssetNumber + "” at this site."
	return nil
}
