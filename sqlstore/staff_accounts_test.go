package sqlstore_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

func TestStaffAccounts(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		f := mustAccounts(t, db)
		contact := f.viewers["parent"]

		t.Run("admins list the staff; nobody else", func(t *testing.T) {
			list, err := f.a.FindStaffUsers(ctx, f.admin)
			names := idsOf(list, func(u *fieldportal.StaffUser) string { return u.Name })
			if diff := cmp.Diff([]string{"Boss", "Desk"}, names); err != nil || diff != "" {
				t.Errorf("err %v; (-want +got):\n%s", err, diff)
			}
			for name, v := range map[string]fieldportal.Viewer{"staff": f.staff, "contact": contact} {
				if _, err := f.a.FindStaffUsers(ctx, v); code(err) != fieldportal.EFORBIDDEN {
					t.Errorf("%s: err = %v", name, err)
				}
			}
		})
		t.Run("anyone reads their own account, an admin any", func(t *testing.T) {
			for _, tc := range []struct {
				name string
				v    fieldportal.Viewer
				id   string
				want string
			}{
				{"own", f.staff, f.staff.StaffID, ""},
				{"another's", f.staff, f.admin.StaffID, fieldportal.EFORBIDDEN},
				{"admin", f.admin, f.staff.StaffID, ""},
				{"contact", contact, f.staff.StaffID, fieldportal.EFORBIDDEN},
				{"unknown", f.admin, "nope", fieldportal.ENOTFOUND},
			} {
				u, err := f.a.FindStaffUser(ctx, tc.v, tc.id)
				if code(err) != tc.want || (err == nil && u.ID != tc.id) {
					t.Errorf("%s: %+v, %v; want %q", tc.name, u, err, tc.want)
				}
			}
		})
		t.Run("adding names every bad field", func(t *testing.T) {
			err := f.a.AddStaffUser(ctx, f.admin, &fieldportal.StaffUser{Email: "bad", Role: "boss"}, "weak")
			if diff := cmp.Diff([]string{"email", "name", "role", "password"}, fieldsOf(err)); diff != "" {
				t.Errorf("err %v; fields (-want +got):\n%s", err, diff)
			}
			err = f.a.AddStaffUser(ctx, f.admin, &fieldportal.StaffUser{Email: "new@op.test", Name: "New", Role: fieldportal.RoleStaff}, "")
			if messageOf(err, "password") != "Enter an initial password." {
				t.Errorf("err = %v", err)
			}
		})
		t.Run("an admin adds a staff user who can sign in", func(t *testing.T) {
			u := &fieldportal.StaffUser{Email: " new@op.test ", Name: " New ", Role: fieldportal.RoleStaff}
			if err := f.a.AddStaffUser(ctx, f.admin, u, "Start-pass-1"); err != nil {
				t.Fatal(err)
			}
			if _, err := f.a.StaffSignIn(ctx, fieldportal.SignInRequest{OrgID: f.orgA, Name: "new@op.test", Password: "Start-pass-1"}); err != nil {
				t.Errorf("sign in: %v", err)
			}
			dup := &fieldportal.StaffUser{Email: "NEW@op.test", Name: "Dup", Role: fieldportal.RoleStaff}
			if err := f.a.AddStaffUser(ctx, f.admin, dup, "Start-pass-1"); code(err) != fieldportal.EINVALID || fieldsOf(err)[0] != "email" {
				t.Errorf("a taken email: %v", err)
			}
			if err := f.a.AddStaffUser(ctx, f.staff, &fieldportal.StaffUser{Email: "x@op.test", Name: "X", Role: fieldportal.RoleAdmin}, "Start-pass-1"); code(err) != fieldportal.EFORBIDDEN {
				t.Errorf("by non-admin staff: %v", err)
			}
		})
		t.Run("an admin cannot disable or demote itself", func(t *testing.T) {
			for name, change := range map[string]func(*fieldportal.StaffUser){
				"disable": func(u *fieldportal.StaffUser) { u.Disabled = true },
				"demote":  func(u *fieldportal.StaffUser) { u.Role = fieldportal.RoleStaff },
			} {
				u, _ := db.FindStaffByID(ctx, f.orgA, f.admin.StaffID)
				change(u)
				err := f.a.UpdateStaffUser(ctx, f.admin, u)
				if code(err) != fieldportal.EINVALID || fieldportal.ErrorMessage(err) != "You cannot disable your own account or take away your own admin role." {
					t.Errorf("%s: err = %v", name, err)
				}
			}
			if u, _ := db.FindStaffByID(ctx, f.orgA, f.admin.StaffID); u.Disabled || u.Role != fieldportal.RoleAdmin {
				t.Errorf("saved %+v", u)
			}
		})
		t.Run("an admin disables another, whose sessions end", func(t *testing.T) {
			s, err := f.a.StaffSignIn(ctx, fieldportal.SignInRequest{OrgID: f.orgA, Name: "desk@op.test", Password: goodPassword})
			if err != nil {
				t.Fatal(err)
			}
			u, _ := db.FindStaffByID(ctx, f.orgA, f.staff.StaffID)
			u.Disabled = true
			if err := f.a.UpdateStaffUser(ctx, f.staff, u); code(err) != fieldportal.EFORBIDDEN {
				t.Errorf("by itself, not an admin: %v", err)
			}
			if err := f.a.UpdateStaffUser(ctx, f.admin, u); err != nil {
				t.Fatal(err)
			}
			if _, err := f.a.StaffSession(ctx, f.orgA, s.Token); code(err) != fieldportal.ENOTFOUND {
				t.Errorf("the session: %v", err)
			}
		})
	})
}
