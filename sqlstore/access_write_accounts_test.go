package sqlstore_test

import (
	"slices"
	"strconv"
	"testing"

	"github.com/fieldportal/fieldportal"
)

// The write matrix's rows of the operator's own records (settings, logs,
// API keys, webhooks, staff) and of the account workflows (passwords,
// contacts and their portal access).

// orgsOf names the organisations that records belong to, once each.
func (w *writeWorld) orgsOf(orgIDs ...string) []string {
	var out []string
	for _, id := range orgIDs {
		out = append(out, w.orgName[id])
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func (w *writeWorld) operatorRows() []writeRow {
	ctx, db, acc := w.ctx, w.db, w.a
	// What the operator reads of its own organisation (rule 8); nobody
	// else reads it at all.
	operatorRead := func(admins bool, seen func(a actor) []string) rule {
		return func(kind, _ string) outcome {
			a := actors[kind]
			if !a.staff || admins && !a.admin {
				return forbidden
			}
			return sees(seen(a)...)
		}
	}
	ownOrgName := func(a actor) []string { return []string{a.org} }
	keyIn := once(func(t *testing.T, target string) string {
		var id string
		w.made(t, target, &id, func(v fieldportal.Viewer) error {
			_, k, err := db.CreateAPIKey(ctx, v, "Revocable "+w.next(), fieldportal.APIKeyWrite)
			if err == nil {
				id = k.ID
			}
			return err
		})
		return id
	})
	staffEmail := map[string]string{"clerk": "clerk@op.test", "otherclerk": "clerk@b.test", ghost: "ghost@op.test"}
	staffID := func(target string) string {
		if id, ok := w.staffID[target]; ok {
			return id
		}
		return w.ghostID
	}
	return []writeRow{
		{
			// The settings are saved as they are.
			name: "UpdateSettings", covers: []string{"OrganisationService.UpdateSettings"}, targets: ownOrg,
			try: func(t *testing.T, v fieldportal.Viewer, _ string) ([]string, error) {
				st, err := db.FindSettings(ctx, v.OrgID)
				if err != nil {
					t.Fatal(err)
				}
				return justErr(db.UpdateSettings(ctx, v, st))
			},
			want: adminOnly(own, succeeds),
		},
		{
			name: "SetLogo", covers: []string{"OrganisationService.SetLogo"}, targets: ownOrg,
			try: func(t *testing.T, v fieldportal.Viewer, _ string) ([]string, error) {
				return justErr(db.SetLogo(ctx, v, []byte("\x89PNG matrix "+w.next()), "image/png"))
			},
			want: adminOnly(own, succeeds),
		},
		{
			name: "FindAuditLog", covers: []string{"OrganisationService.FindAuditLog"}, targets: ownOrg,
			try: func(t *testing.T, v fieldportal.Viewer, _ string) ([]string, error) {
				l, _, err := db.FindAuditLog(ctx, v, fieldportal.AuditFilter{Page: fieldportal.Page{Limit: fieldportal.MaxLimit}})
				return w.orgsOf(idsOf(l, func(e *fieldportal.AuditEntry) string { return e.OrgID })...), err
			},
			want: operatorRead(false, ownOrgName),
		},
		{
			// The held mails of the world: two of A's, one of B's.
			name: "FindOutbox", covers: []string{"OrganisationService.FindOutbox"}, targets: ownOrg,
			try: func(t *testing.T, v fieldportal.Viewer, _ string) ([]string, error) {
				l, _, err := db.FindOutbox(ctx, v, fieldportal.OutboxFilter{Kind: "mail", Status: fieldportal.OutboxHeld})
				return idsOf(l, func(m *fieldportal.OutboxMessage) string { return m.Recipient }), err
			},
			want: operatorRead(false, func(a actor) []string { return map[string][]string{"A": {"a1", "a2"}, "B": {"b1"}}[a.org] }),
		},
		{
			name: "CountOutbox", covers: []string{"OrganisationService.CountOutbox"}, targets: ownOrg,
			try: func(t *testing.T, v fieldportal.Viewer, _ string) ([]string, error) {
				n, err := db.CountOutbox(ctx, v, "mail", fieldportal.OutboxHeld)
				return []string{strconv.Itoa(n)}, err
			},
			want: operatorRead(false, func(a actor) []string { return []string{map[string]string{"A": "2", "B": "1"}[a.org]} }),
		},
		{
			name: "CreateAPIKey", covers: []string{"APIKeyService.CreateAPIKey"}, targets: ownOrg,
			try: func(t *testing.T, v fieldportal.Viewer, _ string) ([]string, error) {
				_, _, err := db.CreateAPIKey(ctx, v, "Key "+w.next(), fieldportal.APIKeyRead)
				return nil, err
			},
			want: adminOnly(own, succeeds),
		},
		{
			name: "FindAPIKeys", covers: []string{"APIKeyService.FindAPIKeys"}, targets: ownOrg,
			try: func(t *testing.T, v fieldportal.Viewer, _ string) ([]string, error) {
				l, err := db.FindAPIKeys(ctx, v)
				return w.orgsOf(idsOf(l, func(k *fieldportal.APIKey) string { return k.OrgID })...), err
			},
			want: operatorRead(true, ownOrgName),
		},
		{
			// Revoking a revoked key again changes nothing: attempts share
			// the key of each organisation.
			name: "RevokeAPIKey", covers: []string{"APIKeyService.RevokeAPIKey"}, targets: orgs,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				return justErr(db.RevokeAPIKey(ctx, v, keyIn(t, target)))
			},
			want: adminOnly(inOrg, notFound),
		},
		{
			// Only an API key's viewer sends an Idempotency-Key; no kind
			// of the matrix is one (TestIdempotency tests the keys).
			name: "BeginIdempotent", covers: []string{"APIKeyService.BeginIdempotent"}, targets: ownOrg,
			try: func(t *testing.T, v fieldportal.Viewer, _ string) ([]string, error) {
				return errOnly(db.BeginIdempotent(ctx, v, "matrix-"+w.next(), "hash"))
			},
			want: func(string, string) outcome { return forbidden },
		},
		{
			name: "FinishIdempotent", covers: []string{"APIKeyService.FinishIdempotent"}, targets: ownOrg,
			try: func(t *testing.T, v fieldportal.Viewer, _ string) ([]string, error) {
				return justErr(db.FinishIdempotent(ctx, v, "matrix-"+w.next(), "hash", &fieldportal.IdempotentResponse{Status: 201}))
			},
			want: func(string, string) outcome { return forbidden },
		},
		{
			// Everyone but the operator gets an empty list (the store's
			// choice; nothing of the endpoints shows).
			name: "FindWebhookEndpoints", covers: []string{"WebhookService.FindWebhookEndpoints"}, targets: ownOrg,
			try: func(t *testing.T, v fieldportal.Viewer, _ string) ([]string, error) {
				l, err := db.FindWebhookEndpoints(ctx, v)
				return idsOf(l, func(e *fieldportal.WebhookEndpoint) string { return e.URL }), err
			},
			want: func(kind, _ string) outcome {
				if a := actors[kind]; a.staff {
					return sees(hookURL(a.org))
				}
				return succeeds
			},
		},
		{
			// The API's page of the same list: the same rule.
			name: "FindWebhookEndpointPage", covers: []string{"WebhookService.FindWebhookEndpointPage"}, targets: ownOrg,
			try: func(t *testing.T, v fieldportal.Viewer, _ string) ([]string, error) {
				l, _, err := db.FindWebhookEndpointPage(ctx, v, fieldportal.WebhookEndpointFilter{})
				return idsOf(l, func(e *fieldportal.WebhookEndpoint) string { return e.URL }), err
			},
			want: func(kind, _ string) outcome {
				if a := actors[kind]; a.staff {
					return sees(hookURL(a.org))
				}
				return succeeds
			},
		},
		{
			name: "FindStaffUsers", covers: []string{"StaffService.FindStaffUsers"}, targets: ownOrg,
			try: func(t *testing.T, v fieldportal.Viewer, _ string) ([]string, error) {
				l, err := acc.FindStaffUsers(ctx, v)
				return w.orgsOf(idsOf(l, func(u *fieldportal.StaffUser) string { return u.OrgID })...), err
			},
			want: operatorRead(true, ownOrgName),
		},
		{
			// Admins read every account of their organisation; a staff
			// user reads its own ("desk") alone.
			name: "FindStaffUser", covers: []string{"StaffService.FindStaffUser"}, targets: []string{"boss", "desk", "otherboss", ghost},
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				return errOnly(acc.FindStaffUser(ctx, v, staffID(target)))
			},
			want: func(kind, target string) outcome {
				a := actors[kind]
				switch {
				case kind == "staff" && target == "desk":
					return succeeds
				case !a.admin:
					return forbidden
				case inOrg(a, target):
					return succeeds
				}
				return notFound
			},
		},
		{
			name: "AddStaffUser", covers: []string{"StaffService.AddStaffUser"}, targets: ownOrg,
			try: func(t *testing.T, v fieldportal.Viewer, _ string) ([]string, error) {
				u := &fieldportal.StaffUser{Email: "new" + w.next() + "@op.test", Name: "New Hand", Role: fieldportal.RoleStaff}
				return justErr(acc.AddStaffUser(ctx, v, u, goodPassword))
			},
			want: adminOnly(own, succeeds),
		},
		{
			// Each organisation's clerk, saved as it is.
			name: "UpdateStaffUser", covers: []string{"StaffService.UpdateStaffUser"}, targets: []string{"clerk", "otherclerk", ghost},
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				u := &fieldportal.StaffUser{ID: staffID(target), Email: staffEmail[target], Name: "Clerk", Role: fieldportal.RoleStaff}
				return justErr(acc.UpdateStaffUser(ctx, v, u))
			},
			want: adminOnly(inOrg, notFound),
		},
	}
}

// contactTargets are customers whose contacts the account rows act on:
// the manager reaches Child1 and Grandchild only.
var contactTargets = []string{"Parent", "Child1", "Grandchild", "Solo", "OtherB", ghost}

// liveContacts are the kinds that are contacts with a live login.
var liveContacts = []string{"parent", "child", "assigned", "nopage", "solo", "otherorg", "manager"}

// eachKind gives the live contacts one outcome, and the others theirs.
func eachKind(live outcome, others map[string]outcome) rule {
	m := map[string]outcome{}
	for _, k := range liveContacts {
		m[k] = live
	}
	for k, o := range others {
		m[k] = o
	}
	return byKind(m)
}

func (w *writeWorld) accountRows() []writeRow {
	ctx, db, acc := w.ctx, w.db, w.a
	ghostContact := &fieldportal.Contact{ID: w.ghostID, FirstName: "Ghost", CustomerID: w.cust["Parent"].ID, Email: "ghost@example.test"}
	// A fresh contact at a customer, or the ghost.
	contact := func(t *testing.T, target string) *fieldportal.Contact {
		if target == ghost {
			return ghostContact
		}
		return w.mustContact(t, target, "fresh")
	}
	// withLogin returns a row's own contacts, one per customer, each with
	// a portal login (active with a password, or invited).
	withLogin := func(active bool) func(t *testing.T, target string) *fieldportal.Contact {
		return once(func(t *testing.T, target string) *fieldportal.Contact {
			c := contact(t, target)
			if target == ghost {
				return c
			}
			l := &fieldportal.PortalLogin{ContactID: c.ID, Username: c.Email, Status: fieldportal.LoginInvited,
				Pages: fieldportal.AllModules, SiteAccess: fieldportal.SiteAccessAll}
			if active {
				l.Status, l.PasswordHash = fieldportal.LoginActive, MustHash(t, goodPassword)
			}
			if err := db.CreatePortalLogin(ctx, w.sysOf(target), l); err != nil {
				t.Fatalf("login at %s: %v", target, err)
			}
			return c
		})
	}
	// What a grant gives: pages every managing contact has, all sites.
	grant := func(c *fieldportal.Contact) fieldportal.AccessGrant {
		return fieldportal.AccessGrant{Username: c.Email, Pages: fieldportal.Modules{fieldportal.ModuleDashboard, fieldportal.ModuleSites},
			SiteAccess: fieldportal.SiteAccessAll}
	}
	accessOf, invitedFor, resendTo, disableAt, resetFor, initialFor := once(contact), withLogin(false), withLogin(false), withLogin(false), withLogin(true), withLogin(false)
	othersAt := once(contact)
	// SPEC §2.6 for the account workflows: staff, and a contact who
	// manages contacts, within the customers they reach.
	manage := managesContacts(ofCustomer, notFound)
	return []writeRow{
		{
			// Each viewer changes its own password, set beforehand to
			// goodPassword so that only who asks decides.
			name: "ChangePassword", covers: []string{"SignInService.ChangePassword"}, targets: ownOrg,
			try: func(t *testing.T, v fieldportal.Viewer, _ string) ([]string, error) {
				hash := MustHash(t, goodPassword)
				switch v.Kind() {
				case fieldportal.ViewerContact:
					// A forged viewer's login is of B: set it where it is.
					for _, org := range []string{w.orgA, w.orgB} {
						if err := db.SetLoginPassword(ctx, org, v.LoginID, hash, false); err != nil && code(err) != fieldportal.ENOTFOUND {
							t.Fatal(err)
						}
					}
				case fieldportal.ViewerStaff:
					if err := db.SetStaffPassword(ctx, v.OrgID, v.StaffID, hash); err != nil {
						t.Fatal(err)
					}
				}
				return errOnly(acc.ChangePassword(ctx, v, fieldportal.PasswordChange{Current: goodPassword, Password: "Brand-new-pass-9",
					Confirm: "Brand-new-pass-9", ClientAddr: "192.0.2.7"}))
			},
			want: eachKind(succeeds, map[string]outcome{"forged": notFound, "disabled": notFound, "anonymous": unauthorized,
				"staff": succeeds, "admin": succeeds, "otheradmin": succeeds}),
		},
		{
			// The contacts named "listed", one at each of Parent, Child1,
			// Grandchild, Solo and OtherB, by customer.
			name: "FindContacts", covers: []string{"AccessService.FindContacts"}, targets: ownOrg,
			try: func(t *testing.T, v fieldportal.Viewer, _ string) ([]string, error) {
				return listAll(func(after string) ([]string, string, error) {
					l, next, err := acc.FindContacts(ctx, v, fieldportal.ContactFilter{Search: "listed", Page: page2(after)})
					return idsOf(l, func(r *fieldportal.ContactListing) string { return r.Contact.LastName }), next, err
				})
			},
			want: func(kind, _ string) outcome {
				a := actors[kind]
				if !a.staff && !a.manages {
					return forbidden
				}
				var names []string
				for _, c := range []string{"Parent", "Child1", "Grandchild", "Solo", "OtherB"} {
					if ofCustomer(a, c) {
						names = append(names, c)
					}
				}
				return sees(names...)
			},
		},
		{
			name: "FindContactAccess", covers: []string{"AccessService.FindContactAccess"}, targets: contactTargets,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				return errOnly(acc.FindContactAccess(ctx, v, accessOf(t, target).ID, ""))
			},
			want: manage,
		},
		{
			// A contact's own login; the operator's people have none.
			name: "FindMyLogin", covers: []string{"AccessService.FindMyLogin"}, targets: ownOrg,
			try: func(t *testing.T, v fieldportal.Viewer, _ string) ([]string, error) {
				l, err := acc.FindMyLogin(ctx, v)
				if err != nil {
					return nil, err
				}
				return []string{l.Username}, nil
			},
			want: func(kind, target string) outcome {
				if slices.Contains(liveContacts, kind) {
					return sees(kind + "@example.test")
				}
				return notFound
			},
		},
		{
			// A contact edits its own details, whatever else it may do;
			// the operator's people have no contact of their own (the
			// attempt names one that does not exist).
			name: "UpdateContact (own)", covers: []string{"AccessService.UpdateContact"}, targets: ownOrg,
			try: func(t *testing.T, v fieldportal.Viewer, _ string) ([]string, error) {
				c := &fieldportal.Contact{ID: w.ghostID, FirstName: "Someone", CustomerID: w.cust["Parent"].ID}
				if v.IsContact() {
					var err error
					for _, org := range []string{w.orgA, w.orgB} {
						if c, err = db.FindContactByID(ctx, fieldportal.SystemViewer(org, "test"), v.ContactID); err == nil {
							break
						}
					}
					if err != nil {
						t.Fatal(err)
					}
				}
				c.Position = "Facilities " + w.next()
				return justErr(acc.UpdateContact(ctx, v, c))
			},
			want: eachKind(succeeds, map[string]outcome{"forged": notFound, "disabled": notFound, "anonymous": forbidden,
				"staff": notFound, "admin": notFound, "otheradmin": notFound}),
		},
		{
			// A new contact at each customer (the API's create).
			name: "CreateContact", covers: []string{"AccessService.CreateContact"}, targets: contactTargets,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				return justErr(acc.CreateContact(ctx, v, &fieldportal.Contact{FirstName: " New " + w.next(), CustomerID: w.customerID(target)}))
			},
			want: managesContacts(ofCustomer, noSuch("customer_id")),
		},
		{
			// The back office's sync: the operator only.
			name: "UpsertContactByExternalID", covers: []string{"AccessService.UpsertContactByExternalID"}, targets: contactTargets,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				return errOnly(acc.UpsertContactByExternalID(ctx, v, &fieldportal.Contact{FirstName: "Synced", ExternalID: "ext-" + w.next(),
					CustomerID: w.customerID(target)}))
			},
			want: operatorOnly(ofCustomer, noSuch("customer_id")),
		},
		{
			name: "UpdateContact (another's)", covers: []string{"AccessService.UpdateContact"}, targets: contactTargets,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				c := *othersAt(t, target)
				c.Position = "Bursar"
				return justErr(acc.UpdateContact(ctx, v, &c))
			},
			want: manage,
		},
		{
			// A fresh contact per attempt, invited.
			name: "GrantPortalAccess", covers: []string{"AccessService.GrantPortalAccess"}, targets: contactTargets,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				c := contact(t, target)
				return errOnly(acc.GrantPortalAccess(ctx, v, c.ID, grant(c)))
			},
			want: manage,
		},
		{
			name: "UpdatePortalAccess", covers: []string{"AccessService.UpdatePortalAccess"}, targets: contactTargets,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				c := invitedFor(t, target)
				return justErr(acc.UpdatePortalAccess(ctx, v, c.ID, grant(c)))
			},
			want: manage,
		},
		{
			name: "ResendInvitation", covers: []string{"AccessService.ResendInvitation"}, targets: contactTargets,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				return justErr(acc.ResendInvitation(ctx, v, resendTo(t, target).ID))
			},
			want: manage,
		},
		{
			// Disabling a disabled login again changes nothing.
			name: "SetPortalAccessEnabled", covers: []string{"AccessService.SetPortalAccessEnabled"}, targets: contactTargets,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				return justErr(acc.SetPortalAccessEnabled(ctx, v, disableAt(t, target).ID, false))
			},
			want: manage,
		},
		{
			name: "SendPasswordReset", covers: []string{"AccessService.SendPasswordReset"}, targets: contactTargets,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				return justErr(acc.SendPasswordReset(ctx, v, resetFor(t, target).ID))
			},
			want: manage,
		},
		{
			// Setting a contact's password is an admin's act among staff
			// (review finding 3): other staff find the contact but are
			// refused. A managing contact may, for contacts it reaches
			// (SPEC §3 "direct creation").
			name: "SetInitialPassword", covers: []string{"AccessService.SetInitialPassword"}, targets: contactTargets,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				return justErr(acc.SetInitialPassword(ctx, v, initialFor(t, target).ID, "Fresh-Start-42"))
			},
			want: func(kind, target string) outcome {
				if o := manage(kind, target); o.code != "" || actors[kind].admin || actors[kind].manages {
					return o
				}
				return forbidden
			},
		},
	}
}
