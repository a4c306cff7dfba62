package gen

import (
	"fmt"
	"slices"
)

// assetFacts are what other tables need to know about an asset.
type assetFacts struct {
	site, typ int
	created   int // day
	installed int // day
	tests     int // how many tests it has
	firstTest int // global index of its first test
	newest    int // day of its newest test (0: none)
	offset    int // days before today of its newest test
}

func (g *gen) asset(a int) assetFacts {
	r := g.rec(kAsset, a)
	f := assetFacts{site: int(g.l.assetSite[a]), typ: r.intn(len(assetTypes))}
	f.tests = share(a, g.size.Tests, g.size.Assets)
	f.firstTest = int(int64(a) * int64(g.size.Tests) / int64(g.size.Assets))
	every := assetTypes[f.typ].every
	f.offset = 1 + r.intn(every)
	oldest := -(f.offset + (f.tests-1)*every)
	if f.tests == 0 {
		oldest = -r.between(30, 400)
	} else {
		f.newest = -f.offset
	}
	f.installed = min(oldest, g.siteCreated(f.site)) - r.between(1, 60)
	f.created = max(f.installed, -start)
	return f
}

func (g *gen) assetID(a int) string {
	f := g.asset(a)
	return g.id(kAsset, a, g.at(f.created, 9, 0))
}

func (g *gen) assets() *table {
	return newTable("assets", `id, org_id, external_id, number, customer_id, site_id, asset_type, name, location, serial,
		make, model, service_level, service_interval, next_service_due, installed_on, status, created_at, updated_at`,
		func(yield func([]any) bool) {
			created := func(a int) int { return g.asset(a).created }
			for _, a := range inOrder(g.size.Assets, created) { // see tests
				f := g.asset(a)
				r := g.rec(kAsset, a)
				r.next()
				t := assetTypes[f.typ]
				m := pick(&r, t.models)
				var due any
				if f.tests > 0 {
					due = g.date(f.newest + t.every)
				}
				status := "active"
				if r.chance(0.02) {
					status = "inactive"
				}
				at := g.at(f.created, 9, 0)
				if !yield([]any{g.id(kAsset, a, at), g.org, fmt.Sprintf("AST-%07d", a+1), fmt.Sprintf("A-%06d", a+1),
					g.customerID(int(g.l.siteCust[f.site])), g.siteID(f.site), t.typ, t.typ + " - " + m[1],
					pick(&r, t.locations), fmt.Sprintf("%s%07d", m[0][:2], r.intn(10000000)), m[0], m[1], t.level,
					t.interval, due, g.date(f.installed), status, at, at}) {
					return
				}
			}
		})
}

// transfers: about one asset in a hundred came from another site of the
// same customer (the site before it in the layout).
func (g *gen) transfers() *table {
	return newTable("asset_transfers", `id, org_id, external_id, asset_id, from_site_id, to_site_id, transferred_on,
		note, created_at, updated_at`, func(yield func([]any) bool) {
		for a := range g.size.Assets {
			r := g.rec(kTransfer, a)
			if !r.chance(0.01) {
				continue
			}
			f := g.asset(a)
			if f.site == 0 || g.l.siteCust[f.site-1] != g.l.siteCust[f.site] {
				continue
			}
			day := f.installed + r.between(1, max(1, -f.installed-1))
			at := g.workTime(&r, min(day, 0))
			if !yield([]any{g.id(kTransfer, a, at), g.org, nil, g.assetID(a), g.siteID(f.site - 1), g.siteID(f.site),
				g.date(day), "Moved after a refit.", at, at}) {
				return
			}
		}
	})
}

// tests: each asset's results at its type's interval back from its
// newest; mostly passes, some not tested, some failures of which the
// older ones were mostly put right. They are written in the order they
// were made (by date), as the store would have: ids and dates then grow
// together, so most index inserts append instead of landing at random.
func (g *gen) tests() *table {
	return newTable("asset_tests", `id, org_id, external_id, asset_id, job_id, tested_on, result, technician, notes,
		rectified_at, created_at, updated_at`, func(yield func([]any) bool) {
		testAsset := make([]int32, g.size.Tests)
		for a := range g.size.Assets {
			f := g.asset(a)
			for k := range f.tests {
				testAsset[f.firstTest+k] = int32(a)
			}
		}
		testDay := func(n int) int {
			f := g.asset(int(testAsset[n]))
			return f.newest - (f.tests-1-(n-f.firstTest))*assetTypes[f.typ].every
		}
		for _, n := range inOrder(g.size.Tests, testDay) {
			a := int(testAsset[n])
			f := g.asset(a)
			t := assetTypes[f.typ]
			r := g.rec(kTest, n)
			day := testDay(n)
			result, notes, rectified := "pass", "", any(nil)
			switch x := r.float(); {
			case x < 0.05:
				result, notes = "not_tested", "No access: area locked"
			case x < 0.11:
				result, notes = "fail", pick(&r, t.failNotes)
				if day < -21 && r.chance(0.8) {
					rectified = g.workTime(&r, day+r.between(1, 14))
				}
			default:
				if r.chance(0.3) {
					notes = "Satisfactory"
				}
			}
			at := g.at(day, 17, 30)
			if !yield([]any{g.id(kTest, n, at), g.org, nil, g.assetID(a), nil, g.date(day), result, pick(&r, technicians),
				notes, rectified, at, at}) {
				return
			}
		}
	})
}

// inOrder returns 0..n-1 sorted by day (then by index): the order in
// which records made on those days are written.
func inOrder(n int, day func(i int) int) []int {
	keys := make([]uint64, n)
	for i := range n {
		keys[i] = uint64(day(i)+1<<30)<<32 | uint64(i)
	}
	slices.Sort(keys)
	out := make([]int, n)
	for i, k := range keys {
		out[i] = int(k & 0xffffffff)
	}
	return out
}
