package sqlstore_test

import (
	"testing"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/internal/passkeytest"
)

// The write matrix's rows of passkeys (issue 21): every live contact and
// staff user keeps its own; the forged and disabled viewers, and the
// anonymous, have none; nobody reaches another's passkey.

// matrixOrigin is the fixture's base URL: its organisations have no
// host of their own.
const matrixOrigin = "https://portal.example.test"

func (w *writeWorld) passkeyRows() []writeRow {
	ctx, acc := w.ctx, w.a
	own := eachKind(succeeds, map[string]outcome{"forged": notFound, "disabled": notFound, "anonymous": notFound,
		"staff": succeeds, "admin": succeeds, "otheradmin": succeeds})
	onlyParent := eachKind(notFound, map[string]outcome{"parent": succeeds, "forged": notFound, "disabled": notFound,
		"anonymous": notFound, "staff": notFound, "admin": notFound, "otheradmin": notFound})
	// parentKey adds a passkey to the parent's login for an attempt.
	parentKey := func(t *testing.T) string {
		v := w.kinds["parent"]
		w.mustOwnPassword(t, v)
		c, err := acc.BeginPasskeyRegistration(ctx, v, rightPassword)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := passkeytest.New().Create(c.Options, matrixOrigin)
		if err != nil {
			t.Fatal(err)
		}
		p, err := acc.FinishPasskeyRegistration(ctx, v, fieldportal.PasskeyRegistration{Ceremony: c.Token, Name: "Parent's " + w.next(), Response: resp})
		if err != nil {
			t.Fatal(err)
		}
		return p.ID
	}
	return []writeRow{
		{
			name: "FindMyPasskeys", covers: []string{"PasskeyService.FindMyPasskeys"}, targets: ownOrg,
			try: func(t *testing.T, v fieldportal.Viewer, _ string) ([]string, error) {
				return errOnly(acc.FindMyPasskeys(ctx, v))
			},
			want: own,
		},
		{
			// Registration end to end: the ceremony begun and answered
			// by a software authenticator, as the viewer.
			name: "RegisterPasskey", covers: []string{"PasskeyService.BeginPasskeyRegistration", "PasskeyService.FinishPasskeyRegistration"},
			targets: ownOrg,
			try: func(t *testing.T, v fieldportal.Viewer, _ string) ([]string, error) {
				w.mustOwnPassword(t, v)
				c, err := acc.BeginPasskeyRegistration(ctx, v, rightPassword)
				if err != nil {
					return nil, err
				}
				resp, err := passkeytest.New().Create(c.Options, matrixOrigin)
				if err != nil {
					t.Fatal(err)
				}
				return errOnly(acc.FinishPasskeyRegistration(ctx, v, fieldportal.PasskeyRegistration{Ceremony: c.Token, Name: "Key " + w.next(), Response: resp}))
			},
			want: own,
		},
		{
			name: "RenamePasskey", covers: []string{"PasskeyService.RenamePasskey"}, targets: ownOrg,
			try: func(t *testing.T, v fieldportal.Viewer, _ string) ([]string, error) {
				return justErr(acc.RenamePasskey(ctx, v, parentKey(t), "Renamed "+w.next()))
			},
			want: onlyParent,
		},
		{
			name: "RemovePasskey", covers: []string{"PasskeyService.RemovePasskey"}, targets: ownOrg,
			try: func(t *testing.T, v fieldportal.Viewer, _ string) ([]string, error) {
				return justErr(acc.RemovePasskey(ctx, v, parentKey(t)))
			},
			want: onlyParent,
		},
	}
}
