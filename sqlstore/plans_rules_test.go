package sqlstore_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestPlanRules checks TestPlans' rules on plans written by hand, each
// the shape an engine prints, so that a rule that stops failing is seen
// without a database.
func TestPlanRules(t *testing.T) {
	large := map[string]int64{"invoices": 10000, "sites": 1000}

	postgres := []struct {
		name string
		json string
		want []string
	}{
		{"seq scan of a large table", `[{"Plan": {"Node Type": "Limit", "Plans": [
			{"Node Type": "Seq Scan", "Parent Relationship": "Outer", "Relation Name": "invoices", "Alias": "i", "Actual Rows": 51, "Actual Loops": 1}]}}]`,
			[]string{"sequential scan of invoices (10000 rows)"}},
		{"seq scan of a small table", `[{"Plan": {"Node Type": "Seq Scan", "Relation Name": "organisations", "Actual Rows": 1, "Actual Loops": 1}}]`,
			nil},
		{"sort of the whole table", `[{"Plan": {"Node Type": "Limit", "Plans": [
			{"Node Type": "Sort", "Parent Relationship": "Outer", "Actual Rows": 51, "Actual Loops": 1, "Plans": [
				{"Node Type": "Bitmap Heap Scan", "Parent Relationship": "Outer", "Relation Name": "invoices", "Actual Rows": 9990, "Actual Loops": 1}]}]}}]`,
			[]string{"sort of 9990 rows, invoices has 10000", "Bitmap Heap Scan of invoices read 9990 of its 10000 rows"}},
		{"sort of the reached rows", `[{"Plan": {"Node Type": "Sort", "Actual Rows": 2000, "Actual Loops": 1, "Plans": [
			{"Node Type": "Index Scan", "Parent Relationship": "Outer", "Relation Name": "invoices", "Index Name": "invoices_site",
				"Index Cond": "(site_id = s.id)", "Actual Rows": 10, "Actual Loops": 200}]}}]`,
			nil},
		{"index walked whole and filtered", `[{"Plan": {"Node Type": "Limit", "Plans": [
			{"Node Type": "Index Scan", "Parent Relationship": "Outer", "Relation Name": "sites", "Index Name": "sites_name",
				"Index Cond": "(org_id = 'o'::text)", "Actual Rows": 1, "Actual Loops": 1, "Rows Removed by Filter": 999}]}}]`,
			[]string{"Index Scan of sites read 1000 of its 1000 rows"}},
		{"index walked in order under a limit", `[{"Plan": {"Node Type": "Limit", "Plans": [
			{"Node Type": "Index Scan", "Parent Relationship": "Outer", "Relation Name": "invoices", "Index Name": "invoices_issued",
				"Actual Rows": 51, "Actual Loops": 1, "Rows Removed by Filter": 30}]}}]`,
			nil},
		{"index with no condition and no limit", `[{"Plan": {"Node Type": "Aggregate", "Plans": [
			{"Node Type": "Index Only Scan", "Parent Relationship": "Outer", "Relation Name": "sites", "Index Name": "sites_customer",
				"Actual Rows": 200, "Actual Loops": 1}]}}]`,
			[]string{"scan of all of sites (1000 rows) through sites_customer, with no condition and no limit"}},
		{"a limit does not reach through a sort", `[{"Plan": {"Node Type": "Limit", "Plans": [
			{"Node Type": "Sort", "Parent Relationship": "Outer", "Actual Rows": 200, "Actual Loops": 1, "Plans": [
				{"Node Type": "Index Scan", "Parent Relationship": "Outer", "Relation Name": "sites", "Index Name": "sites_pkey",
					"Actual Rows": 200, "Actual Loops": 1}]}]}}]`,
			[]string{"scan of all of sites (1000 rows) through sites_pkey, with no condition and no limit"}},
		{"nor into a sub-plan", `[{"Plan": {"Node Type": "Limit", "Plans": [
			{"Node Type": "Index Scan", "Parent Relationship": "Outer", "Relation Name": "sites", "Index Name": "sites_name",
				"Index Cond": "(org_id = 'o'::text)", "Actual Rows": 51, "Actual Loops": 1, "Plans": [
				{"Node Type": "Index Scan", "Parent Relationship": "SubPlan", "Relation Name": "invoices", "Index Name": "invoices_pkey",
					"Actual Rows": 10, "Actual Loops": 1}]}]}}]`,
			[]string{"scan of all of invoices (10000 rows) through invoices_pkey, with no condition and no limit"}},
	}
	for _, c := range postgres {
		t.Run("postgres "+c.name, func(t *testing.T) {
			p, err := parsePostgresPlan(c.json)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(c.want, p.violations(large)); diff != "" {
				t.Errorf("violations (-want +got):\n%s\nplan:\n%s", diff, p)
			}
		})
	}

	const sqliteText = `WITH RECURSIVE reach AS (SELECT 1) SELECT count(*) FROM (SELECT i.total FROM sites rs
		JOIN invoices i ON i.site_id = rs.id) x JOIN organisations o ON o.id = $1`
	sqlite := []struct {
		name   string
		detail string
		want   []string
	}{
		{"scan of a large table by its alias", "SCAN i",
			[]string{"full scan of invoices (10000 rows) without an index: SCAN i"}},
		{"scan of a large table by its name, old style", "SCAN TABLE sites AS rs",
			[]string{"full scan of sites (1000 rows) without an index: SCAN TABLE sites AS rs"}},
		{"scan through an index", "SCAN i USING INDEX invoices_issued", nil},
		{"scan through a covering index", "SCAN rs USING COVERING INDEX sites_customer", nil},
		{"search", "SEARCH i USING INDEX invoices_site (site_id=?)", nil},
		{"scan of a small table", "SCAN o", nil},
		{"scan of a CTE", "SCAN reach", nil},
		{"scan of a sub-query", "SCAN x", nil},
		{"scan of a constant row", "SCAN CONSTANT ROW", nil},
	}
	for _, c := range sqlite {
		t.Run("sqlite "+c.name, func(t *testing.T) {
			p := sqlitePlan([]sqliteLine{{id: 2, parent: 0, detail: "CO-ROUTINE x"}, {id: 3, parent: 0, detail: c.detail}}, sqliteText)
			if diff := cmp.Diff(c.want, p.violations(large)); diff != "" {
				t.Errorf("violations (-want +got):\n%s\nplan:\n%s", diff, p)
			}
		})
	}

	t.Run("unknown output", func(t *testing.T) {
		if _, err := parsePostgresPlan(`{}`); err == nil {
			t.Error("no error")
		}
	})
}
