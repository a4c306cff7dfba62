package demo

import (
	"bytes"
	"image/png"
	"regexp"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fieldportal/fieldportal"
)

// testNow is a fixed moment in British Summer Time, so that the tests also
// see the local day differ from UTC late in the evening.
var testNow = time.Date(2026, 6, 10, 22, 30, 0, 0, time.UTC)

func TestGenerateIsDeterministic(t *testing.T) {
	a, b := Generate(testNow), Generate(testNow)
	if diff := cmp.Diff(a, b); diff != "" {
		t.Fatalf("two generations differ (-first +second):\n%s", diff)
	}
	c := Generate(testNow.AddDate(0, 0, 40))
	if len(c.Jobs) != len(a.Jobs) || c.Jobs[0].Description != a.Jobs[0].Description {
		t.Errorf("another now changed the content, not only the dates")
	}
}

func TestGenerateValidates(t *testing.T) {
	ds := Generate(testNow)
	check := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Errorf("%s: %v", what, err)
		}
	}
	check("organisation", ds.Organisation.Validate())
	check("settings", ds.Settings.Validate())
	for _, s := range ds.Staff {
		check(s.User.Email, s.User.Validate())
	}
	for _, c := range ds.Customers {
		check(c.ID, c.Validate())
	}
	for _, s := range ds.Sites {
		check(s.ID, s.Validate())
		if !regexp.MustCompile(`^\d{12}$`).MatchString(s.UPRN) {
			t.Errorf("%s: UPRN %q is not 12 digits", s.ID, s.UPRN)
		}
	}
	for _, c := range ds.Contacts {
		check(c.ID, c.Validate())
	}
	for _, l := range ds.Logins {
		check(l.Login.ID, l.Login.Validate())
	}
	for _, x := range ds.Assets {
		check(x.ID, x.Validate())
	}
	for _, x := range ds.Transfers {
		check(x.ID, x.Validate())
	}
	for _, x := range ds.Tests {
		check(x.ID, x.Validate())
	}
	for _, x := range ds.Quotes {
		check(x.ID, x.Validate())
	}
	for _, x := range ds.Jobs {
		check(x.ID, x.Validate())
	}
	for _, x := range ds.Issues {
		check(x.Issue.ID, x.Issue.Validate())
		for _, c := range x.Comments {
			check(x.Issue.ID+" comment", c.Validate())
		}
	}
	for _, x := range ds.Invoices {
		check(x.ID, x.Validate())
	}
	for _, x := range ds.Payments {
		check(x.ID, x.Validate())
	}
	for _, x := range ds.Recurring {
		check(x.ID, x.Validate())
	}
	for _, x := range ds.Certificates {
		check(x.ID, x.Validate())
	}
	for _, x := range ds.Files {
		check(x.Document.ID, x.Document.Validate())
	}
	for _, x := range ds.Appointments {
		check(x.ID, x.Validate())
	}
	for _, x := range ds.Tasks {
		check(x.ID, x.Validate())
	}
	for _, x := range ds.Scripts {
		check(x.ID, x.Validate())
	}
	for _, x := range ds.Items {
		check(x.ID, x.Validate())
	}
}

func TestGenerateCoversEveryCase(t *testing.T) {
	ds := Generate(testNow)

	t.Run("jobs", func(t *testing.T) {
		if len(ds.Jobs) < 80 {
			t.Errorf("%d jobs, want at least 80", len(ds.Jobs))
		}
		seen := map[string]bool{}
		for _, j := range ds.Jobs {
			seen[string(j.Stage)+"/"+string(j.Kind)] = true
		}
		for _, s := range fieldportal.JobStages {
			for _, k := range []fieldportal.JobKind{fieldportal.JobService, fieldportal.JobInstall} {
				if !seen[string(s)+"/"+string(k)] {
					t.Errorf("no %s job at stage %s", k, s)
				}
			}
		}
	})
	t.Run("quotes", func(t *testing.T) {
		if len(ds.Quotes) < 40 {
			t.Errorf("%d quotes, want at least 40", len(ds.Quotes))
		}
		for _, s := range fieldportal.QuoteStages {
			if !slices.ContainsFunc(ds.Quotes, func(q fieldportal.Quote) bool { return q.Stage == s }) {
				t.Errorf("no quote at stage %s", s)
			}
		}
		for _, q := range ds.Quotes {
			var ex fieldportal.Money
			for _, it := range q.Items {
				if it.Total != it.UnitPrice*fieldportal.Money(it.Quantity) {
					t.Errorf("%s: item total %v != %d x %v", q.ID, it.Total, it.Quantity, it.UnitPrice)
				}
				if !it.Optional {
					ex += it.Total
				}
			}
			if ex != q.TotalExTax || q.Tax != (ex*20+50)/100 {
				t.Errorf("%s: totals %v + %v do not follow the items (%v) at 20%%", q.ID, q.TotalExTax, q.Tax, ex)
			}
		}
	})
	t.Run("invoices", func(t *testing.T) {
		if len(ds.Invoices) < 60 {
			t.Errorf("%d invoices, want at least 60", len(ds.Invoices))
		}
		count := map[string]int{}
		for _, inv := range ds.Invoices {
			count[string(inv.Status)]++
			if inv.Overdue(ds.Today) {
				count["overdue"]++
			}
			if inv.SiteID == "" {
				count["customer-level"]++
			}
			if len(inv.Lines) == 0 {
				t.Errorf("%s has no lines", inv.ID)
			}
		}
		for _, want := range []string{"paid", "part_paid", "unpaid", "overdue", "customer-level"} {
			if count[want] < 2 {
				t.Errorf("%d %s invoices, want several (%v)", count[want], want, count)
			}
		}
		// Payments add up to what each invoice shows as paid.
		paid := map[string]fieldportal.Money{}
		for _, p := range ds.Payments {
			var sum fieldportal.Money
			for _, a := range p.Allocations {
				paid[a.InvoiceID] += a.Amount
				sum += a.Amount
			}
			if sum != p.Amount {
				t.Errorf("%s: allocations %v != amount %v", p.ID, sum, p.Amount)
			}
			if p.PaidAt.After(ds.Now) {
				t.Errorf("%s paid in the future: %v", p.ID, p.PaidAt)
			}
		}
		for _, inv := range ds.Invoices {
			if paid[inv.ID] != inv.AmountPaid {
				t.Errorf("%s: payments %v != amount paid %v", inv.ID, paid[inv.ID], inv.AmountPaid)
			}
		}
		if !slices.ContainsFunc(ds.Payments, func(p fieldportal.Payment) bool { return len(p.Allocations) > 1 }) {
			t.Error("no payment settles several invoices")
		}
		if len(ds.Recurring) == 0 || !ds.Recurring[0].Autopay || ds.Recurring[0].Frequency != fieldportal.Monthly || len(ds.Cards) == 0 {
			t.Error("want a monthly recurring invoice on autopay and a saved card")
		}
	})
	t.Run("assets", func(t *testing.T) {
		if len(ds.Assets) < 60 {
			t.Errorf("%d assets, want at least 60", len(ds.Assets))
		}
		types := map[string]bool{}
		for _, a := range ds.Assets {
			types[a.Type] = true
		}
		if len(types) < 5 {
			t.Errorf("%d asset types, want at least 5", len(types))
		}
		first, last := ds.Today, fieldportal.Date{}
		results := map[string]int{}
		for _, x := range ds.Tests {
			if x.TestedOn.Before(first) {
				first = x.TestedOn
			}
			if x.TestedOn.After(last) {
				last = x.TestedOn
			}
			r := string(x.Result)
			if x.Result == fieldportal.TestFail && x.RectifiedAt.IsZero() {
				r = "fail, open"
			} else if x.Result == fieldportal.TestFail {
				r = "fail, rectified"
			}
			results[r]++
		}
		if span := first.DaysUntil(last); span < 700 {
			t.Errorf("tests span %d days (%v to %v), want two years", span, first, last)
		}
		for _, r := range []string{"pass", "not_tested", "fail, open", "fail, rectified"} {
			if results[r] == 0 {
				t.Errorf("no %q tests: %v", r, results)
			}
		}
		if results["pass"] < 4*(len(ds.Tests)-results["pass"]) {
			t.Errorf("passes should dominate: %v", results)
		}
		if len(ds.Transfers) < 2 {
			t.Errorf("%d transfers, want a few", len(ds.Transfers))
		}
	})
	t.Run("people", func(t *testing.T) {
		parent := ds.Demo.Parent.Email
		login := loginOf(t, ds, parent)
		if login.SiteAccess != fieldportal.SiteAccessAll || !login.MayManageContacts || len(login.Pages) != len(fieldportal.AllModules) {
			t.Errorf("parent login %+v", login)
		}
		site := loginOf(t, ds, ds.Demo.Site.Email)
		cust := customerOfContact(ds, site.ContactID)
		var sites int
		for _, s := range ds.Sites {
			if s.CustomerID == cust {
				sites++
			}
		}
		for _, c := range ds.Customers {
			if c.ParentID == cust {
				t.Errorf("the site login's customer %s has a child %s", cust, c.ID)
			}
		}
		if sites != 1 {
			t.Errorf("the site login's customer has %d sites, want 1", sites)
		}
		statuses := map[fieldportal.LoginStatus]bool{}
		assigned := false
		for _, l := range ds.Logins {
			statuses[l.Login.Status] = true
			assigned = assigned || l.Login.SiteAccess == fieldportal.SiteAccessAssigned
		}
		if !statuses[fieldportal.LoginInvited] || !assigned {
			t.Error("want an invited login and one with assigned sites")
		}
	})
}

func loginOf(t *testing.T, ds *Dataset, username string) fieldportal.PortalLogin {
	t.Helper()
	for _, l := range ds.Logins {
		if l.Login.Username == username {
			if l.Password != Password {
				t.Errorf("%s: password %q", username, l.Password)
			}
			return l.Login
		}
	}
	t.Fatalf("no login %s", username)
	return fieldportal.PortalLogin{}
}

func customerOfContact(ds *Dataset, contact string) string {
	for _, c := range ds.Contacts {
		if c.ID == contact {
			return c.CustomerID
		}
	}
	return ""
}

func TestGenerateDatesFollowNow(t *testing.T) {
	for _, now := range []time.Time{testNow, time.Date(2031, 1, 2, 8, 0, 0, 0, time.UTC)} {
		ds := Generate(now)
		today := ds.Today
		var future, past int
		for _, j := range ds.Jobs {
			if j.CreatedAt.After(now) {
				t.Errorf("%s created after now", j.ID)
			}
			if d := fieldportal.DateOf(j.CreatedAt); d.Before(today.AddDays(-731)) {
				t.Errorf("%s created %v, more than two years before %v", j.ID, d, today)
			}
			if !j.ScheduledStart.IsZero() {
				if j.ScheduledStart.After(now) {
					future++
				} else {
					past++
				}
			}
		}
		if future < 5 || past < 20 {
			t.Errorf("now %v: %d jobs scheduled ahead and %d behind", now, future, past)
		}
		var expired, current int
		for _, c := range ds.Certificates {
			if c.ExpiresOn.Before(today) {
				expired++
			} else {
				current++
			}
		}
		if expired == 0 || current == 0 {
			t.Errorf("now %v: %d expired and %d current certificates", now, expired, current)
		}
		for _, f := range ds.Files {
			if f.Document.CreatedAt.After(now) {
				t.Errorf("%s created after now", f.Document.ID)
			}
		}
	}
}

func TestGenerateFilesAreValid(t *testing.T) {
	ds := Generate(testNow)
	kinds := map[string]int{}
	for _, f := range ds.Files {
		kinds[f.Document.ContentType]++
		if int64(len(f.Data)) != f.Document.Size {
			t.Errorf("%s: size %d, have %d bytes", f.Document.ID, f.Document.Size, len(f.Data))
		}
		switch f.Document.ContentType {
		case "image/png":
			if _, err := png.Decode(bytes.NewReader(f.Data)); err != nil {
				t.Errorf("%s: %v", f.Document.ID, err)
			}
		case "application/pdf":
			if err := checkPDF(f.Data); err != "" {
				t.Errorf("%s (%s): %s", f.Document.ID, f.Document.Name, err)
			}
		default:
			t.Errorf("%s: unexpected type %s", f.Document.ID, f.Document.ContentType)
		}
	}
	if kinds["image/png"] == 0 || kinds["application/pdf"] == 0 {
		t.Errorf("want PDFs and PNGs: %v", kinds)
	}
	attached := map[string]bool{}
	for _, f := range ds.Files {
		attached[f.Document.AttachedTo] = true
	}
	for _, k := range []string{"customer", "site", "job", "certificate"} {
		if !attached[k] {
			t.Errorf("no document attached to a %s", k)
		}
	}
}

// checkPDF checks the structure a reader relies on: the header, the
// trailer, startxref pointing at the xref table, and every xref entry
// pointing at "N 0 obj".
func checkPDF(b []byte) string {
	if !bytes.HasPrefix(b, []byte("%PDF-1.")) {
		return "no %PDF header"
	}
	if !bytes.HasSuffix(b, []byte("%%EOF\n")) {
		return "no %%EOF"
	}
	m := regexp.MustCompile(`startxref\n(\d+)\n%%EOF\n$`).FindSubmatch(b)
	if m == nil {
		return "no startxref"
	}
	xref, _ := strconv.Atoi(string(m[1]))
	if xref >= len(b) || !bytes.HasPrefix(b[xref:], []byte("xref\n0 ")) {
		return "startxref does not point at the xref table"
	}
	table := regexp.MustCompile(`^xref\n0 (\d+)\n((?:\d{10} \d{5} [nf] \n)+)trailer\n<< /Size (\d+) /Root 1 0 R >>`).FindSubmatch(b[xref:])
	if table == nil {
		return "malformed xref table or trailer"
	}
	n, _ := strconv.Atoi(string(table[1]))
	if len(table[2]) != 20*n || string(table[1]) != string(table[3]) {
		return "xref entry count does not match /Size"
	}
	for i := 1; i < n; i++ {
		off, _ := strconv.Atoi(string(table[2][20*i : 20*i+10]))
		if !bytes.HasPrefix(b[off:], []byte(strconv.Itoa(i)+" 0 obj\n")) {
			return "xref entry " + strconv.Itoa(i) + " does not point at its object"
		}
	}
	stream := regexp.MustCompile(`/Length (\d+) >>\nstream\n`).FindSubmatchIndex(b)
	if stream == nil {
		return "no content stream"
	}
	length, _ := strconv.Atoi(string(b[stream[2]:stream[3]]))
	if !bytes.HasPrefix(b[stream[1]+length:], []byte("endstream")) {
		return "stream /Length is wrong"
	}
	return ""
}
