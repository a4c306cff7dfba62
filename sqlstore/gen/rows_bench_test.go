package gen

import (
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
)

// BenchmarkRows makes the small size's rows without a database: the
// generator's own cost, apart from the engines'.
func BenchmarkRows(b *testing.B) {
	now := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	loc, _ := time.LoadLocation("Europe/London")
	g := &gen{size: Small, seed: 1, now: now, today: fieldportal.DateOf(now.In(loc)), loc: loc}
	g.l = g.newLayout()
	for b.Loop() {
		var n int
		for _, t := range g.tables() {
			t0 := time.Now()
			k := 0
			for range t.rows {
				k++
			}
			n += k
			if b.N == 1 {
				b.Logf("%-20s %8d rows %8.0f rows/s", t.name, k, float64(k)/time.Since(t0).Seconds())
			}
		}
		b.ReportMetric(float64(n), "rows/op")
	}
}
