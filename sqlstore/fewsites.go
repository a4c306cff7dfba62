package sqlstore

import (
	"context"
	"strconv"

	"github.com/fieldportal/fieldportal"
)

// fewSites is the most sites a contact may reach for its lists and counts
// to be read site by site rather than across the organisation (see
// reachesFewSites).
const fewSites = 100

// fewSitesKey carries reachesFewSites' answer through one request that
// asks it several times (the dashboard).
type fewSitesKey struct{}

// reachesFewSites reports whether v is a contact that reaches at most
// fewSites sites. Its records are then read from its sites' own rows
// (onlyReachableSites), which costs little; a contact of many sites keeps
// the plans that walk the organisation's rows in list order, which find a
// page quickly among many reachable rows. The count stops after
// fewSites+1 sites.
func (d *DB) reachesFewSites(ctx context.Context, v fieldportal.Viewer) (bool, error) {
	if !v.IsContact() || v.SeesWholeOrg() {
		return false, nil
	}
	if few, ok := ctx.Value(fewSitesKey{}).(bool); ok {
		return few, nil
	}
	var q query
	var n int
	if v.SiteAccess == fieldportal.SiteAccessAll {
		// It reaches every site of its customer's subtree: the subtree's
		// tally counts them in one row (counting 101 sites of a parent
		// read 1,091 customers' site lists: 0.9 ms on SQLite). A tally
		// only steers the plan here, so one a write behind does no harm.
		tallyScope(&q, v, "t")
		err := d.db.QueryRowContext(ctx, q.sql(`SELECT CAST(COALESCE(sum(t.sites), 0) AS BIGINT) FROM subtree_tallies t`, ""), q.args...).Scan(&n)
		return n <= fewSites, err
	}
	q.scopeSite(v, "s", "s.id")
	err := d.db.QueryRowContext(ctx, q.sql(`SELECT count(*) FROM (SELECT 1 FROM sites s`,
		"LIMIT "+strconv.Itoa(fewSites+1)+") x"), q.args...).Scan(&n)
	return n <= fewSites, err
}

// withFewSites remembers reachesFewSites' answer for v in ctx, for a
// request that reads several lists of one viewer.
func (d *DB) withFewSites(ctx context.Context, v fieldportal.Viewer) (context.Context, error) {
	few, err := d.reachesFewSites(ctx, v)
	if err != nil {
		return ctx, err
	}
	return context.WithValue(ctx, fewSitesKey{}, few), nil
}

// onlyReachableSites adds the condition that the record's site (siteCol)
// is one of the viewer's reachable sites, as a list that both planners
// start from (through the table's site index). It repeats scopeSite's
// rule, which must already be in q, so it changes the plan, not the rows.
func (q *query) onlyReachableSites(siteCol string) {
	q.and(siteCol + " IN (SELECT rs.id FROM sites rs WHERE " + q.siteReachable("rs.id", "rs.customer_id") + ")")
}
