package bench

import (
	"context"
	"fmt"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/server"
)

// The store work of issue 18's certificates, diary, calendar feed and
// tasks pages, as their handlers make it.

// discoverCalendar makes the parent persona a calendar feed (voiding any
// it had), whose token the feed's entry fetches.
func discoverCalendar(ctx context.Context, svc server.Services, v fieldportal.Viewer, ids *IDs) error {
	token, err := svc.Diary.RenewCalendarFeed(ctx, v.OrgID, v.LoginID)
	if err != nil {
		return fmt.Errorf("make the parent's calendar feed: %w", err)
	}
	ids.CalendarToken = token
	return nil
}

// orgToday is today in the organisation's zone, as the pages take it.
func orgToday(ids *IDs) fieldportal.Date {
	loc := ids.OrgZone
	if loc == nil {
		loc = time.UTC
	}
	return fieldportal.DateOf(time.Now().In(loc))
}

// certificatesPage is the list's work: a page of certificates and the
// filters' types, contractors and sites (the sites' select is the
// issues', a page of 30).
func certificatesPage(status fieldportal.CertificateStatus) func(ctx context.Context, s server.Services, v fieldportal.Viewer, ids *IDs) error {
	return func(ctx context.Context, s server.Services, v fieldportal.Viewer, ids *IDs) error {
		if _, _, err := s.Equipment.FindCertificates(ctx, v, fieldportal.CertificateFilter{Status: status, Today: orgToday(ids)}); err != nil {
			return err
		}
		if _, err := s.Equipment.FindCertificateTypes(ctx, v); err != nil {
			return err
		}
		if _, _, err := s.Work.FindContractors(ctx, v, fieldportal.ContractorFilter{Page: fieldportal.Page{Limit: 100}}); err != nil {
			return err
		}
		_, _, err := s.Work.FindIssueSites(ctx, v, fieldportal.SiteFilter{Page: fieldportal.Page{Limit: 30}})
		return err
	}
}

// diaryPage is the diary's work: a page of the range (or of all), and the
// login's feed.
func diaryPage(all bool) func(ctx context.Context, s server.Services, v fieldportal.Viewer, ids *IDs) error {
	return func(ctx context.Context, s server.Services, v fieldportal.Viewer, ids *IDs) error {
		f := fieldportal.AppointmentFilter{}
		if !all {
			loc := ids.OrgZone
			if loc == nil {
				loc = time.UTC
			}
			f.From, f.To = fieldportal.DiaryDefaultRange(orgToday(ids), loc)
		}
		if _, _, err := s.Diary.FindAppointments(ctx, v, f); err != nil {
			return err
		}
		_, err := s.Diary.FindCalendarFeed(ctx, v.OrgID, v.LoginID)
		if fieldportal.ErrorCode(err) == fieldportal.ENOTFOUND {
			err = nil
		}
		return err
	}
}

// calendarFeed is the feed's work: the token's viewer and the walk of its
// appointments from 90 days ago, capped.
func calendarFeed(ctx context.Context, s server.Services, _ fieldportal.Viewer, ids *IDs) error {
	v, err := s.Diary.CalendarFeedViewer(ctx, ids.OrgID, ids.CalendarToken)
	if err != nil {
		return err
	}
	n := 0
	err = s.Diary.EachAppointment(ctx, v, fieldportal.AppointmentFilter{From: time.Now().AddDate(0, 0, -fieldportal.CalendarFeedDays)},
		func(*fieldportal.Appointment) error {
			if n++; n > fieldportal.CalendarFeedMax {
				return errStop
			}
			return nil
		})
	if err == errStop {
		err = nil
	}
	return err
}

// errStop ends a walk early.
var errStop = fmt.Errorf("stop")
