package pdf

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/internal/pdftest"
)

// testStatement is a statement of n invoices, each paid the week after,
// on top of an opening balance, with some of it overdue at the end.
func testStatement(n int) *fieldportal.Statement {
	day := func(m, d int) fieldportal.Date {
		return fieldportal.Date{Year: 2026, Month: 1, Day: 1}.AddDays(31*(m-1) + d - 1)
	}
	in := fieldportal.StatementInput{From: fieldportal.Date{Year: 2026, Month: 1, Day: 1}, To: fieldportal.Date{Year: 2026, Month: 3, Day: 31},
		Opening: 25000, Brought: []fieldportal.OwedByDueDate{{DueDate: fieldportal.Date{Year: 2025, Month: 11, Day: 30}, Amount: 25000}}}
	for i := range n {
		issued := day(1, 1).AddDays(i * 80 / max(n, 1))
		id := fmt.Sprintf("i%d", i)
		in.Invoices = append(in.Invoices, fieldportal.StatementInvoiceIn{ID: id, Number: fmt.Sprintf("INV-%d", 1001+i),
			SiteName: "Dock Warehouse, Wapping Wharf, Bristol", Description: "Service visit", IssueDate: issued, DueDate: issued.AddDays(30),
			Total: fieldportal.Money(12000 + 150*i)})
		if i%3 != 2 {
			in.Payments = append(in.Payments, fieldportal.StatementPaymentIn{ID: "p" + id, ReceiptNumber: fmt.Sprintf("R-%d", 5001+i),
				Method: "card", Date: issued.AddDays(7), Allocations: []fieldportal.StatementAllocation{
					{InvoiceID: id, DueDate: issued.AddDays(30), Amount: fieldportal.Money(12000 + 150*i)}}})
		}
	}
	st := fieldportal.BuildStatement(in)
	return &st
}

func TestStatementGolden(t *testing.T) {
	for _, tc := range []struct {
		name    string
		entries int
		pages   int
	}{
		{"statement_short", 4, 1},
		{"statement_three_pages", 60, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := testStatement(tc.entries)
			data, err := Statement(testOptions(t, MustLogo(t, false)), st, testCustomer)
			if err != nil {
				t.Fatal(err)
			}
			text := pdftest.MustText(t, data)
			MustGolden(t, tc.name, text)
			if got := pdftest.MustPages(t, data); got != tc.pages {
				t.Errorf("%d pages, want %d", got, tc.pages)
			}
			pages := strings.Split(strings.TrimRight(text, "\f\n"), "\f")
			for i, page := range pages {
				for _, want := range []string{"Acme Fire & Security", "Date", "Balance", fmt.Sprintf("Page %d of %d", i+1, tc.pages)} {
					if !strings.Contains(page, want) {
						t.Errorf("page %d lacks %q", i+1, want)
					}
				}
			}
			last := pages[len(pages)-1]
			for _, want := range []string{"Closing balance", st.Closing.String(), "Over 90 days", "Total owed"} {
				if !strings.Contains(last, want) {
					t.Errorf("the last page lacks %q", want)
				}
			}
		})
	}
}

func TestStatementTooLong(t *testing.T) {
	old := MaxStatementEntries
	MaxStatementEntries = 7
	t.Cleanup(func() { MaxStatementEntries = old })
	if _, err := Statement(testOptions(t, nil), testStatement(4), testCustomer); err != nil {
		t.Fatalf("7 entries: %v", err)
	}
	_, err := Statement(testOptions(t, nil), testStatement(5), testCustomer)
	var e *fieldportal.Error
	if !errors.As(err, &e) || e.Code != fieldportal.EINVALID || e.Field != "from" {
		t.Errorf("9 entries: err = %v, want invalid from", err)
	}

}

// TestStatementInGreek checks a statement whose text needs the embedded
// fonts: a site's name in Greek, in the cells cut to their column.
func TestStatementInGreek(t *testing.T) {
	st := testStatement(3)
	for i := range st.Entries {
		if st.Entries[i].SiteName != "" {
			st.Entries[i].SiteName = "Αποθήκη Πειραιά, Λεωφόρος Ποσειδώνος"
		}
	}
	greek := Party{Label: "Customer", Name: "Παπαδόπουλος ΑΕ"}
	data, err := Statement(testOptions(t, nil), st, greek)
	if err != nil {
		t.Fatal(err)
	}
	text := pdftest.MustText(t, data)
	for _, want := range []string{greek.Name, "Αποθήκη", "INV-1001", "Closing balance"} {
		if !strings.Contains(text, want) {
			t.Errorf("the statement lacks %q:\n%s", want, text)
		}
	}
}

// BenchmarkStatementPDF times a statement of 1,000 entries (about 20
// pages), with a logo.
func BenchmarkStatementPDF(b *testing.B) {
	opt := testOptions(b, MustLogo(b, false))
	st := testStatement(750) // 750 invoices and 500 payments
	for b.Loop() {
		if _, err := Statement(opt, st, testCustomer); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStatementPDFYear times a year's statement of the biggest
// customer: 189,360 entries (issue 15's target is 2 s). peak-MB is the
// most heap in use while drawing it, above what the statement itself
// holds, sampled every 5 ms.
func BenchmarkStatementPDFYear(b *testing.B) {
	opt := testOptions(b, MustLogo(b, false))
	st := testStatement(113_616) // 113,616 invoices and 75,744 payments
	if len(st.Entries) != 189_360 {
		b.Fatalf("%d entries", len(st.Entries))
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		var ms runtime.MemStats
		for {
			select {
			case <-done:
				return
			case <-time.After(5 * time.Millisecond):
			}
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
		}
	})
	b.ResetTimer()
	for b.Loop() {
		data, err := Statement(opt, st, testCustomer)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(len(data))/1e6, "MB")
	}
	close(done)
	wg.Wait()
	b.ReportMetric(float64(peak.Load()-min(base, peak.Load()))/1e6, "peak-MB")
}
