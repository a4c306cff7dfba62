package bench

import (
	"context"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/server"
)

// The booking form's entries (portal/booking.go): their path and store
// work.

// bookingDate is a weekday a week ahead, whose windows the booking form
// offers.
func bookingDate() fieldportal.Date {
	d := time.Now().AddDate(0, 0, 7)
	for d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
		d = d.AddDate(0, 0, 1)
	}
	return fieldportal.DateOf(d)
}

// bookingPath is the booking form opened from a site, with a date chosen.
func bookingPath(form, siteID string) string {
	return form + "?site=" + q(siteID) + "&date=" + bookingDate().String()
}

// bookingForm is the booking form's store work: a page of sites, and
// with a site chosen its contacts, free windows and equipment; the
// scripts and the catalogue.
func bookingForm(ctx context.Context, s server.Services, v fieldportal.Viewer, siteID string) error {
	if _, _, err := s.Sites.FindSites(ctx, v, fieldportal.SiteFilter{Page: fieldportal.Page{Limit: 50}}); err != nil {
		return err
	}
	if siteID != "" {
		site, err := s.Sites.FindSiteByID(ctx, v, siteID)
		if err != nil {
			return err
		}
		if v.CanDo(fieldportal.ActionManageContacts) {
			if _, _, err := s.Access.FindContacts(ctx, v, fieldportal.ContactFilter{CustomerID: site.CustomerID, Page: fieldportal.Page{Limit: 100}}); err != nil {
				return err
			}
		}
		if _, err := s.Work.FindBookingWindows(ctx, v, siteID, bookingDate()); err != nil {
			return err
		}
		if _, _, err := s.Equipment.FindAssets(ctx, v, fieldportal.AssetFilter{SiteID: siteID, Page: fieldportal.Page{Limit: 20}}); err != nil {
			return err
		}
	}
	if _, _, err := s.Work.FindScripts(ctx, v, fieldportal.CatalogueFilter{Page: fieldportal.Page{Limit: 100}}); err != nil {
		return err
	}
	_, _, err := s.Work.FindItems(ctx, v, fieldportal.CatalogueFilter{ActiveOnly: true, Page: fieldportal.Page{Limit: 200}})
	return err
}
