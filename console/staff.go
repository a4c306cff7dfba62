package console

import (
	"net/http"
	"strings"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// The console's own accounts: a staff user changes its password; admins
// add staff, change roles and disable accounts.

type accountView struct {
	web.Layout
	Notice   string
	Errors   []fieldportal.FieldError
	Email    string
	Role     string
	Current  web.FieldView
	Password web.FieldView
	Confirm  web.FieldView
	Policy   string
	// Passkeys lists the staff user's passkeys with the add form.
	Passkeys web.PasskeyList
	// Profile is the display name and photo customers see (visit.go).
	Profile *web.StaffProfileForm
}

func (c *Console) handleAccount(w http.ResponseWriter, r *http.Request) {
	c.renderAccount(w, r, http.StatusOK, accountNotices[r.URL.Query().Get("done")], web.FormErrors{})
}

// accountNotices are the messages of ?done=, chosen by the server.
var accountNotices = map[string]string{
	"password":        "Your password has been changed; your other sessions have ended.",
	"passkey_added":   "Your passkey has been added. You can sign in with it now.",
	"passkey_renamed": "Your passkey has been renamed.",
	"passkey_removed": "Your passkey has been removed.",
	"profile":         "Your profile has been saved.",
}

func (c *Console) renderAccount(w http.ResponseWriter, r *http.Request, status int, notice string, errs web.FormErrors) {
	c.renderAccountWith(w, r, status, notice, errs, nil)
}

// renderAccountWith renders My account; passkeys, when not nil, is the
// passkey list with a failed add form's errors.
func (c *Console) renderAccountWith(w http.ResponseWriter, r *http.Request, status int, notice string, errs web.FormErrors, passkeys *web.PasskeyList) {
	v, _ := web.ViewerFromContext(r.Context())
	if passkeys == nil {
		list, err := c.passkeys().List(r, web.FormErrors{}, "")
		if err != nil {
			c.kit.Error(w, r, err)
			return
		}
		passkeys = &list
	}
	u, err := c.svc.Staff.FindStaffUser(r.Context(), v, v.StaffID)
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	hint, err := c.svc.SignIn.PasswordPolicyHint(r.Context(), v.OrgID)
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	profile, errs := staffProfileForm(r, u, errs)
	c.pages.Render(w, r, status, "account", accountView{
		Layout: c.layout(r, "My account"), Notice: notice, Errors: errs.List("current", "password", "confirm"), Profile: profile,
		Email: u.Email, Role: string(u.Role),
		Current:  web.Field("current", "Current password", "password", "", "current-password", errs),
		Password: web.Field("password", "New password", "password", "", "new-password", errs),
		Confirm:  web.Field("confirm", "Repeat the new password", "password", "", "new-password", errs),
		Policy:   hint, Passkeys: *passkeys,
	})
}

// handleAccountPassword changes the staff user's own password. Every
// session of the account ends (SPEC §2.7's rule, kept for staff too);
// this browser gets a fresh one.
func (c *Console) handleAccountPassword(w http.ResponseWriter, r *http.Request) {
	if !c.kit.ParseForm(w, r) {
		return
	}
	v, _ := web.ViewerFromContext(r.Context())
	s, err := c.svc.SignIn.ChangePassword(r.Context(), v, c.kit.PasswordChange(c.door, r))
	if web.IsFormError(err) {
		c.renderAccount(w, r, web.StatusFor(fieldportal.ErrorCode(err)), "", web.ErrorsOf(err))
		return
	} else if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	c.kit.StartSession(c.door, w, s)
	http.Redirect(w, r, "/console/account?done=password", http.StatusSeeOther)
}

type staffView struct {
	web.Layout
	Notice   string
	Errors   []fieldportal.FieldError
	Staff    []staffRow
	Email    web.FieldView
	Name     web.FieldView
	Role     string
	Password web.FieldView
}

type staffRow struct {
	ID, Name, Email, Role, LastLogin string
	Disabled, Self                   bool
}

var staffNotices = map[string]string{
	"added":    "Staff user added. Give them their initial password in person or by phone.",
	"saved":    "Staff user saved.",
	"disabled": "Staff user disabled and signed out everywhere.",
	"enabled":  "Staff user enabled.",
	"factor":   "Second factor removed; the staff user has been signed out everywhere and told by email.",
}

func (c *Console) handleStaff(w http.ResponseWriter, r *http.Request) {
	c.renderStaff(w, r, http.StatusOK, nil, web.FormErrors{})
}

func (c *Console) renderStaff(w http.ResponseWriter, r *http.Request, status int, typed *fieldportal.StaffUser, errs web.FormErrors) {
	v, ok := c.needAdmin(w, r, "manage staff")
	if !ok {
		return
	}
	users, err := c.svc.Staff.FindStaffUsers(r.Context(), v)
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	view := staffView{Layout: c.layout(r, "Staff"), Notice: staffNotices[r.URL.Query().Get("done")],
		Errors: errs.List("email", "name", "role", "password")}
	loc := web.OrgLocation(r)
	for _, u := range users {
		row := staffRow{ID: u.ID, Name: u.Name, Email: u.Email, Role: string(u.Role), Disabled: u.Disabled, Self: u.ID == v.StaffID, LastLogin: "Never"}
		if !u.LastLoginAt.IsZero() {
			row.LastLogin = web.FormatDateTime(u.LastLoginAt.In(loc))
		}
		view.Staff = append(view.Staff, row)
	}
	if typed == nil {
		typed = &fieldportal.StaffUser{Role: fieldportal.RoleStaff}
	}
	view.Email = web.Field("email", "Email address", "email", typed.Email, "off", errs)
	view.Name = web.Field("name", "Name", "text", typed.Name, "off", errs)
	view.Role = string(typed.Role)
	view.Password = web.Field("password", "Initial password", "password", "", "new-password", errs)
	if hint, err := c.svc.SignIn.PasswordPolicyHint(r.Context(), v.OrgID); err == nil {
		view.Password.Hint = hint
	}
	c.pages.Render(w, r, status, "staff", view)
}

// handleStaffAdd adds a staff user with an initial password.
func (c *Console) handleStaffAdd(w http.ResponseWriter, r *http.Request) {
	if !c.kit.ParseForm(w, r) {
		return
	}
	v, ok := c.needAdmin(w, r, "manage staff")
	if !ok {
		return
	}
	u := &fieldportal.StaffUser{Email: strings.TrimSpace(r.PostForm.Get("email")), Name: strings.TrimSpace(r.PostForm.Get("name")),
		Role: fieldportal.StaffRole(r.PostForm.Get("role"))}
	if err := c.svc.Staff.AddStaffUser(r.Context(), v, u, r.PostForm.Get("password")); fieldportal.ErrorCode(err) == fieldportal.EINVALID {
		c.renderStaff(w, r, http.StatusBadRequest, u, web.ErrorsOf(err))
		return
	} else if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/staff?done=added", http.StatusSeeOther)
}

// handleStaffUpdate changes a staff user's role or disables or enables
// it; the service refuses to let an admin disable or demote itself.
func (c *Console) handleStaffUpdate(w http.ResponseWriter, r *http.Request) {
	if !c.kit.ParseForm(w, r) {
		return
	}
	v, ok := c.needAdmin(w, r, "manage staff")
	if !ok {
		return
	}
	u, err := c.svc.Staff.FindStaffUser(r.Context(), v, r.PathValue("id"))
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	done := "saved"
	switch r.PostForm.Get("action") {
	case "role":
		u.Role = fieldportal.StaffRole(r.PostForm.Get("role"))
	case "disable":
		u.Disabled, done = true, "disabled"
	case "enable":
		u.Disabled, done = false, "enabled"
	default:
		c.kit.Error(w, r, fieldportal.Errorf(fieldportal.EINVALID, "Unknown action."))
		return
	}
	if err := c.svc.Staff.UpdateStaffUser(r.Context(), v, u); fieldportal.ErrorCode(err) == fieldportal.EINVALID || fieldportal.ErrorCode(err) == fieldportal.ECONFLICT {
		c.renderStaff(w, r, http.StatusBadRequest, nil, web.ErrorsOf(err))
		return
	} else if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/staff?done="+done, http.StatusSeeOther)
}
