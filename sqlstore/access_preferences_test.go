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
			// A fresh address each attempt, so none is taken.
			name: "RequestEmailChange", covers: []string{"PreferencesService.RequestEmailChange"}, targets: ownOrg,
			try: func(t *testing.T, v fieldportal.Viewer, _ string) ([]string, error) {
				return justErr(acc.RequestEmailChange(ctx, v, "moved-"+w.next()+"@example.test"))
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
