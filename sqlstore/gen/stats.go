package gen

import (
	"fmt"
	"io"
	"time"
)

// TableStats is what was written to one table and how long it took.
type TableStats struct {
	Table    string        // the table's name
	Rows     int64         // rows written
	Duration time.Duration // from the first row to the last, commits included
}

// RowsPerSecond is the table's load rate.
func (t TableStats) RowsPerSecond() float64 { return rate(t.Rows, t.Duration) }

// Stats is what Generate wrote.
type Stats struct {
	// Engine is "sqlite" or "postgres"; Size the size's name; Seed the seed.
	Engine, Size string
	Seed         uint64
	// Tables are in the order they were written.
	Tables []TableStats
	// Rows is the sum over the tables.
	Rows int64
	// Load is the time to write every table (commits included); Analyze
	// that of ANALYZE afterwards; Duration both.
	Load, Analyze, Duration time.Duration
}

// RowsPerSecond is the overall load rate (ANALYZE excluded).
func (s Stats) RowsPerSecond() float64 { return rate(s.Rows, s.Load) }

// Count returns the rows written to a table.
func (s Stats) Count(table string) int64 {
	for _, t := range s.Tables {
		if t.Table == table {
			return t.Rows
		}
	}
	return 0
}

// Print writes the stats as the table Generate prints as it goes.
func (s Stats) Print(w io.Writer) {
	fmt.Fprint(w, statsHeader)
	for _, t := range s.Tables {
		fmt.Fprint(w, t.line())
	}
	fmt.Fprint(w, s.footer())
}

const statsHeader = "table                        rows    seconds      rows/s\n"

func (t TableStats) line() string {
	return fmt.Sprintf("%-22s %10d %10.2f %11.0f\n", t.Table, t.Rows, t.Duration.Seconds(), t.RowsPerSecond())
}

func (s Stats) footer() string {
	return fmt.Sprintf("%-22s %10d %10.2f %11.0f\nanalyze %.2fs; total %.2fs\n",
		"total", s.Rows, s.Load.Seconds(), s.RowsPerSecond(), s.Analyze.Seconds(), s.Duration.Seconds())
}

func rate(n int64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}
