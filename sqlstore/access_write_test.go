package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// The write matrix: every service method that changes something, or that
// reads what only some viewers may read (the operator's logs, keys and
// staff; the account workflows), tried by every kind of viewer on records
// at known places of the access world (access_test.go), with what each
// kind must get by SPEC §2. TestAccessMatrix does the same for the reads
// of customer records.
//
// Each row tries its operation at each of its targets: a site, a customer,
// an organisation or a staff user of the world, and "ghost", a record that
// does not exist. Besides the outcome of each attempt, a refusal of a real
// target must be word for word the refusal of the ghost where both are
// expected alike (SPEC §2.5: out of reach answers as not existing).

// ghost is the target that names nothing.
const ghost = "ghost"

// outcome is what one attempt must get.
type outcome struct {
	code  string   // "" for success, else the error's code
	field string   // for EINVALID: the field it names (what it refers to was not found)
	sees  []string // for a read that succeeds: the names of what it returns
}

var (
	succeeds     = outcome{}
	forbidden    = outcome{code: fieldportal.EFORBIDDEN}
	notFound     = outcome{code: fieldportal.ENOTFOUND}
	unauthorized = outcome{code: fieldportal.EUNAUTHORIZED}
)

// noSuch is the refusal of a write naming a record the viewer does not
// reach: the form's field says it was not found, as for one that does not
// exist.
func noSuch(field string) outcome { return outcome{code: fieldportal.EINVALID, field: field} }

// sees is the success of a read returning exactly the records named.
func sees(names ...string) outcome { return outcome{sees: names} }

func (o outcome) String() string {
	switch {
	case o.code == "" && o.sees != nil:
		return fmt.Sprintf("success seeing %v", o.sees)
	case o.code == "":
		return "success"
	case o.field != "":
		return o.code + " on " + o.field
	}
	return o.code
}

func (o outcome) same(p outcome) bool {
	return o.code == p.code && o.field == p.field && slices.Equal(o.sees, p.sees)
}

// check reports an attempt's result that is not o.
func (o outcome) check(t *testing.T, target string, seen []string, err error) {
	t.Helper()
	switch {
	case o.code == "" && err != nil:
		t.Errorf("%s: %v, want %s", target, err, o)
	case o.code != "" && fieldportal.ErrorCode(err) != o.code:
		t.Errorf("%s: err = %v, want %s", target, err, o)
	case o.code == fieldportal.EINVALID && fieldOf(err) != o.field:
		t.Errorf("%s: err = %v, want %s", target, err, o)
	case o.code == "":
		slices.Sort(seen)
		want := slices.Sorted(slices.Values(o.sees))
		if diff := cmp.Diff(want, seen, cmpEmpty); diff != "" {
			t.Errorf("%s: seen (-want +got):\n%s", target, diff)
		}
	}
}

// sameAnswer reports whether two refusals say the same thing.
func sameAnswer(a, b error) bool {
	var ea, eb *fieldportal.Error
	if errors.As(a, &ea) && errors.As(b, &eb) {
		return cmp.Equal(*ea, *eb)
	}
	return a != nil && b != nil && a.Error() == b.Error()
}

// actor is what SPEC §2 gives a kind of viewer of the write matrix.
type actor struct {
	contact   bool     // a contact's viewer, however stale or forged
	staff     bool     // operator staff (rule 8: the whole organisation)
	admin     bool     // an operator admin
	org       string   // "A" or "B": the organisation it acts in
	pages     bool     // it may use every module (rule 4)
	allSites  bool     // site access "all": customer-level records (rule 3)
	manages   bool     // it may manage contacts (rule 6)
	sites     []string // the sites it reaches (rules 1, 2, 8)
	customers []string // the customers it reaches (rule 1)
}

// writeKinds are the viewer kinds of the write matrix: those of the read
// matrix, with real staff users of organisation A ("staff" is a plain
// staff user, "admin" an admin), a contact allowed to manage contacts
// ("manager", at Child1), and an admin of organisation B.
var writeKinds = append(slices.Clone(viewerKinds), "admin", "manager", "otheradmin")

var actors = map[string]actor{
	"parent":   {contact: true, org: "A", pages: true, allSites: true, sites: reach["parent"], customers: customerReach["parent"]},
	"child":    {contact: true, org: "A", pages: true, allSites: true, sites: reach["child"], customers: customerReach["child"]},
	"assigned": {contact: true, org: "A", pages: true, sites: reach["assigned"], customers: customerReach["assigned"]},
	// The contact without pages reaches what the parent does, but may use
	// no module and do nothing of one.
	"nopage":   {contact: true, org: "A", allSites: true, sites: reach["parent"], customers: customerReach["parent"]},
	"solo":     {contact: true, org: "A", pages: true, allSites: true, sites: reach["solo"], customers: customerReach["solo"]},
	"otherorg": {contact: true, org: "B", pages: true, allSites: true, sites: []string{"B1", "B2"}, customers: []string{"OtherB"}},
	// The forged viewer (a login of B on A) and the disabled login's old
	// viewer carry every grant; the database gives them nothing.
	"forged":     {contact: true, org: "A", pages: true, allSites: true},
	"disabled":   {contact: true, org: "A", pages: true, allSites: true},
	"anonymous":  {org: "A"},
	"staff":      {staff: true, org: "A", pages: true, allSites: true, sites: reach["staff"], customers: customerReach["staff"]},
	"admin":      {staff: true, admin: true, org: "A", pages: true, allSites: true, sites: reach["staff"], customers: customerReach["staff"]},
	"manager":    {contact: true, org: "A", pages: true, allSites: true, manages: true, sites: reach["child"], customers: customerReach["child"]},
	"otheradmin": {staff: true, admin: true, org: "B", pages: true, allSites: true, sites: []string{"B1", "B2"}, customers: []string{"OtherB"}},
}

// targetOrg is the organisation of the targets that are neither sites nor
// customers: the organisations themselves and the staff users.
var targetOrg = map[string]string{"A": "A", "B": "B", "boss": "A", "desk": "A", "clerk": "A", "otherboss": "B", "otherclerk": "B"}

// What an actor reaches of a target (names of the world).
var (
	// atSite: a record at the target site (rules 2, 3).
	atSite = func(a actor, target string) bool { return slices.Contains(a.sites, target) }
	// ofCustomer: the target customer itself (rule 1).
	ofCustomer = func(a actor, target string) bool { return slices.Contains(a.customers, target) }
	// customerRecord: a record tied only to the target customer (rule 3).
	customerRecord = func(a actor, target string) bool { return ofCustomer(a, target) && a.allSites }
	// siteOrCustomerRecord: a record at the target site, or tied only to
	// the target customer.
	siteOrCustomerRecord = func(a actor, target string) bool { return atSite(a, target) || customerRecord(a, target) }
	// inOrg: an organisation's own record (rule 8).
	inOrg = func(a actor, target string) bool { return targetOrg[target] == a.org }
	// own: what the viewer makes in its own organisation.
	own = func(actor, string) bool { return true }
)

// rule gives the outcome a kind of viewer must get at a target.
type rule func(kind, target string) outcome

// operatorOnly is a write only the operator makes: staff act on what
// their organisation holds and find nothing of another (rule 8); contacts,
// whatever they reach, and the anonymous are refused.
func operatorOnly(reaches func(actor, string) bool, hidden outcome) rule {
	return func(kind, target string) outcome {
		a := actors[kind]
		switch {
		case !a.staff:
			return forbidden
		case reaches(a, target):
			return succeeds
		}
		return hidden
	}
}

// adminOnly is operatorOnly for admins; other staff are refused.
func adminOnly(reaches func(actor, string) bool, hidden outcome) rule {
	return func(kind, target string) outcome {
		if !actors[kind].admin {
			return forbidden
		}
		return operatorOnly(reaches, hidden)(kind, target)
	}
}

// contactAction is what a contact may do in a module it may use (rule 4),
// within its reach (rules 1-3), and staff within their organisation.
// refused is the answer to a contact that may not use the module, and
// anonymous the answer to a viewer nobody signed in as.
func contactAction(reaches func(actor, string) bool, hidden, refused, anonymous outcome) rule {
	return func(kind, target string) outcome {
		a := actors[kind]
		switch {
		case !a.contact && !a.staff:
			return anonymous
		case a.contact && !a.pages:
			return refused
		case reaches(a, target):
			return succeeds
		}
		return hidden
	}
}

// inModule is an act on a record of a module (needModule): a contact
// that may not use the module, and the anonymous, do not find it.
func inModule(reaches func(actor, string) bool) rule {
	return contactAction(reaches, notFound, notFound, notFound)
}

// managesContacts is rule 6: staff, and a contact allowed to manage
// contacts, act on contacts of the customers they reach; other contacts
// and the anonymous are refused.
func managesContacts(reaches func(actor, string) bool, hidden outcome) rule {
	return func(kind, target string) outcome {
		a := actors[kind]
		switch {
		case !a.staff && !a.manages:
			return forbidden
		case reaches(a, target):
			return succeeds
		}
		return hidden
	}
}

// byKind states each kind's outcome outright, the same at every target.
func byKind(m map[string]outcome) rule {
	return func(kind, _ string) outcome {
		o, ok := m[kind]
		if !ok {
			panic("byKind: no outcome for " + kind)
		}
		return o
	}
}

// writeRow is one row of the write matrix.
type writeRow struct {
	name string
	// covers names the service methods ("Interface.Method") the row
	// calls, as resource.covers does.
	covers []string
	// targets are where the row tries its operation.
	targets []string
	// try makes what the attempt needs (fresh records where a write
	// would disturb later attempts) and tries the operation as v; a read
	// returns the names of what it got.
	try  func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error)
	want rule
}

func TestWriteMatrix(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		w := mustWriteWorld(t, db)
		for _, r := range w.writeRows() {
			for _, kind := range writeKinds {
				t.Run(r.name+"/"+kind, func(t *testing.T) {
					got := map[string]error{}
					for _, target := range r.targets {
						seen, err := r.try(t, w.kinds[kind], target)
						got[target] = err
						r.want(kind, target).check(t, target, seen, err)
					}
					ghostErr, ok := got[ghost]
					if !ok || ghostErr == nil {
						return
					}
					for _, target := range r.targets {
						if err := got[target]; target != ghost && err != nil && r.want(kind, target).same(r.want(kind, ghost)) && !sameAnswer(err, ghostErr) {
							t.Errorf("%s answers %q, which differs from a record that does not exist: %q", target, err, ghostErr)
						}
					}
				})
			}
		}
	})
}

// writeWorld is the access world with the account workflows
// (mustAccounts), a second site of organisation B, the viewers of
// writeKinds, and what the operator's reads list: held mails, API keys,
// webhook endpoints and contacts to find.
type writeWorld struct {
	*accounts
	ctx     context.Context
	kinds   map[string]fieldportal.Viewer
	orgName map[string]string // organisation id -> "A" or "B"
	ghostID string
	// staffID holds the staff users by name (targetOrg).
	staffID map[string]string
	// seq numbers what rows make, so names and external ids never repeat.
	seq int
}

func mustWriteWorld(t *testing.T, db *sqlstore.DB) *writeWorld {
	t.Helper()
	ctx := context.Background()
	f := mustAccounts(t, db)
	w := &writeWorld{accounts: f, ctx: ctx, kinds: map[string]fieldportal.Viewer{},
		orgName: map[string]string{f.orgA: "A", f.orgB: "B"}, ghostID: sqlstore.NewID(), staffID: map[string]string{}}
	sysB := fieldportal.SystemViewer(f.orgB, "test")
	w.site["B2"] = MustSite(t, db, sysB, &fieldportal.Site{Name: "B2", CustomerID: w.cust["OtherB"].ID, Address: fieldportal.Address{Line1: "1 B2"}})

	for _, kind := range viewerKinds {
		w.kinds[kind] = f.viewers[kind]
	}
	w.kinds["staff"], w.kinds["admin"] = f.staff, f.admin
	w.staffID["desk"], w.staffID["boss"] = f.staff.StaffID, f.admin.StaffID
	w.staffID["clerk"] = f.MustStaff(t, "clerk@op.test", "Clerk", fieldportal.RoleStaff).StaffID
	staffB := func(email, name string, role fieldportal.StaffRole) fieldportal.Viewer {
		u := &fieldportal.StaffUser{Email: email, Name: name, Role: role, PasswordHash: MustHash(t, goodPassword)}
		if err := db.CreateStaffUser(ctx, sysB, u); err != nil {
			t.Fatal(err)
		}
		v, err := db.ViewerForStaff(ctx, f.orgB, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	w.kinds["otheradmin"] = staffB("boss@b.test", "Boss B", fieldportal.RoleAdmin)
	w.staffID["otherboss"] = w.kinds["otheradmin"].StaffID
	w.staffID["otherclerk"] = staffB("clerk@b.test", "Clerk B", fieldportal.RoleStaff).StaffID

	manager := &fieldportal.Contact{CustomerID: w.cust["Child1"].ID, FirstName: "manager", LastName: "Child1", Email: "manager@example.test", QuoteContact: true}
	if err := db.CreateContact(ctx, f.sys, manager); err != nil {
		t.Fatal(err)
	}
	l := &fieldportal.PortalLogin{ContactID: manager.ID, Username: "manager@example.test", Status: fieldportal.LoginActive,
		Pages: fieldportal.AllModules, SiteAccess: fieldportal.SiteAccessAll, MayManageContacts: true, PasswordHash: "x"}
	if err := db.CreatePortalLogin(ctx, f.sys, l); err != nil {
		t.Fatal(err)
	}
	var err error
	if w.kinds["manager"], err = db.ViewerForLogin(ctx, f.orgA, l.ID); err != nil {
		t.Fatal(err)
	}

	for name, org := range map[string]string{"A": f.orgA, "B": f.orgB} {
		sys := fieldportal.SystemViewer(org, "test")
		// Held mails: kept for the console's log, and made by no workflow
		// of the matrix, so the mail log rows know how many there are.
		for i := range map[string]int{"A": 2, "B": 1}[name] {
			m := &fieldportal.OutboxMessage{OrgID: org, Kind: "mail", Topic: "matrix", Recipient: fmt.Sprintf("%s%d", strings.ToLower(name), i+1), Subject: "Held"}
			if err := db.Enqueue(ctx, m); err != nil {
				t.Fatal(err)
			}
			if _, err := db.SQL().Exec(`UPDATE outbox SET status = 'held' WHERE id = $1`, m.ID); err != nil {
				t.Fatal(err)
			}
		}
		if _, _, err := db.CreateAPIKey(ctx, sys, "Key "+name, fieldportal.APIKeyWrite); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SQL().Exec(`INSERT INTO webhook_endpoints (id, org_id, url, secret, events, active, created_at, updated_at)
			VALUES ($1, $2, $3, 'secret', 'issue.created', TRUE, $4, $4)`, sqlstore.NewID(), org, hookURL(name), db.Now().UTC()); err != nil {
			t.Fatal(err)
		}
	}
	// The contacts that the contact list rows search for, one at each of
	// these customers, known by their customer's name.
	for _, c := range []string{"Parent", "Child1", "Grandchild", "Solo", "OtherB"} {
		w.mustContact(t, c, "listed")
	}
	return w
}

// hookURL is the webhook endpoint of organisation "A" or "B".
func hookURL(org string) string { return "https://" + strings.ToLower(org) + ".example.test/hook" }

// next returns a number not used before in w.
func (w *writeWorld) next() string {
	w.seq++
	return strconv.Itoa(w.seq)
}

// mustContact adds a contact to a customer of the world; its last name is
// the customer's, its first name first, and its email unique.
func (w *writeWorld) mustContact(t *testing.T, customer, first string) *fieldportal.Contact {
	t.Helper()
	c := &fieldportal.Contact{CustomerID: w.cust[customer].ID, FirstName: first, LastName: customer,
		Email: first + w.next() + "@example.test"}
	if err := w.db.CreateContact(w.ctx, w.sysOf(customer), c); err != nil {
		t.Fatalf("contact at %s: %v", customer, err)
	}
	return c
}

// orgOf returns the organisation id of a target (A for the ghost).
func (w *writeWorld) orgOf(target string) string {
	if s, ok := w.site[target]; ok {
		return s.OrgID
	}
	if c, ok := w.cust[target]; ok {
		return c.OrgID
	}
	if targetOrg[target] == "B" {
		return w.orgB
	}
	return w.orgA
}

// sysOf is the program acting in the target's organisation, which makes
// the records the rows try.
func (w *writeWorld) sysOf(target string) fieldportal.Viewer {
	return fieldportal.SystemViewer(w.orgOf(target), "test")
}

// siteID and customerID return the id of a target, or for the ghost an id
// that exists nowhere.
func (w *writeWorld) siteID(target string) string {
	if target == ghost {
		return w.ghostID
	}
	return w.site[target].ID
}

func (w *writeWorld) customerID(target string) string {
	if target == ghost {
		return w.ghostID
	}
	return w.cust[target].ID
}

// made creates a record at a target with the system viewer of its
// organisation; for the ghost it only gives the record the id of nothing.
func (w *writeWorld) made(t *testing.T, target string, id *string, create func(v fieldportal.Viewer) error) {
	t.Helper()
	if target == ghost {
		*id = w.ghostID
		return
	}
	if err := create(w.sysOf(target)); err != nil {
		t.Fatalf("make the record at %s: %v", target, err)
	}
}

// once makes a row's record at a target the first time an attempt there
// needs it; later attempts share it (writes that leave it fit for them).
func once[T any](build func(t *testing.T, target string) T) func(t *testing.T, target string) T {
	built := map[string]T{}
	return func(t *testing.T, target string) T {
		t.Helper()
		if x, ok := built[target]; ok {
			return x
		}
		x := build(t, target)
		built[target] = x
		return x
	}
}

// writeRows are the rows of TestWriteMatrix, made over w.
func (w *writeWorld) writeRows() []writeRow {
	rows := w.siteRows()
	rows = append(rows, w.workRows()...)
	rows = append(rows, w.issueRows()...)
	rows = append(rows, w.moneyRows()...)
	rows = append(rows, w.equipmentRows()...)
	rows = append(rows, w.diaryRows()...)
	rows = append(rows, w.tombstoneRows()...)
	rows = append(rows, w.operatorRows()...)
	rows = append(rows, w.accountRows()...)
	rows = append(rows, w.preferenceRows()...)
	rows = append(rows, w.passkeyRows()...)
	rows = append(rows, w.secondFactorRows()...)
	rows = append(rows, w.quoteRows()...)
	rows = append(rows, w.jobWriteRows()...)
	rows = append(rows, w.bookingRows()...)
	rows = append(rows, w.checkoutRows()...)
	rows = append(rows, w.depositRows()...)
	rows = append(rows, w.officeMoneyRows()...)
	rows = append(rows, w.webhookRows()...)
	rows = append(rows, w.portalSiteRows()...)
	rows = append(rows, w.customerTreeRows()...)
	rows = append(rows, w.auditRows()...)
	rows = append(rows, w.ssoRows()...)
	rows = append(rows, w.messageRows()...)
	rows = append(rows, w.reportWriteRows()...)
	rows = append(rows, w.visitRows()...)
	return rows
}

// The targets of the rows.
var (
	// Every site of both organisations but B2 (the second of B, where
	// its records move), and the ghost.
	everySite = []string{"P0", "S1a", "S1b", "G1", "S2", "X1", "B1", ghost}
	// Every customer of both organisations, and the ghost.
	everyCustomer = []string{"Parent", "Child1", "Grandchild", "Child2", "Solo", "OtherB", ghost}
	// A site of each organisation, for rows only staff may do.
	operatorSites = []string{"S1a", "B1", ghost}
	// A customer of each organisation, likewise.
	operatorCustomers = []string{"Child1", "OtherB", ghost}
	// The organisations, for their own records (catalogue, keys).
	orgs = []string{"A", "B", ghost}
	// The viewer's own organisation, for what it makes or reads there.
	ownOrg = []string{"own"}
)

// errOnly keeps only the error of a method that writes, as a row's try
// returns it.
func errOnly[T any](_ T, err error) ([]string, error) { return nil, err }

// justErr is errOnly for a method that returns only an error.
func justErr(err error) ([]string, error) { return nil, err }

// writeAppointmentAt is when the rows' appointments start.
var writeAppointmentAt = time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
