package bench

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// loadOf is a Load of n requests over elapsed, with the given latencies.
func loadOf(elapsed time.Duration, lat ...time.Duration) *Load {
	slices.Sort(lat)
	return &Load{Requests: len(lat), Elapsed: elapsed, latencies: lat}
}

func TestPercentile(t *testing.T) {
	var lat []time.Duration
	for i := 1; i <= 100; i++ {
		lat = append(lat, time.Duration(i)*time.Millisecond)
	}
	l := loadOf(time.Second, lat...)
	for _, tc := range []struct {
		p    float64
		want time.Duration
	}{{50, 50 * time.Millisecond}, {95, 95 * time.Millisecond}, {99, 99 * time.Millisecond}, {100, 100 * time.Millisecond}, {0, time.Millisecond}} {
		t.Run(fmt.Sprintf("p%v", tc.p), func(t *testing.T) {
			if got := l.Percentile(tc.p); got != tc.want {
				t.Errorf("p%v = %s, want %s", tc.p, got, tc.want)
			}
		})
	}
	t.Run("empty", func(t *testing.T) {
		if got := (&Load{}).Percentile(50); got != 0 {
			t.Errorf("p50 of nothing = %s", got)
		}
	})
	t.Run("rate", func(t *testing.T) {
		if got := l.ReqPerSec(); got != 100 {
			t.Errorf("req/s = %v, want 100", got)
		}
	})
}

func TestMisses(t *testing.T) {
	ms := time.Millisecond
	fast := loadOf(time.Second, ms, ms, 2*ms)
	bareFast := loadOf(time.Second, ms, ms, ms)
	for _, tc := range []struct {
		name string
		row  Row
		want []string
	}{
		{"all met", Row{ContentType: "text/html; charset=utf-8", Gzipped: true, Bytes: 10 << 10, SQL: ms, Page: fast, Alone: fast, Bare: bareFast}, nil},
		{"slow tail", Row{ContentType: "text/csv", SQL: ms, Page: loadOf(time.Second, ms, 30*ms), Alone: fast, Bare: bareFast}, []string{"p95 > 25 ms"}},
		{"far from its SQL", Row{ContentType: "text/csv", SQL: ms / 4, Page: fast, Alone: fast, Bare: bareFast}, []string{"> 2× SQL"}},
		{"dashboard below a quarter of bare", Row{Entry: Entry{Dashboard: true}, ContentType: "text/csv", SQL: ms, Page: fast,
			Alone: fast, Bare: loadOf(time.Second/10, ms, ms, ms)}, []string{"< 25% of bare"}},
		{"big uncompressed HTML", Row{ContentType: "text/html", Bytes: 61 << 10, SQL: ms, Page: fast, Alone: fast, Bare: bareFast},
			[]string{"> 60 KB", "not compressed"}},
		{"CSV needs no compression", Row{ContentType: "text/csv", Bytes: 1 << 20, SQL: ms, Page: fast, Alone: fast, Bare: bareFast}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := misses(&tc.row); !slices.Equal(got, tc.want) {
				t.Errorf("misses = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestKiloBytesField(t *testing.T) {
	text := "Name:\tfieldportal\nVmPeak:\t  200 kB\nVmRSS:\t   65536 kB\n"
	for _, tc := range []struct {
		name string
		want int64
		ok   bool
	}{{"VmRSS:", 64 << 20, true}, {"VmPeak:", 200 << 10, true}, {"VmSwap:", 0, false}} {
		t.Run(strings.TrimSuffix(tc.name, ":"), func(t *testing.T) {
			got, err := kiloBytesField(text, tc.name)
			if got != tc.want || (err == nil) != tc.ok {
				t.Errorf("kiloBytesField(%s) = %d, %v; want %d", tc.name, got, err, tc.want)
			}
		})
	}
}
