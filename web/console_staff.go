package web

import (
	"net/http"
	"strings"

	"github.com/fieldportal/fieldportal"
)

// The console's own accounts: a staff user changes its password; admins
// add staff, change roles and disable accounts.

type consoleAccountView struct {
	Layout
	Notice   string
	Errors   []fieldportal.FieldError
	Email    string
	Role     string
	Current  FieldView
	Password FieldView
	Confirm  FieldView
	Policy   string
}

func (s *Server) handleConsoleAccount(w http.ResponseWriter, r *http.Request) {
	notice := ""
	if r.URL.Query().Get("done") == "password" {
		notice = "Your password has been changed; your other sessions have ended."
	}
	s.renderConsoleAccount(w, r, http.StatusOK, notice, FormErrors{})
}

func (s *Server) renderConsoleAccount(w http.ResponseWriter, r *http.Request, status int, notice string, errs FormErrors) {
	ctx := r.Context()
	v, _ := ViewerFromContext(ctx)
	u, err := s.db.FindStaffByID(ctx, v.OrgID, v.StaffID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	policy, err := s.policyFor(ctx, v.OrgID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.render(w, r, status, "console_account", consoleAccountView{
		Layout: s.consoleLayout(r, "My account"), Notice: notice, Errors: errs.List("current", "password", "confirm"),
		Email: u.Email, Role: string(u.Role),
		Current:  field("current", "Current password", "password", "", "current-password", errs),
		Password: field("password", "New password", "password", "", "new-password", errs),
		Confirm:  field("confirm", "Repeat the new password", "password", "", "new-password", errs),
		Policy:   policy.Describe(),
	})
}

// handleConsoleAccountPassword changes the staff user's own password.
// Every session of the account ends (SPEC §2.7's rule, kept for staff
// too); this browser gets a fresh one.
func (s *Server) handleConsoleAccountPassword(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	ctx := r.Context()
	v, _ := ViewerFromContext(ctx)
	u, err := s.db.FindStaffByID(ctx, v.OrgID, v.StaffID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	policy, err := s.policyFor(ctx, v.OrgID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	errs := FormErrors{}
	current, password := r.PostForm.Get("current"), r.PostForm.Get("password")
	if ok, verr := s.verifyPassword(ctx, u.PasswordHash, current); verr == errBusy {
		s.Error(w, r, verr)
		return
	} else if verr != nil || !ok {
		errs["current"] = "The current password is not right."
	}
	checkNewPassword(policy, errs, password, r.PostForm.Get("confirm"), u.Email, u.Name)
	if errs.Has() {
		s.renderConsoleAccount(w, r, http.StatusBadRequest, "", errs)
		return
	}
	hash, err := s.hashPassword(ctx, password)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if err := s.db.SetStaffPassword(ctx, v.OrgID, u.ID, hash); err != nil {
		s.Error(w, r, err)
		return
	}
	if err := s.newSession(w, r, consoleCookie, "/console", &fieldportal.Session{OrgID: v.OrgID, StaffID: u.ID}); err != nil {
		s.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/account?done=password", http.StatusSeeOther)
}

type consoleStaffView struct {
	Layout
	Notice   string
	Errors   []fieldportal.FieldError
	Staff    []staffRow
	Email    FieldView
	Name     FieldView
	Role     string
	Password FieldView
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
}

func (s *Server) handleConsoleStaff(w http.ResponseWriter, r *http.Request) {
	s.renderConsoleStaff(w, r, http.StatusOK, nil, FormErrors{})
}

func (s *Server) renderConsoleStaff(w http.ResponseWriter, r *http.Request, status int, typed *fieldportal.StaffUser, errs FormErrors) {
	ctx := r.Context()
	v, _ := ViewerFromContext(ctx)
	if !v.IsAdmin() {
		s.Error(w, r, fieldportal.Errorf(fieldportal.EFORBIDDEN, "Only an admin can manage staff."))
		return
	}
	users, err := s.db.FindStaffUsers(ctx, v)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	view := consoleStaffView{Layout: s.consoleLayout(r, "Staff"), Notice: staffNotices[r.URL.Query().Get("done")],
		Errors: errs.List("email", "name", "role", "password")}
	for _, u := range users {
		row := staffRow{ID: u.ID, Name: u.Name, Email: u.Email, Role: string(u.Role), Disabled: u.Disabled, Self: u.ID == v.StaffID, LastLogin: "Never"}
		if !u.LastLoginAt.IsZero() {
			row.LastLogin = u.LastLoginAt.In(orgLocation(r)).Format("2 Jan 2006 15:04")
		}
		view.Staff = append(view.Staff, row)
	}
	if typed == nil {
		typed = &fieldportal.StaffUser{Role: fieldportal.RoleStaff}
	}
	view.Email = field("email", "Email address", "email", typed.Email, "off", errs)
	view.Name = field("name", "Name", "text", typed.Name, "off", errs)
	view.Role = string(typed.Role)
	view.Password = field("password", "Initial password", "password", "", "new-password", errs)
	if policy, err := s.policyFor(ctx, v.OrgID); err == nil {
		view.Password.Hint = policy.Describe()
	}
	s.render(w, r, status, "console_staff", view)
}

// handleConsoleStaffAdd adds a staff user with an initial password.
func (s *Server) handleConsoleStaffAdd(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	ctx := r.Context()
	v, _ := ViewerFromContext(ctx)
	if !v.IsAdmin() {
		s.Error(w, r, fieldportal.Errorf(fieldportal.EFORBIDDEN, "Only an admin can manage staff."))
		return
	}
	u := &fieldportal.StaffUser{Email: strings.TrimSpace(r.PostForm.Get("email")), Name: strings.TrimSpace(r.PostForm.Get("name")),
		Role: fieldportal.StaffRole(r.PostForm.Get("role"))}
	errs := FormErrors{}
	if err := u.Validate(); err != nil {
		errs = formErrors(err)
	}
	policy, err := s.policyFor(ctx, v.OrgID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	password := r.PostForm.Get("password")
	if password == "" {
		errs["password"] = "Enter an initial password."
	} else if err := policy.Check(password, u.Email, u.Name); err != nil {
		errs["password"] = fieldportal.ErrorMessage(err)
	}
	if !errs.Has() {
		if u.PasswordHash, err = s.hashPassword(ctx, password); err != nil {
			s.Error(w, r, err)
			return
		}
		if err := s.db.CreateStaffUser(ctx, v, u); err != nil {
			if fieldportal.ErrorCode(err) != fieldportal.EINVALID {
				s.Error(w, r, err)
				return
			}
			errs = formErrors(err)
		}
	}
	if errs.Has() {
		s.renderConsoleStaff(w, r, http.StatusBadRequest, u, errs)
		return
	}
	http.Redirect(w, r, "/console/staff?done=added", http.StatusSeeOther)
}

// handleConsoleStaffUpdate changes a staff user's role or disables or
// enables it. An admin cannot disable or demote itself, so an
// organisation is never left without an admin by accident.
func (s *Server) handleConsoleStaffUpdate(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	ctx := r.Context()
	v, _ := ViewerFromContext(ctx)
	if !v.IsAdmin() {
		s.Error(w, r, fieldportal.Errorf(fieldportal.EFORBIDDEN, "Only an admin can manage staff."))
		return
	}
	u, err := s.db.FindStaffByID(ctx, v.OrgID, r.PathValue("id"))
	if err != nil {
		s.Error(w, r, err)
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
		s.Error(w, r, fieldportal.Errorf(fieldportal.EINVALID, "Unknown action."))
		return
	}
	if u.ID == v.StaffID && (u.Disabled || u.Role != fieldportal.RoleAdmin) {
		s.renderConsoleStaff(w, r, http.StatusBadRequest, nil, FormErrors{"": "You cannot disable your own account or take away your own admin role."})
		return
	}
	if err := s.db.UpdateStaffUser(ctx, v, u); err != nil {
		if fieldportal.ErrorCode(err) == fieldportal.EINVALID {
			s.renderConsoleStaff(w, r, http.StatusBadRequest, nil, formErrors(err))
			return
		}
		s.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/staff?done="+done, http.StatusSeeOther)
}
