package sqlstore_test

import (
	"testing"

	"github.com/fieldportal/fieldportal"
)

// The write matrix's rows of second factors (issue 21): every live login,
// a contact's or a staff user's, keeps its own; the forged and disabled
// viewers' logins are not found; staff remove a contact's within their
// organisation, and admins a staff user's.

func (w *writeWorld) secondFactorRows() []writeRow {
	ctx, db, acc := w.ctx, w.db, w.a
	own := eachKind(succeeds, map[string]outcome{"forged": notFound, "disabled": notFound, "anonymous": unauthorized,
		"staff": succeeds, "admin": succeeds, "otheradmin": succeeds})
	// factorAt gives a target's account a confirmed second factor (the
	// secret's text does not matter to who may remove it).
	factorAt := func(t *testing.T, col, id, orgID string) {
		t.Helper()
		if _, err := db.SQL().Exec(`DELETE FROM totp_secrets WHERE `+col+` = $1`, id); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SQL().Exec(`INSERT INTO totp_secrets (id, org_id, `+col+`, secret, confirmed_at, created_at)
			VALUES ($1, $2, $3, 'v1:x', $4, $4)`, w.next()+w.ghostID, orgID, id, w.clk.now); err != nil {
			t.Fatal(err)
		}
	}
	contactAt := once(func(t *testing.T, target string) *fieldportal.Contact {
		if target == ghost {
			return &fieldportal.Contact{ID: w.ghostID}
		}
		c := w.mustContact(t, target, "factor")
		l := &fieldportal.PortalLogin{ContactID: c.ID, Username: c.Email, Status: fieldportal.LoginActive, PasswordHash: MustHash(t, goodPassword),
			Pages: fieldportal.AllModules, SiteAccess: fieldportal.SiteAccessAll}
		if err := db.CreatePortalLogin(ctx, w.sysOf(target), l); err != nil {
			t.Fatal(err)
		}
		return c
	})
	contactFactor := func(t *testing.T, target string) string {
		c := contactAt(t, target)
		if target != ghost {
			l, err := db.FindLoginByContact(ctx, w.sysOf(target), c.ID)
			if err != nil {
				t.Fatal(err)
			}
			factorAt(t, "login_id", l.ID, w.orgOf(target))
		}
		return c.ID
	}
	staffFactor := func(t *testing.T, target string) string {
		id, ok := w.staffID[target]
		if !ok {
			return w.ghostID
		}
		factorAt(t, "staff_id", id, w.sqlOrg(targetOrg[target]))
		return id
	}
	return []writeRow{
		{
			name: "MySecondFactor", covers: []string{"SecondFactorService.MySecondFactor"}, targets: ownOrg,
			try: func(t *testing.T, v fieldportal.Viewer, _ string) ([]string, error) {
				return errOnly(acc.MySecondFactor(ctx, v))
			},
			want: own,
		},
		{
			// Begun, then confirmed with the first code of the secret
			// given (the viewer's factor taken away first).
			name: "BeginTOTP, PendingTOTP and ConfirmTOTP", targets: ownOrg,
			covers: []string{"SecondFactorService.BeginTOTP", "SecondFactorService.PendingTOTP", "SecondFactorService.ConfirmTOTP"},
			try: func(t *testing.T, v fieldportal.Viewer, _ string) ([]string, error) {
				w.mustOwnSignInPassword(t, v)
				w.dropOwnFactor(t, v)
				k, err := acc.BeginTOTP(ctx, v, goodPassword)
				if err != nil {
					return nil, err
				}
				if _, err := acc.PendingTOTP(ctx, v); err != nil {
					return nil, err
				}
				return errOnly(acc.ConfirmTOTP(ctx, v, codeAt(t, k.Secret, w.clk.now)))
			},
			want: own,
		},
		{
			name: "RegenerateRecoveryCodes", covers: []string{"SecondFactorService.RegenerateRecoveryCodes"}, targets: ownOrg,
			try: func(t *testing.T, v fieldportal.Viewer, _ string) ([]string, error) {
				w.mustOwnFactor(t, v)
				return errOnly(acc.RegenerateRecoveryCodes(ctx, v, goodPassword))
			},
			want: own,
		},
		{
			name: "DisableTOTP", covers: []string{"SecondFactorService.DisableTOTP"}, targets: ownOrg,
			try: func(t *testing.T, v fieldportal.Viewer, _ string) ([]string, error) {
				w.mustOwnFactor(t, v)
				return justErr(acc.DisableTOTP(ctx, v, goodPassword))
			},
			want: own,
		},
		{
			name: "ContactHasSecondFactor", covers: []string{"SecondFactorService.ContactHasSecondFactor"}, targets: contactTargets,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				return errOnly(acc.ContactHasSecondFactor(ctx, v, contactFactor(t, target)))
			},
			want: operatorOnly(ofCustomer, notFound),
		},
		{
			name: "RemoveContactSecondFactor", covers: []string{"SecondFactorService.RemoveContactSecondFactor"}, targets: contactTargets,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				return justErr(acc.RemoveContactSecondFactor(ctx, v, contactFactor(t, target)))
			},
			want: operatorOnly(ofCustomer, notFound),
		},
		{
			name: "StaffHasSecondFactor", covers: []string{"SecondFactorService.StaffHasSecondFactor"}, targets: []string{"clerk", "otherclerk", ghost},
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				return errOnly(acc.StaffHasSecondFactor(ctx, v, staffFactor(t, target)))
			},
			want: adminOnly(inOrg, notFound),
		},
		{
			name: "RemoveStaffSecondFactor", covers: []string{"SecondFactorService.RemoveStaffSecondFactor"}, targets: []string{"clerk", "otherclerk", ghost},
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				return justErr(acc.RemoveStaffSecondFactor(ctx, v, staffFactor(t, target)))
			},
			want: adminOnly(inOrg, notFound),
		},
	}
}

// sqlOrg is the id of organisation "A" or "B".
func (w *writeWorld) sqlOrg(name string) string {
	if name == "B" {
		return w.orgB
	}
	return w.orgA
}

// mustOwnSignInPassword sets the viewer's own password, a contact's or a
// staff user's, to goodPassword: setting up a factor asks for it.
func (w *writeWorld) mustOwnSignInPassword(t *testing.T, v fieldportal.Viewer) {
	t.Helper()
	w.mustOwnPassword(t, v)
	if v.Kind() == fieldportal.ViewerStaff {
		if err := w.db.SetStaffPassword(w.ctx, v.OrgID, v.StaffID, MustHash(t, goodPassword)); err != nil {
			t.Fatal(err)
		}
	}
}

// dropOwnFactor takes the viewer's own second factor away, whatever it is.
func (w *writeWorld) dropOwnFactor(t *testing.T, v fieldportal.Viewer) {
	t.Helper()
	col, id := "login_id", v.LoginID
	if v.Kind() == fieldportal.ViewerStaff {
		col, id = "staff_id", v.StaffID
	}
	if _, err := w.db.SQL().Exec(`DELETE FROM totp_secrets WHERE `+col+` = $1`, id); err != nil {
		t.Fatal(err)
	}
}

// mustOwnFactor sets the viewer's password to goodPassword and turns its
// authenticator codes on, where it has an account of its own at all.
func (w *writeWorld) mustOwnFactor(t *testing.T, v fieldportal.Viewer) {
	t.Helper()
	w.mustOwnSignInPassword(t, v)
	w.dropOwnFactor(t, v)
	k, err := w.a.BeginTOTP(w.ctx, v, goodPassword)
	if err != nil {
		return // no account of its own: the row's call says so
	}
	if _, err := w.a.ConfirmTOTP(w.ctx, v, codeAt(t, k.Secret, w.clk.now)); err != nil {
		t.Fatal(err)
	}
}
