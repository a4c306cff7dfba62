package web

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/fieldportal/fieldportal"
)

// Passkeys (issue 21), for both doors: the list and the add form of
// Preferences and My account, the rename and remove pages, and the
// passkey sign-in. The browser's part is web/static/passkeys.js: it asks
// for a ceremony's options (JSON), runs navigator.credentials, puts the
// answer in the form's hidden "credential" field and submits the form,
// so every answer and error is an ordinary page. The ceremony's token is
// kept in an HttpOnly cookie scoped to the form's path; its data stays
// in the store. Without JavaScript the passkey forms stay hidden and
// nothing else changes. Adding one asks for the current password, sent
// with the options request and checked before the ceremony starts; a
// refusal is the only answer passkeys.js shows in the page itself.

// PasskeyRow is a passkey as its owner's list shows it.
type PasskeyRow struct {
	ID, Name, Added, LastUsed string
	Synced                    bool
}

// PasskeyList is the "passkeys" component's argument.
type PasskeyList struct {
	Base     string // where the forms post ("/preferences/passkeys")
	Passkeys []PasskeyRow
	Errors   []fieldportal.FieldError
	Name     FieldView
	// Password is the current password, asked before a passkey is
	// added; never kept.
	Password FieldView
}

// passkeyField is the add form's name field (not "name": a page may
// have one of its own).
const passkeyField = "passkey_name"

// passkeyPasswordField is the add form's current password (not
// "current_password": Preferences has one of its own).
const passkeyPasswordField = "passkey_password"

// PasskeyPages are one door's passkey pages.
type PasskeyPages struct {
	Kit     *Kit
	Service fieldportal.PasskeyService
	Pages   *Pages
	Layout  func(r *http.Request, title string) Layout
	// SignedIn wraps a page needing the door's session.
	SignedIn func(http.HandlerFunc) http.HandlerFunc
	// Base is the passkeys' path; Back the page that lists them.
	Base, Back string
	// Cookie names the ceremony cookie (scoped to Base).
	Cookie string
	// Reshow renders the Back page again with the add form's errors.
	Reshow func(w http.ResponseWriter, r *http.Request, status int, list PasskeyList)
}

// List is the component's argument for the viewer's passkeys, with a
// failed add form's errors and typed name.
func (p *PasskeyPages) List(r *http.Request, errs FormErrors, name string) (PasskeyList, error) {
	v, _ := ViewerFromContext(r.Context())
	ps, err := p.Service.FindMyPasskeys(r.Context(), v)
	if err != nil {
		return PasskeyList{}, err
	}
	loc := OrgLocation(r)
	l := PasskeyList{Base: p.Base, Errors: errs.List(passkeyField, passkeyPasswordField),
		Name:     Field(passkeyField, "Name of the new passkey", "text", name, "off", errs),
		Password: Field(passkeyPasswordField, "Current password", "password", "", "current-password", errs)}
	l.Name.Hint = "Name it after the device or service that keeps it, like “Work laptop”."
	for _, k := range ps {
		row := PasskeyRow{ID: k.ID, Name: k.Name, Added: FormatDate(k.CreatedAt.In(loc)), Synced: k.BackedUp}
		if !k.LastUsedAt.IsZero() {
			row.LastUsed = FormatDateTime(k.LastUsedAt.In(loc))
		}
		l.Passkeys = append(l.Passkeys, row)
	}
	return l, nil
}

// Routes registers the pages.
func (p *PasskeyPages) Routes() {
	k := p.Kit
	k.Handle("POST "+p.Base+"/options", p.SignedIn(p.handleOptions))
	k.Handle("POST "+p.Base, p.SignedIn(p.handleAdd))
	k.Handle("GET "+p.Base+"/{id}", p.SignedIn(p.handleRenameForm))
	k.Handle("POST "+p.Base+"/{id}", p.SignedIn(p.handleRename))
	k.Handle("GET "+p.Base+"/{id}/remove", p.SignedIn(p.handleRemoveForm))
	k.Handle("POST "+p.Base+"/{id}/remove", p.SignedIn(p.handleRemove))
}

// handleOptions starts adding a passkey once the form's current password
// is right. A refusal (a wrong or missing password, a throttle) is
// answered as JSON naming the field, which passkeys.js shows in the
// form: the ceremony never began, so the device keeps no key.
func (p *PasskeyPages) handleOptions(w http.ResponseWriter, r *http.Request) {
	if !p.Kit.ParseForm(w, r) {
		return
	}
	v, _ := ViewerFromContext(r.Context())
	c, err := p.Service.BeginPasskeyRegistration(r.Context(), v, fieldportal.PasskeyRegistrationStart{
		CurrentPassword: r.PostForm.Get(passkeyPasswordField), ClientAddr: p.Kit.ClientAddress(r)})
	if IsFormError(err) {
		errs := ErrorsOf(err)
		if msg, ok := errs[""]; ok {
			errs = FormErrors{passkeyPasswordField: msg}
		}
		if wait := fieldportal.RetryAfter(err); wait > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds()+0.5)))
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(StatusFor(fieldportal.ErrorCode(err)))
		json.NewEncoder(w).Encode(struct {
			Errors []fieldportal.FieldError `json:"errors"`
		}{errs.List(passkeyField, passkeyPasswordField)})
		return
	} else if err != nil {
		p.Kit.Error(w, r, err)
		return
	}
	p.Kit.passkeyOptions(w, c, p.Cookie, p.Base)
}

func (p *PasskeyPages) handleAdd(w http.ResponseWriter, r *http.Request) {
	if !p.Kit.ParseForm(w, r) {
		return
	}
	v, _ := ViewerFromContext(r.Context())
	name := r.PostForm.Get(passkeyField)
	token := CookieValue(r, p.Cookie)
	p.Kit.ClearCookie(w, p.Cookie, p.Base)
	_, err := p.Service.FinishPasskeyRegistration(r.Context(), v, fieldportal.PasskeyRegistration{
		Ceremony: token, Name: name, Response: []byte(r.PostForm.Get("credential"))})
	if IsFormError(err) {
		list, lerr := p.List(r, FormErrors{passkeyField: fieldportal.ErrorMessage(err)}, name)
		if lerr != nil {
			p.Kit.Error(w, r, lerr)
			return
		}
		p.Reshow(w, r, StatusFor(fieldportal.ErrorCode(err)), list)
		return
	} else if err != nil {
		p.Kit.Error(w, r, err)
		return
	}
	http.Redirect(w, r, p.Back+"?done=passkey_added#passkeys-heading", http.StatusSeeOther)
}

// passkeyView is the rename and remove pages' data.
type passkeyView struct {
	Layout
	Errors []fieldportal.FieldError
	Key    PasskeyRow
	Name   FieldView
	Base   string
	Back   string
}

// find returns the viewer's passkey of the request's id, or ENOTFOUND.
func (p *PasskeyPages) find(r *http.Request) (PasskeyRow, error) {
	list, err := p.List(r, FormErrors{}, "")
	if err != nil {
		return PasskeyRow{}, err
	}
	for _, k := range list.Passkeys {
		if k.ID == r.PathValue("id") {
			return k, nil
		}
	}
	return PasskeyRow{}, fieldportal.NotFound("passkey")
}

func (p *PasskeyPages) renderRename(w http.ResponseWriter, r *http.Request, status int, key PasskeyRow, name string, errs FormErrors) {
	p.Pages.Render(w, r, status, "passkey", passkeyView{Layout: p.Layout(r, "Rename passkey"), Errors: errs.List("name"),
		Key: key, Name: Field("name", "Name", "text", name, "off", errs), Base: p.Base, Back: p.Back})
}

func (p *PasskeyPages) handleRenameForm(w http.ResponseWriter, r *http.Request) {
	key, err := p.find(r)
	if err != nil {
		p.Kit.Error(w, r, err)
		return
	}
	p.renderRename(w, r, http.StatusOK, key, key.Name, FormErrors{})
}

func (p *PasskeyPages) handleRename(w http.ResponseWriter, r *http.Request) {
	if !p.Kit.ParseForm(w, r) {
		return
	}
	v, _ := ViewerFromContext(r.Context())
	name := r.PostForm.Get("name")
	err := p.Service.RenamePasskey(r.Context(), v, r.PathValue("id"), name)
	if fieldportal.ErrorCode(err) == fieldportal.EINVALID {
		key, ferr := p.find(r)
		if ferr != nil {
			p.Kit.Error(w, r, ferr)
			return
		}
		p.renderRename(w, r, http.StatusBadRequest, key, name, ErrorsOf(err))
		return
	} else if err != nil {
		p.Kit.Error(w, r, err)
		return
	}
	http.Redirect(w, r, p.Back+"?done=passkey_renamed#passkeys-heading", http.StatusSeeOther)
}

func (p *PasskeyPages) handleRemoveForm(w http.ResponseWriter, r *http.Request) {
	key, err := p.find(r)
	if err != nil {
		p.Kit.Error(w, r, err)
		return
	}
	p.Pages.Render(w, r, http.StatusOK, "passkey_remove", passkeyView{Layout: p.Layout(r, "Remove passkey"), Key: key, Base: p.Base, Back: p.Back})
}

func (p *PasskeyPages) handleRemove(w http.ResponseWriter, r *http.Request) {
	v, _ := ViewerFromContext(r.Context())
	if err := p.Service.RemovePasskey(r.Context(), v, r.PathValue("id")); err != nil {
		p.Kit.Error(w, r, err)
		return
	}
	http.Redirect(w, r, p.Back+"?done=passkey_removed#passkeys-heading", http.StatusSeeOther)
}

// PasskeySignIn is one door's passkey sign-in: the options at Path +
// "/options" and the form posted at Path.
type PasskeySignIn struct {
	Kit      *Kit
	Door     Door
	DoorName fieldportal.Door
	Service  fieldportal.PasskeyService
	Path     string // "/login/passkey"
	Cookie   string
	// Dest is where a sign-in goes, from the form's next ("" or unsafe:
	// the door's home).
	Dest func(next string) string
	// Fail renders the sign-in page again with the refusal.
	Fail func(w http.ResponseWriter, r *http.Request, status int, next string, errs FormErrors)
}

// Routes registers the sign-in's two requests.
func (s *PasskeySignIn) Routes() {
	s.Kit.Handle("POST "+s.Path+"/options", s.handleOptions)
	s.Kit.Handle("POST "+s.Path, s.handleSignIn)
}

func (s *PasskeySignIn) handleOptions(w http.ResponseWriter, r *http.Request) {
	c, err := s.Service.BeginPasskeySignIn(r.Context(), OrganisationFromContext(r.Context()).ID, s.DoorName, fieldportal.PasskeyOwner{})
	if err != nil {
		s.Kit.Error(w, r, err)
		return
	}
	s.Kit.passkeyOptions(w, c, s.Cookie, s.Path)
}

func (s *PasskeySignIn) handleSignIn(w http.ResponseWriter, r *http.Request) {
	if !s.Kit.ParseForm(w, r) {
		return
	}
	next := r.PostForm.Get("next")
	token := CookieValue(r, s.Cookie)
	s.Kit.ClearCookie(w, s.Cookie, s.Path)
	signed, err := s.Service.PasskeySignIn(r.Context(), fieldportal.PasskeySignInRequest{
		PasskeyAssertion: fieldportal.PasskeyAssertion{OrgID: OrganisationFromContext(r.Context()).ID, Door: s.DoorName,
			Ceremony: token, Response: []byte(r.PostForm.Get("credential"))},
		ClientAddr: s.Kit.ClientAddress(r), UserAgent: r.UserAgent(), OldToken: CookieValue(r, s.Door.Cookie),
	})
	if IsFormError(err) {
		s.Fail(w, r, StatusFor(fieldportal.ErrorCode(err)), next, FormErrors{"": fieldportal.ErrorMessage(err)})
		return
	} else if err != nil {
		s.Kit.Error(w, r, err)
		return
	}
	s.Kit.StartSession(s.Door, w, signed)
	dest := s.Dest(next)
	if signed.Next != "" {
		dest = signed.Next
	}
	http.Redirect(w, r, dest, http.StatusSeeOther)
}

// passkeyOptions answers a ceremony's start: its options as JSON, its
// token in an HttpOnly cookie for path, as long as the ceremony lives.
func (k *Kit) passkeyOptions(w http.ResponseWriter, c *fieldportal.PasskeyCeremony, cookie, path string) {
	k.SetCookie(w, cookie, path, c.Token, int(fieldportal.PasskeyCeremonyLifetime.Seconds()))
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(c.Options)
}
