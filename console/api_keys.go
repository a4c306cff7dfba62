package console

import (
	"net/http"
	"strings"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// The back office's API keys (SPEC §6), an admin's screen: the list, a
// form that makes a key and shows it once, and revoking one.

func (c *Console) apiKeyRoutes() {
	k := c.kit
	k.Handle("GET /console/api-keys", c.signedIn(c.handleAPIKeys))
	k.Handle("POST /console/api-keys", c.signedIn(c.handleAPIKeyCreate))
	k.Handle("GET /console/api-keys/{id}/revoke", c.signedIn(c.handleAPIKeyRevokeConfirm))
	k.Handle("POST /console/api-keys/{id}/revoke", c.signedIn(c.handleAPIKeyRevoke))
}

// apiKeyWhat is what needAdmin says only an admin can do.
const apiKeyWhat = "manage API keys"

type apiKeysView struct {
	web.Layout
	Notice string
	Errors []fieldportal.FieldError
	Keys   []apiKeyRow
	Name   web.FieldView
	Scope  web.Choices
}

// apiKeyRow is one key of the list, in words.
type apiKeyRow struct {
	ID, Name, Prefix, Scope, Created, LastUsed, Revoked string
}

var apiKeyNotices = map[string]string{
	"revoked": "API key revoked. Requests made with it are refused from now on.",
}

func (c *Console) handleAPIKeys(w http.ResponseWriter, r *http.Request) {
	c.renderAPIKeys(w, r, http.StatusOK, "", fieldportal.APIKeyRead, web.FormErrors{})
}

// renderAPIKeys shows the list and the form, with what was typed and its
// errors after a failed create.
func (c *Console) renderAPIKeys(w http.ResponseWriter, r *http.Request, status int, name string, scope fieldportal.APIKeyScope, errs web.FormErrors) {
	v, ok := c.needAdmin(w, r, apiKeyWhat)
	if !ok {
		return
	}
	keys, err := c.svc.APIKeys.FindAPIKeys(r.Context(), v)
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	view := apiKeysView{Layout: c.layout(r, "API keys"), Notice: apiKeyNotices[r.URL.Query().Get("done")],
		Errors: errs.List("name", "scope")}
	loc := web.OrgLocation(r)
	for _, k := range keys {
		row := apiKeyRow{ID: k.ID, Name: k.Name, Prefix: k.Prefix + "…", Scope: string(k.Scope),
			Created: web.FormatDateTime(k.CreatedAt.In(loc)), LastUsed: "Never"}
		if !k.LastUsedAt.IsZero() {
			row.LastUsed = web.FormatDateTime(k.LastUsedAt.In(loc))
		}
		if !k.RevokedAt.IsZero() {
			row.Revoked = web.FormatDateTime(k.RevokedAt.In(loc))
		}
		view.Keys = append(view.Keys, row)
	}
	view.Name = web.Field("name", "Name", "text", name, "off", errs)
	view.Name.Hint = "The system that will use it, such as “Job management”. At most 100 characters."
	view.Scope = web.Choices{Name: "scope", Legend: "Scope", Type: "radio", Error: errs["scope"], Options: []web.CheckOption{
		{Value: string(fieldportal.APIKeyRead), Label: "Read: lists and records only (GET)", Checked: scope != fieldportal.APIKeyWrite},
		{Value: string(fieldportal.APIKeyWrite), Label: "Write: also create, change and delete", Checked: scope == fieldportal.APIKeyWrite},
	}}
	c.pages.Render(w, r, status, "api_keys", view)
}

// apiKeyMadeView is the answer to a new key: the only page that ever
// shows the plain key.
type apiKeyMadeView struct {
	web.Layout
	Key   *fieldportal.APIKey
	Plain string
}

// handleAPIKeyCreate makes a key and shows it once, on the answer page
// itself: no redirect, so the key is in no address, history or log.
func (c *Console) handleAPIKeyCreate(w http.ResponseWriter, r *http.Request) {
	if !c.kit.ParseForm(w, r) {
		return
	}
	v, ok := c.needAdmin(w, r, apiKeyWhat)
	if !ok {
		return
	}
	name := r.PostForm.Get("name")
	scope := fieldportal.APIKeyScope(r.PostForm.Get("scope"))
	plain, key, err := c.svc.APIKeys.CreateAPIKey(r.Context(), v, name, scope)
	if fieldportal.ErrorCode(err) == fieldportal.EINVALID {
		c.renderAPIKeys(w, r, http.StatusBadRequest, strings.TrimSpace(name), scope, web.ErrorsOf(err))
		return
	} else if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	c.pages.Render(w, r, http.StatusOK, "api_key_made", apiKeyMadeView{Layout: c.layout(r, "API key made"), Key: key, Plain: plain})
}

// apiKeyRevokeView asks before a key is revoked.
type apiKeyRevokeView struct {
	web.Layout
	Key *fieldportal.APIKey
}

// findAPIKey returns the organisation's key id (revoked or not); keys
// are few, so the list is read.
func (c *Console) findAPIKey(r *http.Request, v fieldportal.Viewer, id string) (*fieldportal.APIKey, error) {
	keys, err := c.svc.APIKeys.FindAPIKeys(r.Context(), v)
	if err != nil {
		return nil, err
	}
	for _, k := range keys {
		if k.ID == id {
			return k, nil
		}
	}
	return nil, fieldportal.NotFound("API key")
}

func (c *Console) handleAPIKeyRevokeConfirm(w http.ResponseWriter, r *http.Request) {
	v, ok := c.needAdmin(w, r, apiKeyWhat)
	if !ok {
		return
	}
	k, err := c.findAPIKey(r, v, r.PathValue("id"))
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	if !k.RevokedAt.IsZero() {
		http.Redirect(w, r, "/console/api-keys?done=revoked", http.StatusSeeOther)
		return
	}
	c.pages.Render(w, r, http.StatusOK, "api_key_revoke", apiKeyRevokeView{Layout: c.layout(r, "Revoke API key"), Key: k})
}

// handleAPIKeyRevoke revokes a key; the confirm page's form posts here.
func (c *Console) handleAPIKeyRevoke(w http.ResponseWriter, r *http.Request) {
	if !c.kit.ParseForm(w, r) {
		return
	}
	v, ok := c.needAdmin(w, r, apiKeyWhat)
	if !ok {
		return
	}
	if r.PostForm.Get("action") != "revoke" {
		c.kit.Error(w, r, fieldportal.Errorf(fieldportal.EINVALID, "Unknown action."))
		return
	}
	if err := c.svc.APIKeys.RevokeAPIKey(r.Context(), v, r.PathValue("id")); err != nil {
		c.kit.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/api-keys?done=revoked", http.StatusSeeOther)
}
