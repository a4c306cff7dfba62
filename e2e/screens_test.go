package e2e

import (
	"context"
	"encoding/base64"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
)

// TestScreens saves screenshots of every page of the portal and the
// console, the style guide and the error pages, at phone and desktop
// width, into $FIELDPORTAL_SCREENSHOTS (made if missing), for a person to
// look at. It runs only when that variable names a folder.
//
// Not covered: the "no portal at this address" page and the fresh-install
// page. The demo has one organisation, which answers every host, so no
// Host header reaches them; they are the same error.html as the 404s here.
func TestScreens(t *testing.T) {
	dir := os.Getenv("FIELDPORTAL_SCREENSHOTS")
	if dir == "" {
		t.Skip("set FIELDPORTAL_SCREENSHOTS to a folder to save screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	p := mustDemo(t, sqlstore.SQLite)
	screensPasskeys(t, p)
	reportJob, reportPhoto := screensVisitReport(t, p)
	screensDeposit(t, p)
	// Pages whose address is read from another page: "{site}" is the
	// first site of /sites, "{autopay-cancel}" the first cancel of
	// /payments/automatic, "{console-recurring}" the first recurring
	// invoice of the console and "{console-recurring-new}" the form for the
	// first customer found, "{contact}" the first contact of the console,
	// "{portal-contact}" Gareth's page in the portal's contacts,
	// "{issue}" and "{console-issue}" the first issue of each list.
	shots := []struct {
		who, path, name string
	}{
		// Before signing in.
		{"anon", "/login", "login"},
		{"anon", "/forgot", "forgot"},
		{"anon", "/console/login", "console-login"},
		// The portal, as the parent customer's contact.
		{"parent", "/", "dashboard"},
		{"parent", "/sites", "sites"},
		{"parent", "/sites?q=no-such-site", "sites-empty"},
		{"parent", "{site}", "site"},
		{"parent", "/preferences", "preferences"},
		// Passkeys (issue 21): the list, renaming and removing one
		// (screensPasskeys gives the site contact and the staff user one
		// each; their browsers have few pages).
		{"site", "/preferences", "preferences-passkeys"},
		{"site", "/preferences/passkeys/screens-site-key", "passkey-rename"},
		{"site", "/preferences/passkeys/screens-site-key/remove", "passkey-remove"},
		{"staff", "/console/account", "console-account-passkeys"},
		{"staff", "/console/account/passkeys/screens-staff-key", "console-passkey-rename"},
		{"staff", "/console/account/passkeys/screens-staff-key/remove", "console-passkey-remove"},
		// Contacts and users (issue 20): the list, a new contact, a contact.
		{"parent", "/preferences/contacts", "contacts"},
		{"parent", "/preferences/contacts/new", "contact-new"},
		{"parent", "{portal-contact}", "contact"},
		{"parent", "/password", "password"},
		{"parent", "/sites/no-such-site", "error-404"},
		{"site", "/sites", "sites-site-contact"},
		{"site", "/jobs/new", "booking-job"},
		{"parent", "/quotes/new", "booking-quote"},
		// Sites made in the portal (issue 20).
		{"parent", "/sites/new", "site-new"},
		{"parent", "{site}/edit", "site-edit"},
		{"parent", "/documents?attached=customer", "customer-documents"},
		{"admin", "/console/portal-sites", "console-portal-sites"},
		// Quotes (issue 16): "{quote}" is the first priced quote waiting
		// for an answer, with the form to accept or decline it.
		// Orders (issue 16): a tab of the list, an order, the console's.
		{"parent", "/jobs?kind=service&stage=progress", "jobs-progress"},
		{"parent", "{job}", "job"},
		// A completed order's visit report and a photo's page (issue 22).
		{"site", reportJob, "job-report"},
		{"site", reportPhoto, "job-report-photo"},
		{"admin", "/console" + reportJob, "console-job-report"},
		{"admin", "/console" + reportPhoto, "console-job-report-photo"},
		{"parent", "/quotes", "quotes"},
		{"parent", "/quotes?tab=actioned", "quotes-actioned"},
		{"parent", "/quotes?q=no-such-quote", "quotes-empty"},
		{"parent", "{quote}", "quote"},
		// Deposits (issue 22): a quote asking for one, with the accept
		// form saying it (screensDeposit), and the console's.
		{"site", "/quotes/screens-deposit-quote", "quote-deposit"},
		{"admin", "/console/quotes/screens-deposit-quote", "console-quote-deposit"},
		// Issues (issue 16): the list, its filters, an issue, the form.
		{"parent", "/invoices", "invoices"},
		{"parent", "/invoices?tab=unpaid&sort=due", "invoices-unpaid-due"},
		{"parent", "/invoices?q=no-such-invoice", "invoices-empty"},
		{"parent", "{invoice}", "invoice"},
		{"site", "/invoices", "invoices-site-contact"},
		{"parent", "/issues", "issues"},
		{"parent", "/issues?status=all&sort=priority", "issues-all-priority"},
		{"parent", "/issues?q=no-such-issue", "issues-empty"},
		{"parent", "{issue}", "issue"},
		{"parent", "/issues/new", "issue-new"},
		{"site", "/issues/new", "issue-new-site-contact"},
		// Messages with the office (issue 22): the contact's threads.
		{"parent", "/messages", "messages"},
		// The statement (issue 17): the default three months, with the pay
		// checkboxes (the demo pays in test mode), and a range that fails.
		{"parent", "/statement", "statement"},
		{"site", "/statement", "statement-site-contact"},
		{"parent", "/statement?from=2026-13-01&to=", "statement-invalid"},
		// Automatic payments (issue 17): the schedules with the saved card,
		// and the confirmation before cancelling auto-pay.
		{"parent", "/payments/automatic", "autopay"},
		{"parent", "{autopay-cancel}", "autopay-cancel"},
		{"site", "/payments/automatic", "autopay-site-contact"},
		// Equipment and compliance (issue 18).
		{"parent", "/documents", "documents"},
		{"site", "/documents", "documents-site-contact"},
		{"parent", "/assets", "assets"},
		{"parent", "/certificates", "certificates"},
		{"parent", "/diary", "diary"},
		{"parent", "/tasks", "tasks"},
		{"parent", "/reports/defects", "reports-defects"},
		{"parent", "/reports/tests", "reports-tests"},
		{"admin", "/console/documents", "console-documents"},
		{"admin", "/console/assets", "console-assets"},
		// The console, as an admin.
		{"admin", "/console", "console-home"},
		{"admin", "/console/contacts", "console-contacts"},
		{"admin", "{contact}", "console-contact"},
		{"admin", "{contact}/revoke", "console-revoke"},
		{"admin", "{contact}?site_q=Harbour", "console-contact-site-search"},
		{"admin", "/console/settings", "console-settings"},
		{"admin", "/console/mail", "console-mail"},
		{"admin", "/console/webhooks", "console-webhooks"},
		{"admin", "/console/jobs", "console-jobs"},
		{"admin", "{console-job}", "console-job"},
		{"admin", "/console/quotes", "console-quotes"},
		{"admin", "{console-quote}", "console-quote"},
		{"admin", "/console/staff", "console-staff"},
		{"admin", "/console/api-keys", "console-api-keys"},
		{"admin", "/console/account", "console-account"},
		// Second factors (issue 21); the set-up and code pages follow
		// the loop (secondFactorScreens).
		{"admin", "/console/account/security", "console-security"},
		{"admin", "{contact}/second-factor", "console-factor-remove"},
		{"parent", "/preferences/security", "security-off"},
		{"admin", "/console/styleguide", "console-styleguide"},
		{"admin", "/console/issues", "console-issues"},
		{"admin", "/console/messages", "console-messages"},
		// The office's money (issue 17, point 5), as staff (the admin's
		// browser has many pages already).
		{"staff", "/console/invoices", "console-invoices"},
		{"staff", "{console-invoice}", "console-invoice"},
		{"staff", "{console-job}/invoice", "console-raise-invoice"},
		{"staff", "/console/payments", "console-payments"},
		{"admin", "{console-issue}", "console-issue"},
		{"admin", "/console/recurring", "console-recurring"},
		{"admin", "{console-recurring}", "console-recurring-edit"},
		{"admin", "/console/recurring/new?customer_q=park", "console-recurring-customer"},
		{"admin", "{console-recurring-new}", "console-recurring-new"},
		{"admin", "/console/no-such-page", "console-error-404"},
		// Visit status and feedback (issue 22): the ratings page and the
		// first appointment's visit status form ("{console-visit}").
		{"admin", "/console/feedback", "console-feedback"},
		{"admin", "{console-visit}", "console-visit"},
		// A staff user who is no admin: settings are refused.
		{"staff", "/console/settings", "console-error-403"},
		// Single sign-on (issue 21): a customer's section, not set up, and
		// its form; the one refusal page. TestScreensSSO has the rest.
		// An admin's browser of its own ("ssoadmin"): the admin's has
		// many pages already, in a browser bounded in time.
		{"ssoadmin", "{customer}", "console-customer-sso-none"},
		{"ssoadmin", "{customer}/sso", "console-customer-sso-form"},
		{"anon", "/sso/callback?state=none&code=none", "sso-refused"},
	}
	// firstLink is the address of the first link sel finds on the page
	// list, read once into cache.
	firstLink := func(b *browser, cache *string, list, sel string) string {
		if *cache == "" {
			b.run(chromedp.Navigate(p.URL+list), chromedp.AttributeValue(sel, "href", cache, nil, chromedp.ByQuery))
		}
		return *cache
	}
	for _, width := range []int64{390, 1280} {
		browsers := map[string]*browser{}
		var site, contact, quote, consoleQuote, issue, consoleIssue, job, consoleJob, invoice, consoleInvoice string
		var autopayCancel, consoleRecurring, consoleRecurringNew string
		var portalContact, customer string
		for _, s := range shots {
			b := browsers[s.who]
			if b == nil {
				b = mustBrowser(t, p.URL)
				browsers[s.who] = b
				if width < 600 {
					// As a phone: scrollbars overlay the page, so it is
					// laid out at the full 390 px.
					b.run(chromedp.EmulateViewport(width, 900, chromedp.EmulateMobile))
				} else {
					b.run(chromedp.EmulateViewport(width, 900))
				}
				switch s.who {
				case "anon":
				case "ssoadmin":
					b.loginAs("admin")
				case "staff":
					b.run(chromedp.Navigate(p.URL + "/console/login"))
					b.fill(`form#console-login`, "email", "staff@demo.test", "password", demoPassword)
				default:
					b.loginAs(s.who)
				}
			}
			path := s.path
			switch {
			case strings.HasPrefix(path, "{site}"):
				if site == "" {
					b.run(chromedp.Navigate(p.URL+"/sites"), chromedp.AttributeValue(`table tbody tr a`, "href", &site, nil, chromedp.ByQuery))
				}
				path = site + strings.TrimPrefix(path, "{site}")
			case path == "{job}":
				if job == "" {
					b.run(chromedp.Navigate(p.URL+"/jobs?kind=service"), chromedp.AttributeValue(`table tbody tr a`, "href", &job, nil, chromedp.ByQuery))
				}
				path = job
			case strings.HasPrefix(path, "{console-job}"):
				if consoleJob == "" {
					b.run(chromedp.Navigate(p.URL+"/console/jobs"), chromedp.AttributeValue(`table tbody tr a`, "href", &consoleJob, nil, chromedp.ByQuery))
				}
				path = consoleJob + strings.TrimPrefix(path, "{console-job}")
			case path == "{console-invoice}":
				if consoleInvoice == "" {
					b.run(chromedp.Navigate(p.URL+"/console/invoices?tab=part_paid"), chromedp.AttributeValue(`table tbody tr a`, "href", &consoleInvoice, nil, chromedp.ByQuery))
				}
				path = consoleInvoice
			case path == "{quote}":
				if quote == "" {
					b.run(chromedp.Navigate(p.URL+"/quotes?stage=outstanding"), chromedp.AttributeValue(`table tbody tr a`, "href", &quote, nil, chromedp.ByQuery))
				}
				path = quote
			case path == "{console-quote}":
				if consoleQuote == "" {
					b.run(chromedp.Navigate(p.URL+"/console/quotes"), chromedp.AttributeValue(`table tbody tr a`, "href", &consoleQuote, nil, chromedp.ByQuery))
				}
				path = consoleQuote
			case path == "{invoice}":
				if invoice == "" {
					b.run(chromedp.Navigate(p.URL+"/invoices?tab=paid"), chromedp.AttributeValue(`table tbody tr th a`, "href", &invoice, nil, chromedp.ByQuery))
				}
				path = invoice
			case path == "{issue}":
				if issue == "" {
					b.run(chromedp.Navigate(p.URL+"/issues?status=all"), chromedp.AttributeValue(`table tbody tr a`, "href", &issue, nil, chromedp.ByQuery))
				}
				path = issue
			case path == "{console-issue}":
				if consoleIssue == "" {
					b.run(chromedp.Navigate(p.URL+"/console/issues?status=all"), chromedp.AttributeValue(`table tbody tr a`, "href", &consoleIssue, nil, chromedp.ByQuery))
				}
				path = consoleIssue
			case path == "{autopay-cancel}":
				path = firstLink(b, &autopayCancel, "/payments/automatic", `table tbody tr a[href$="/cancel"]`)
			case path == "{console-recurring}":
				path = firstLink(b, &consoleRecurring, "/console/recurring", `table tbody tr a`)
			case path == "{console-visit}":
				path = screensVisit(t, p)
			case path == "{console-recurring-new}":
				path = firstLink(b, &consoleRecurringNew, "/console/recurring/new?customer_q=park", `main ul a`)
			case strings.HasPrefix(path, "{customer}"):
				path = firstLink(b, &customer, "/console/customers", `table tbody tr a`) + strings.TrimPrefix(path, "{customer}")
			case path == "{portal-contact}":
				path = firstLink(b, &portalContact, "/preferences/contacts?q=Gareth", `table tbody tr a`)
			case strings.HasPrefix(path, "{contact}"):
				if contact == "" {
					b.run(chromedp.Navigate(p.URL+"/console/contacts"), chromedp.AttributeValue(`table tbody tr a`, "href", &contact, nil, chromedp.ByQuery))
				}
				path = contact + strings.TrimPrefix(path, "{contact}")
			}
			b.save(p.URL+path, filepath.Join(dir, s.name+"-"+itoa(width)+".png"))
		}
	}
	secondFactorScreens(t, p, dir)
	// The pages of a host without a portal: a fresh install (no
	// organisation yet) and an install of several organisations asked for
	// a host none of them serves.
	data := t.TempDir()
	fresh := mustServe(t, data)
	for _, width := range []int64{390, 1280} {
		b := mustBrowser(t, fresh)
		b.run(chromedp.EmulateViewport(width, 900))
		b.save(fresh+"/login", filepath.Join(dir, "error-fresh-install-"+itoa(width)+".png"))
	}
	for _, host := range []string{"alpha.example.test", "beta.example.test"} {
		mustRun(t, "init", "--data-dir", data, "--org-name", host, "--org-host", host, "--admin-email", "admin@"+host)
	}
	for _, width := range []int64{390, 1280} {
		b := mustBrowser(t, fresh)
		b.run(chromedp.EmulateViewport(width, 900))
		b.save(fresh+"/login", filepath.Join(dir, "error-no-portal-"+itoa(width)+".png"))
	}
}

// mustServe starts `fieldportal serve` on data, on a free port, and
// returns its URL once it answers; it stops when the test ends.
func mustServe(t *testing.T, data string) string {
	t.Helper()
	addr := "127.0.0.1:" + freePort(t)
	cmd := exec.Command(mustBinary(t), "serve", "--addr", addr, "--data-dir", data)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Signal(os.Interrupt); cmd.Wait() })
	url := "http://" + addr
	for start := time.Now(); time.Since(start) < 60*time.Second; time.Sleep(100 * time.Millisecond) {
		if res, err := http.Get(url + "/healthz"); err == nil {
			res.Body.Close()
			return url
		}
	}
	t.Fatal("fieldportal serve did not answer in 60 s")
	return ""
}

// mustRun runs a fieldportal command to its end.
func mustRun(t *testing.T, args ...string) {
	t.Helper()
	cmd := exec.Command(mustBinary(t), args...)
	cmd.Env = append(os.Environ(), "FIELDPORTAL_ADMIN_PASSWORD=Screens-Only-Pass-1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("fieldportal %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func (b *browser) save(url, file string) {
	b.t.Helper()
	var png []byte
	b.run(chromedp.Navigate(url), chromedp.FullScreenshot(&png, 100))
	if err := os.WriteFile(file, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

func itoa(n int64) string {
	return string([]byte{byte('0' + n/1000%10), byte('0' + n/100%10), byte('0' + n/10%10), byte('0' + n%10)})
}

// screensPasskeys gives the demo's site contact and staff user a passkey
// each, written straight to the database: the demo runs on 127.0.0.1,
// where no browser makes one (TestJourneyPasskey makes them for real).
func screensPasskeys(t *testing.T, p *portal) {
	t.Helper()
	org := p.demoOrg(t)
	now := time.Now().UTC()
	for _, k := range []struct{ id, column, owner, name string }{
		{"screens-site-key", "login_id", `(SELECT pl.id FROM portal_logins pl JOIN contacts c ON c.id = pl.contact_id WHERE c.email = 'site@demo.test')`, "Work laptop"},
		{"screens-staff-key", "staff_id", `(SELECT id FROM staff_users WHERE email = 'staff@demo.test')`, "Office security key"},
	} {
		if _, err := p.DB.SQL().Exec(`INSERT INTO passkeys (id, org_id, `+k.column+`, name, credential_id, public_key, flags, aaguid,
			transports, attestation, created_at, last_used_at) VALUES ($1, $2, `+k.owner+`, $3, $4, '', 93, '', 'internal', 'none', $5, $6)`,
			k.id, org, k.name, base64.RawURLEncoding.EncodeToString([]byte(k.id)), now.Add(-48*time.Hour), now.Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
}

// saveHere saves the page the browser is on.
func (b *browser) saveHere(file string) {
	b.t.Helper()
	var png []byte
	b.run(chromedp.FullScreenshot(&png, 100))
	if err := os.WriteFile(file, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// secondFactorScreens saves the pages of turning an authenticator app on
// and of signing in with it (issue 21), each width as its own contact
// (the site contact at 390 px, the parent's at 1280), then the set-up
// that a policy requires, as the staff user.
func secondFactorScreens(t *testing.T, p *portal, dir string) {
	t.Helper()
	for _, w := range []struct {
		width   int64
		persona string
		user    string
	}{{390, "site", "site@demo.test"}, {1280, "parent", "parent@demo.test"}} {
		name := func(s string) string { return filepath.Join(dir, s+"-"+itoa(w.width)+".png") }
		b := mustBrowser(t, p.URL)
		if w.width < 600 {
			b.run(chromedp.EmulateViewport(w.width, 900, chromedp.EmulateMobile))
		} else {
			b.run(chromedp.EmulateViewport(w.width, 900))
		}
		b.loginAs(w.persona)
		b.run(chromedp.Navigate(p.URL+"/preferences/security"), chromedp.WaitVisible(`form#totp-begin`, chromedp.ByQuery))
		b.fill(`form#totp-begin`, "current_password", "Wrong-pass-1")
		b.saveHere(name("security-password-error"))
		b.beginTOTP()
		b.saveHere(name("totp-setup"))
		b.fill(`form#totp-setup`, "code", "000000")
		b.saveHere(name("totp-setup-error"))
		b.setUpTOTP(t)
		b.saveHere(name("recovery-codes"))
		b.save(p.URL+"/preferences/security", name("security-on"))
		b.logout()
		b.login(w.user, demoPassword)
		b.saveHere(name("login-code"))
		b.fill(`form#login-code`, "code", "000000")
		b.saveHere(name("login-code-error"))
	}
	admin := mustBrowser(t, p.URL)
	admin.loginAs("admin")
	admin.run(chromedp.Navigate(p.URL+"/console/settings"),
		chromedp.WaitVisible(`input[name=second_factor][value=staff]`, chromedp.ByQuery),
		chromedp.Click(`input[name=second_factor][value=staff]`, chromedp.ByQuery))
	admin.submit(`form[action="/console/settings"] button[type=submit]`)
	for _, width := range []int64{390, 1280} {
		b := mustBrowser(t, p.URL)
		if width < 600 {
			b.run(chromedp.EmulateViewport(width, 900, chromedp.EmulateMobile))
		} else {
			b.run(chromedp.EmulateViewport(width, 900))
		}
		b.run(chromedp.Navigate(p.URL + "/console/login"))
		b.fill(`form#console-login`, "email", "staff@demo.test", "password", demoPassword)
		b.saveHere(filepath.Join(dir, "console-factor-setup-"+itoa(width)+".png"))
	}
}

// screensVisit is the visit status form of the demo's first appointment.
func screensVisit(t *testing.T, p *portal) string {
	t.Helper()
	list, _, err := p.DB.FindAppointments(context.Background(), fieldportal.SystemViewer(p.demoOrg(t), "test"),
		fieldportal.AppointmentFilter{Page: fieldportal.Page{Limit: 1}})
	if err != nil || len(list) == 0 {
		t.Fatalf("no appointment for the visit form: %v", err)
	}
	return "/console/appointments/" + list[0].ID + "/visit"
}
