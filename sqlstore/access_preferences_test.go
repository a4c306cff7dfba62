package sqlstore_test

import (
	"testing"

	"github.com/fieldportal/fieldportal"
)

// The write matrix's rows of a contact's own preferences (issue 20): only
// a live contact has any; the forged and disabled viewers' contacts are
// not found, and nobody else is a contact with details of its own.

func (w *writeWorld) preferenceRows() []writeRow {
	ctx, acc := w.ctx, w.a
	own := eachKind(succeeds, map[string]outcome{"forged": notFound, "disabled": notFound, "anonymous": forbidden,
		"staff": forbidden, "admin": forbidden, "otheradmin": forbidden})
	return []writeRow{
		{
			name: "FindMyPreferences", covers: []string{"PreferencesService.FindMyPreferences"}, targets: ownOrg,
			try: func(t *testing.T, v fieldportal.Viewer, _ string) ([]string, error) {
				return errOnly(acc.FindMyPreferences(ctx, v))
			},
			want: own,
		},
		{
			// A fresh address each attempt, so none is taken, and the
			// viewer's password set beforehand to the one given, so that
			// only who asks decides.
			name: "RequestEmailChange", covers: []string{"PreferencesService.RequestEmailChange"}, targets: ownOrg,
			try: func(t *testing.T, v fieldportal.Viewer, _ string) ([]string, error) {
				w.mustOwnPassword(t, v)
				return justErr(acc.RequestEmailChange(ctx, v, fieldportal.EmailChangeRequest{Email: "moved-" + w.next() + "@example.test",
					CurrentPassword: goodPassword, ClientAddr: "192.0.2.7"}))
			},
			want: own,
		},
		{
			name: "SaveMailChoices", covers: []string{"PreferencesService.SaveMailChoices"}, targets: ownOrg,
			try: func(t *testing.T, v fieldportal.Viewer, _ string) ([]string, error) {
				return justErr(acc.SaveMailChoices(ctx, v, []fieldportal.MailKind{fieldportal.MailQuoteSent}))
			},
			want: own,
		},
	}
}

// mustOwnPassword sets a contact viewer's login's password, or a staff
// viewer's, to goodPassword (another row may have changed it); a forged
// viewer's login is of B, so it is set where it is.
func (w *writeWorld) mustOwnPassword(t *testing.T, v fieldportal.Viewer) {
	t.Helper()
	hash := MustHash(t, goodPassword)
	if v.Kind() == fieldportal.ViewerStaff {
		if err := w.db.SetStaffPassword(w.ctx, v.OrgID, v.StaffID, hash); err != nil {
			t.Fatal(err)
		}
		return
	}
	if !v.IsContact() {
		return
	}
	for _, org := range []string{w.orgA, w.orgB} {
		if err := w.db.SetLoginPassword(w.ctx, org, v.LoginID, hash, false); err != nil && code(err) != fieldportal.ENOTFOUND {
			t.Fatal(err)
		}
	}
}
