package bench

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/server"
)

// The equipment pages' store work and the records they are about (issue
// 18).

// assetIDs are the equipment records of the benchmark: the asset with the
// longest service history on the parent's first page, its site (for the
// Equipment tab and the label sheet), and an asset number a few pages in
// to search for.
type assetIDs struct {
	Asset, Site, Search string
}

// discoverAssets fills ids.Assets from the parent's grouped list.
func discoverAssets(ctx context.Context, svc server.Services, v fieldportal.Viewer, ids *IDs) error {
	f := fieldportal.AssetFilter{Sort: fieldportal.AssetSortSite}
	most := -1
	for page := range 4 {
		list, next, err := svc.Equipment.FindAssets(ctx, v, f)
		if err != nil {
			return fmt.Errorf("page through the parent's assets: %w", err)
		}
		if len(list) == 0 {
			break
		}
		if page == 0 {
			for _, a := range list {
				tests, _, err := svc.Equipment.FindAssetServiceHistory(ctx, v, a.ID, fieldportal.Page{Limit: fieldportal.MaxLimit})
				if err != nil {
					return fmt.Errorf("an asset's history: %w", err)
				}
				if len(tests) > most {
					most, ids.Assets.Asset, ids.Assets.Site = len(tests), a.ID, a.SiteID
				}
			}
		}
		ids.Assets.Search = list[len(list)-1].Number
		if next == "" {
			break
		}
		f.After = next
	}
	if ids.Assets.Asset == "" {
		return fmt.Errorf("the parent reaches no asset")
	}
	return nil
}

// assetToday is the day the due filters count from, as the handler takes
// it: today in the organisation's zone.
func assetToday(ids *IDs) fieldportal.Date {
	zone := ids.OrgZone
	if zone == nil {
		zone = time.UTC
	}
	return fieldportal.DateOf(time.Now().In(zone))
}

// assetsPage is the store work of the grouped list for f: the page, the
// counts of its sites' groups, and the site filter's choices or, filtered
// to a site, that site.
func assetsPage(f fieldportal.AssetFilter, site func(*IDs) string) func(ctx context.Context, s server.Services, v fieldportal.Viewer, ids *IDs) error {
	return func(ctx context.Context, s server.Services, v fieldportal.Viewer, ids *IDs) error {
		f := f
		f.Sort, f.Today = fieldportal.AssetSortSite, assetToday(ids)
		if site != nil {
			f.SiteID = site(ids)
			if _, err := s.Sites.FindSiteByID(ctx, v, f.SiteID); err != nil {
				return err
			}
		}
		list, _, err := s.Equipment.FindAssets(ctx, v, f)
		if err != nil {
			return err
		}
		var sites []string
		for _, a := range list {
			if len(sites) == 0 || sites[len(sites)-1] != a.SiteID {
				sites = append(sites, a.SiteID)
			}
		}
		if _, err := s.Equipment.CountAssetGroups(ctx, v, f, sites); err != nil {
			return err
		}
		if f.SiteID != "" {
			return nil // a site's tab offers no other site
		}
		_, _, err = s.Sites.FindSites(ctx, v, fieldportal.SiteFilter{Page: fieldportal.Page{Limit: 30}})
		return err
	}
}

// assetsCSV is the CSV's one walk.
func assetsCSV(ctx context.Context, s server.Services, v fieldportal.Viewer, ids *IDs) error {
	return s.Equipment.EachAsset(ctx, v, fieldportal.AssetFilter{Sort: fieldportal.AssetSortSite, Today: assetToday(ids)},
		func(*fieldportal.Asset) error { return nil })
}

// assetPage is the store work of an asset's page.
func assetPage(ctx context.Context, s server.Services, v fieldportal.Viewer, ids *IDs) error {
	id := ids.Assets.Asset
	if _, err := s.Equipment.FindAssetByID(ctx, v, id); err != nil {
		return err
	}
	if _, _, err := s.Equipment.FindAssetServiceHistory(ctx, v, id, fieldportal.Page{Limit: 20}); err != nil {
		return err
	}
	if _, _, err := s.Equipment.FindAssetTransferPage(ctx, v, fieldportal.AssetTransferFilter{AssetID: id, Page: fieldportal.Page{Limit: 20}}); err != nil {
		return err
	}
	if _, _, err := s.Equipment.FindDocuments(ctx, v, fieldportal.DocumentFilter{AssetID: id, Page: fieldportal.Page{Limit: 50}}); err != nil {
		return err
	}
	if _, _, err := s.Equipment.FindAssetOpenIssues(ctx, v, id, fieldportal.Page{Limit: 10}); err != nil {
		return err
	}
	_, _, err := s.Equipment.FindAssetOpenJobs(ctx, v, id, fieldportal.Page{Limit: 10})
	return err
}

// assetLabels is the store work of a site's label sheet.
func assetLabels(ctx context.Context, s server.Services, v fieldportal.Viewer, ids *IDs) error {
	if _, err := s.Sites.FindSiteByID(ctx, v, ids.Assets.Site); err != nil {
		return err
	}
	_, _, err := s.Equipment.FindAssets(ctx, v, fieldportal.AssetFilter{SiteID: ids.Assets.Site, Sort: fieldportal.AssetSortSite,
		Page: fieldportal.Page{Limit: 200}})
	return err
}

// assetPath is an asset's page, with suffix.
func assetPath(suffix string) func(*IDs) string {
	return func(ids *IDs) string { return "/assets/" + url.PathEscape(ids.Assets.Asset) + suffix }
}
