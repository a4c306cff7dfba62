// Package demo fills a fresh database with the demo organisation and its
// records for `fieldportal demo`.
//
// STUB: this creates only the organisation; the real package, with the
// realistic data and working logins, replaces this file.
package demo

import (
	"context"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
)

// Password is the password of every demo login (SPEC §8).
const Password = "Demo-pass-1"

// Login is one demo sign-in to print for the person trying the demo.
type Login struct {
	Email    string
	Password string
	// Who says what the login shows, e.g. "operator admin (console)".
	Who string
}

// Logins are the demo sign-ins, in the order to print them.
type Logins []Login

// Load fills db, which must hold no organisation yet, with the demo data
// dated around now, and returns the logins.
func Load(ctx context.Context, db *sqlstore.DB, now time.Time) (Logins, error) {
	o := &fieldportal.Organisation{Name: "Brightwater Fire & Security"}
	if err := db.CreateOrganisation(ctx, o); err != nil {
		return nil, err
	}
	return Logins{
		{Email: "admin@demo.test", Password: Password, Who: "operator admin (console)"},
		{Email: "parent@demo.test", Password: Password, Who: "contact at a parent customer with three sites"},
		{Email: "site@demo.test", Password: Password, Who: "contact at a child customer with one site"},
	}, nil
}
