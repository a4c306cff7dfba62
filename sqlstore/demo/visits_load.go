package demo

import (
	"bytes"
	"context"
	"fmt"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/photo"
)

// Load's steps for issue 22's records (visits.go), through the same store
// methods the console, the portal and the API use.

type (
	profileStore interface {
		SetStaffProfile(context.Context, fieldportal.Viewer, fieldportal.StaffProfile) error
	}
	reportStore interface {
		SaveVisitReport(context.Context, fieldportal.Viewer, *fieldportal.VisitReport) (bool, error)
		AddVisitPhoto(context.Context, fieldportal.Viewer, *fieldportal.VisitPhoto, fieldportal.PhotoFiles) error
	}
	feedbackStore interface {
		LeaveFeedback(context.Context, fieldportal.Viewer, *fieldportal.VisitFeedback) error
	}
	messageStore interface {
		PostMessage(context.Context, fieldportal.Viewer, *fieldportal.NewMessage) (*fieldportal.Message, error)
	}
)

// profiles gives the technicians their display names and photos, before
// any visit names them.
func (l *loader) profiles() {
	s, ok := has[profileStore](l, "SetStaffProfile")
	if !ok {
		return
	}
	for _, p := range l.ds.StaffPhotos {
		prof := fieldportal.StaffProfile{StaffID: l.id(p.StaffID), DisplayName: p.DisplayName, Photo: p.Photo, PhotoType: "image/png"}
		l.save("profile of "+p.StaffID, p.At, nil, func() error { return s.SetStaffProfile(l.ctx, l.v, prof) })
	}
}

// visitRecords writes the reports with their photos (made to the page
// sizes as an upload's are), the ratings as the contacts who gave them,
// and the threads, each message as its author.
func (l *loader) visitRecords() {
	if s, ok := has[reportStore](l, "SaveVisitReport"); ok {
		for _, rep := range l.ds.Reports {
			r := rep.Report
			if l.opt(r.JobID) == "" {
				continue
			}
			r.JobID = l.id(r.JobID)
			r.Parts = append([]fieldportal.VisitPart(nil), r.Parts...)
			l.save("report of "+rep.Report.JobID, r.CreatedAt, nil, func() error { _, err := s.SaveVisitReport(l.ctx, l.v, &r); return err })
			for k, ph := range rep.Photos {
				l.save(fmt.Sprintf("photo %d of %s", k+1, rep.Report.JobID), r.CreatedAt, nil, func() error {
					made, err := l.photos.get(ph.Data)
					if err != nil {
						return err
					}
					p := fieldportal.VisitPhoto{JobID: r.JobID, Caption: ph.Caption, Width: made.Width, Height: made.Height}
					return s.AddVisitPhoto(l.ctx, l.v, &p, fieldportal.PhotoFiles{Display: made.Display, Thumb: made.Thumb,
						Original: fieldportal.Upload{Name: ph.Name, ContentType: "image/jpeg", Data: ph.Data}})
				})
			}
		}
	}
	if s, ok := has[feedbackStore](l, "LeaveFeedback"); ok {
		for _, r := range l.ds.Ratings {
			f := r.Feedback
			if l.opt(f.AppointmentID) == "" || l.opt(f.JobID) == "" {
				continue // the visit was left out of the diary
			}
			f.AppointmentID, f.JobID = l.id(f.AppointmentID), l.id(f.JobID)
			v := l.contactViewer(r.Login)
			l.save("rating of "+r.Feedback.AppointmentID, f.CreatedAt, &f.ID, func() error { return s.LeaveFeedback(l.ctx, v, &f) })
		}
	}
	if s, ok := has[messageStore](l, "PostMessage"); ok {
		for _, th := range l.ds.Threads {
			for _, m := range th {
				if l.opt(m.RecordID) == "" {
					break
				}
				v := l.v
				if m.Login != "" {
					v = l.contactViewer(m.Login)
				} else if m.Staff != "" {
					v = l.staffViewer(m.Staff)
				}
				in := fieldportal.NewMessage{RecordKind: m.RecordKind, RecordID: l.id(m.RecordID), Body: m.Body}
				l.save("message on "+m.RecordID, m.At, nil, func() error { _, err := s.PostMessage(l.ctx, v, &in); return err })
			}
		}
	}
}

// madePhotos are the page sizes of the reports' photos, made in the
// background while Load writes the records before them: photo.Make is
// the slowest part of the demo's start, and the machine has a core
// to spare while the database works.
type madePhotos struct {
	done chan struct{}
	made map[*byte]*photo.Made
	err  error
}

func makePhotos(ds *Dataset) *madePhotos {
	m := &madePhotos{done: make(chan struct{}), made: map[*byte]*photo.Made{}}
	go func() {
		defer close(m.done)
		for _, rep := range ds.Reports {
			for _, ph := range rep.Photos {
				made, err := photo.Make(bytes.NewReader(ph.Data), "image/jpeg", "photo")
				if err != nil {
					m.err = err
					return
				}
				m.made[&ph.Data[0]] = made
			}
		}
	}()
	return m
}

// get waits for the photos and returns the sizes made of data.
func (m *madePhotos) get(data []byte) (*photo.Made, error) {
	<-m.done
	if m.err != nil {
		return nil, m.err
	}
	return m.made[&data[0]], nil
}

// contactViewer is the viewer of a portal login (a login key).
func (l *loader) contactViewer(login string) fieldportal.Viewer {
	id := l.id(login)
	if l.err != nil {
		return l.v
	}
	v, err := l.db.ViewerForLogin(l.ctx, l.v.OrgID, id)
	if err != nil {
		l.err = fmt.Errorf("demo: viewer of %s: %w", login, err)
	}
	return v
}

// staffViewer is the viewer of a staff user (a staff key).
func (l *loader) staffViewer(staff string) fieldportal.Viewer {
	id := l.id(staff)
	if l.err != nil {
		return l.v
	}
	v, err := l.db.ViewerForStaff(l.ctx, l.v.OrgID, id)
	if err != nil {
		l.err = fmt.Errorf("demo: viewer of %s: %w", staff, err)
	}
	return v
}
