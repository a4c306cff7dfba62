package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

func TestAssetTests(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		org := MustOrg(t, db, "Acme Fire")
		staff := fieldportal.SystemViewer(org.ID, "test")
		cust := MustCustomer(t, db, staff, &fieldportal.Customer{Name: "Group"})
		north := mustAssetsSite(t, db, staff, cust.ID, "North")
		south := mustAssetsSite(t, db, staff, cust.ID, "South")
		ext := MustAsset(t, db, staff, &fieldportal.Asset{SiteID: north.ID, Type: "Extinguisher", Number: "X1", Name: "CO2"})
		pnl := MustAsset(t, db, staff, &fieldportal.Asset{SiteID: north.ID, Type: "Panel", Number: "P1", Name: "Panel"})
		spr := MustAsset(t, db, staff, &fieldportal.Asset{SiteID: south.ID, Type: "Sprinkler", Number: "S1", Name: "Riser"})
		spr2 := MustAsset(t, db, staff, &fieldportal.Asset{SiteID: south.ID, Type: "Sprinkler", Number: "S2", Name: "Pump"})
		test := func(a *fieldportal.Asset, on fieldportal.Date, r fieldportal.TestResult, notes string) *fieldportal.AssetTest {
			return MustAssetTest(t, db, staff, &fieldportal.AssetTest{AssetID: a.ID, TestedOn: on, Result: r, Notes: notes, Technician: "Sam"})
		}
		// X1: failed, then passed (no defect). P1: passed, then failed (defect).
		// S1: failed and rectified (no defect). S2: two tests on one day, the
		// later by id failed (defect).
		test(ext, day(1, 10), fieldportal.TestFail, "x1 jan")
		test(ext, day(2, 10), fieldportal.TestPass, "x1 feb")
		test(pnl, day(1, 12), fieldportal.TestPass, "p1 jan")
		p1fail := test(pnl, day(3, 1), fieldportal.TestFail, "p1 mar")
		s1 := test(spr, day(2, 20), fieldportal.TestFail, "s1 feb")
		test(spr2, day(3, 5), fieldportal.TestPass, "s2 mar a")
		s2fail := test(spr2, day(3, 5), fieldportal.TestFail, "s2 mar b")
		notes := func(list []*fieldportal.AssetTest) []string {
			var out []string
			for _, x := range list {
				out = append(out, x.Notes)
			}
			return out
		}

		t.Run("create and find", func(t *testing.T) {
			x := test(ext, day(4, 1), fieldportal.TestNotTested, "x1 apr")
			got, err := db.FindAssetTestByID(ctx, staff, x.ID)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(x, got); diff != "" {
				t.Errorf("test differs (-want +got):\n%s", diff)
			}
			if got.AssetNumber != "X1" || got.AssetType != "Extinguisher" {
				t.Errorf("asset fields %q %q", got.AssetNumber, got.AssetType)
			}
		})
		t.Run("invalid test names the field", func(t *testing.T) {
			for want, x := range map[string]*fieldportal.AssetTest{
				"result":       {AssetID: ext.ID, TestedOn: day(1, 1), Result: "maybe"},
				"tested_on":    {AssetID: ext.ID, Result: fieldportal.TestPass},
				"asset_id":     {AssetID: "nope", TestedOn: day(1, 1), Result: fieldportal.TestPass},
				"rectified_at": {AssetID: ext.ID, TestedOn: day(1, 1), Result: fieldportal.TestPass, RectifiedAt: time.Now()},
				"job_id":       {AssetID: ext.ID, TestedOn: day(1, 1), Result: fieldportal.TestPass, JobID: "nope"},
			} {
				if f := fieldOf(db.CreateAssetTest(ctx, staff, x)); f != want {
					t.Errorf("field = %s, want %s", f, want)
				}
			}
		})
		t.Run("rectify a failure", func(t *testing.T) {
			s1.RectifiedAt = time.Date(2025, 2, 25, 9, 0, 0, 0, time.UTC)
			if err := db.UpdateAssetTest(ctx, staff, s1); err != nil {
				t.Fatal(err)
			}
			got, _ := db.FindAssetTestByID(ctx, staff, s1.ID)
			if !got.RectifiedAt.Equal(s1.RectifiedAt) {
				t.Errorf("rectified_at = %v", got.RectifiedAt)
			}
		})
		t.Run("history newest first, pages cover every test once", func(t *testing.T) {
			got := pageAll(t, func(after string) ([]*fieldportal.AssetTest, string, error) {
				return db.FindAssetTests(ctx, staff, fieldportal.AssetTestFilter{Page: fieldportal.Page{After: after, Limit: 3}})
			}, func(x *fieldportal.AssetTest) string { return x.Notes })
			want := []string{"x1 apr", "s2 mar b", "s2 mar a", "p1 mar", "s1 feb", "x1 feb", "p1 jan", "x1 jan"}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
		t.Run("filters", func(t *testing.T) {
			for name, c := range map[string]struct {
				f    fieldportal.AssetTestFilter
				want []string
			}{
				"asset":      {fieldportal.AssetTestFilter{AssetID: pnl.ID}, []string{"p1 mar", "p1 jan"}},
				"site":       {fieldportal.AssetTestFilter{SiteID: south.ID}, []string{"s2 mar b", "s2 mar a", "s1 feb"}},
				"type":       {fieldportal.AssetTestFilter{AssetType: "Sprinkler", Result: fieldportal.TestFail}, []string{"s2 mar b", "s1 feb"}},
				"result":     {fieldportal.AssetTestFilter{Result: fieldportal.TestPass}, []string{"s2 mar a", "x1 feb", "p1 jan"}},
				"date range": {fieldportal.AssetTestFilter{From: day(2, 10), To: day(3, 1)}, []string{"p1 mar", "s1 feb", "x1 feb"}},
			} {
				t.Run(name, func(t *testing.T) {
					list, _, err := db.FindAssetTests(ctx, staff, c.f)
					if err != nil {
						t.Fatal(err)
					}
					if diff := cmp.Diff(c.want, notes(list)); diff != "" {
						t.Errorf("(-want +got):\n%s", diff)
					}
				})
			}
		})
		t.Run("current defects", func(t *testing.T) {
			got, err := db.FindCurrentDefects(ctx, staff, "", "")
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, d := range got {
				ids = append(ids, d.Asset.Number+":"+d.Test.ID)
			}
			want := []string{"P1:" + p1fail.ID, "S2:" + s2fail.ID}
			if diff := cmp.Diff(want, ids); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if len(got) == 2 && (got[0].Asset.SiteName != "North" || got[1].Test.Notes != "s2 mar b") {
				t.Errorf("defect rows %+v %+v", got[0].Asset, got[1].Test)
			}
			got, err = db.FindCurrentDefects(ctx, staff, north.ID, "")
			if err != nil || len(got) != 1 || got[0].Asset.ID != pnl.ID {
				t.Errorf("north defects = %v, %v", got, err)
			}
			got, err = db.FindCurrentDefects(ctx, staff, "", "Panel")
			if err != nil || len(got) != 1 || got[0].Asset.ID != pnl.ID {
				t.Errorf("panel defects = %v, %v", got, err)
			}
		})
		t.Run("updated since", func(t *testing.T) {
			since := time.Now().UTC()
			time.Sleep(2 * time.Millisecond)
			p1fail.Technician = "Alex"
			if err := db.UpdateAssetTest(ctx, staff, p1fail); err != nil {
				t.Fatal(err)
			}
			list, _, err := db.FindAssetTests(ctx, staff, fieldportal.AssetTestFilter{UpdatedSince: since})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string{"p1 mar"}, notes(list)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
		t.Run("upsert by external id", func(t *testing.T) {
			x := &fieldportal.AssetTest{ExternalID: "t-9", AssetID: spr.ID, TestedOn: day(5, 1), Result: fieldportal.TestPass}
			created, err := db.UpsertAssetTestByExternalID(ctx, staff, x)
			if err != nil || !created {
				t.Fatalf("first upsert: %v %v", created, err)
			}
			y := &fieldportal.AssetTest{ExternalID: "t-9", AssetID: spr.ID, TestedOn: day(5, 2), Result: fieldportal.TestFail}
			created, err = db.UpsertAssetTestByExternalID(ctx, staff, y)
			if err != nil || created || y.ID != x.ID {
				t.Fatalf("second upsert: %v %v", created, err)
			}
		})
		t.Run("tests follow their asset's site", func(t *testing.T) {
			o := MustCustomer(t, db, staff, &fieldportal.Customer{Name: "Other"})
			far := mustAssetsSite(t, db, staff, o.ID, "Far")
			a := MustAsset(t, db, staff, &fieldportal.Asset{SiteID: north.ID, Type: "Door", Number: "D1", Name: "Door"})
			x := test(a, day(6, 1), fieldportal.TestFail, "d1 jun")
			c := assetsContactViewer(t, db, org.ID, cust.ID, fieldportal.AllModules)
			if _, err := db.FindAssetTestByID(ctx, c, x.ID); err != nil {
				t.Fatalf("contact reads a test at its site: %v", err)
			}
			if _, err := db.TransferAsset(ctx, staff, a.ID, far.ID, day(6, 2), ""); err != nil {
				t.Fatal(err)
			}
			if _, err := db.FindAssetTestByID(ctx, c, x.ID); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
				t.Errorf("contact reads a test of a moved asset: %v", err)
			}
			if tr, err := db.FindAssetTransfers(ctx, c, a.ID); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND || len(tr) != 0 {
				t.Errorf("contact sees the moved asset's transfers: %v %v", tr, err)
			}
			list, _, _ := db.FindAssetTests(ctx, c, fieldportal.AssetTestFilter{AssetID: a.ID})
			defects, _ := db.FindCurrentDefects(ctx, c, "", "Door")
			if len(list) != 0 || len(defects) != 0 {
				t.Errorf("contact sees %d tests, %d defects of a moved asset", len(list), len(defects))
			}
		})
		t.Run("contact scope", func(t *testing.T) {
			southOnly := assetsContactViewer(t, db, org.ID, cust.ID, fieldportal.AllModules, south.ID)
			list, _, err := db.FindAssetTests(ctx, southOnly, fieldportal.AssetTestFilter{Result: fieldportal.TestFail})
			if err != nil {
				t.Fatal(err)
			}
			for _, x := range list {
				if x.AssetID != spr.ID && x.AssetID != spr2.ID {
					t.Errorf("south-only contact sees a test of %s", x.AssetNumber)
				}
			}
			defects, err := db.FindCurrentDefects(ctx, southOnly, "", "")
			if err != nil || len(defects) != 2 {
				t.Errorf("south-only contact's defects: %d, %v", len(defects), err)
			}
			if _, err := db.FindAssetTestByID(ctx, southOnly, p1fail.ID); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
				t.Errorf("south-only contact reads a north test: %v", err)
			}
			noTab := assetsContactViewer(t, db, org.ID, cust.ID, fieldportal.Modules{fieldportal.ModuleReports})
			if _, err := db.FindCurrentDefects(ctx, noTab, "", ""); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
				t.Errorf("contact without the Equipment tab: %v", err)
			}
			if err := db.CreateAssetTest(ctx, southOnly, &fieldportal.AssetTest{AssetID: spr.ID, TestedOn: day(1, 1), Result: fieldportal.TestPass}); fieldportal.ErrorCode(err) != fieldportal.EFORBIDDEN {
				t.Errorf("contact records a test: %v", err)
			}
		})
		t.Run("another organisation and anonymous see nothing", func(t *testing.T) {
			o2 := fieldportal.SystemViewer(MustOrg(t, db, "Other Org").ID, "test")
			list, _, err := db.FindAssetTests(ctx, o2, fieldportal.AssetTestFilter{})
			defects, err2 := db.FindCurrentDefects(ctx, o2, "", "")
			if err != nil || err2 != nil || len(list) != 0 || len(defects) != 0 {
				t.Errorf("other org sees %d tests, %d defects (%v %v)", len(list), len(defects), err, err2)
			}
			if err := db.CreateAssetTest(ctx, o2, &fieldportal.AssetTest{AssetID: ext.ID, TestedOn: day(1, 1), Result: fieldportal.TestPass}); fieldOf(err) != "asset_id" {
				t.Errorf("other org records a test on our asset: %v", err)
			}
			if _, _, err := db.FindAssetTests(ctx, fieldportal.Viewer{}, fieldportal.AssetTestFilter{}); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
				t.Errorf("anonymous lists tests: %v", err)
			}
		})
	})
}
