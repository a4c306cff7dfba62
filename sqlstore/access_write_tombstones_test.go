package sqlstore_test

import (
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
)

// tombstoneRows are the deletes' rows of TestWriteMatrix: each attempt
// deletes a record of its own, made for it, so that one actor's delete
// leaves the next actor something to try.
func (w *writeWorld) tombstoneRows() []writeRow {
	ctx, db := w.ctx, w.db
	fresh := func(t *testing.T, target string, create func(v fieldportal.Viewer) (string, error)) string {
		var id string
		w.made(t, target, &id, func(v fieldportal.Viewer) error {
			made, err := create(v)
			id = made
			return err
		})
		return id
	}
	return []writeRow{
		{
			name: "DeleteTask", covers: []string{"DiaryService.DeleteTask"}, targets: operatorSites,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				id := fresh(t, target, func(sys fieldportal.Viewer) (string, error) {
					x := &fieldportal.Task{SiteID: w.siteID(target), Subject: "Call " + w.next(), Status: "open"}
					err := db.CreateTask(ctx, sys, x)
					return x.ID, err
				})
				return justErr(db.DeleteTask(ctx, v, id, time.Time{}))
			},
			want: operatorOnly(atSite, notFound),
		},
		{
			name: "DeleteAppointment", covers: []string{"DiaryService.DeleteAppointment"}, targets: operatorSites,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				id := fresh(t, target, func(sys fieldportal.Viewer) (string, error) {
					a := &fieldportal.Appointment{SiteID: w.siteID(target), StartsAt: writeAppointmentAt,
						EndsAt: writeAppointmentAt.Add(time.Hour), Description: "Visit " + w.next()}
					err := db.CreateAppointment(ctx, sys, a)
					return a.ID, err
				})
				return justErr(db.DeleteAppointment(ctx, v, id, time.Time{}))
			},
			want: operatorOnly(atSite, notFound),
		},
		{
			name: "DeleteAssetTest", covers: []string{"EquipmentService.DeleteAssetTest"}, targets: operatorSites,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				id := fresh(t, target, func(sys fieldportal.Viewer) (string, error) {
					n := w.next()
					a := &fieldportal.Asset{SiteID: w.siteID(target), Number: "D-" + n, Type: "Extinguisher", Name: "Extinguisher " + n}
					if err := db.CreateAsset(ctx, sys, a); err != nil {
						return "", err
					}
					x := &fieldportal.AssetTest{AssetID: a.ID, TestedOn: day(time.March, 1), Result: fieldportal.TestPass}
					err := db.CreateAssetTest(ctx, sys, x)
					return x.ID, err
				})
				return justErr(db.DeleteAssetTest(ctx, v, id, time.Time{}))
			},
			want: operatorOnly(atSite, notFound),
		},
		{
			name: "DeleteContact", covers: []string{"AccessService.DeleteContact"}, targets: contactTargets,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				id := fresh(t, target, func(sys fieldportal.Viewer) (string, error) {
					c := &fieldportal.Contact{FirstName: "Temp " + w.next(), CustomerID: w.customerID(target)}
					err := db.CreateContact(ctx, sys, c)
					return c.ID, err
				})
				return justErr(w.a.DeleteContact(ctx, v, id, time.Time{}))
			},
			want: operatorOnly(ofCustomer, notFound),
		},
		{
			name: "DeleteDocument", covers: []string{"EquipmentService.DeleteDocument"}, targets: operatorSites,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				id := fresh(t, target, func(sys fieldportal.Viewer) (string, error) {
					docs, err := db.AttachFiles(ctx, sys, "site", w.siteID(target),
						[]fieldportal.Upload{{Name: "note-" + w.next() + ".txt", ContentType: "text/plain", Data: []byte("a note")}})
					if err != nil {
						return "", err
					}
					return docs[0].ID, nil
				})
				return justErr(db.DeleteDocument(ctx, v, id, time.Time{}))
			},
			want: operatorOnly(atSite, notFound),
		},
		{
			name: "DeleteCertificate", covers: []string{"EquipmentService.DeleteCertificate"}, targets: operatorSites,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				id := fresh(t, target, func(sys fieldportal.Viewer) (string, error) {
					c := &fieldportal.Certificate{SiteID: w.siteID(target), Number: "D-" + w.next(), Type: "Gas safety", IssuedOn: day(time.March, 1)}
					err := db.CreateCertificate(ctx, sys, c)
					return c.ID, err
				})
				return justErr(db.DeleteCertificate(ctx, v, id, time.Time{}))
			},
			want: operatorOnly(atSite, notFound),
		},
		{
			// The asset moves from the target's site to a new one and the
			// delete moves it back: the transfer is its latest.
			name: "DeleteAssetTransfer", covers: []string{"EquipmentService.DeleteAssetTransfer"}, targets: operatorSites,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				id := fresh(t, target, func(sys fieldportal.Viewer) (string, error) {
					n := w.next()
					a := &fieldportal.Asset{SiteID: w.siteID(target), Number: "T-" + n, Type: "Extinguisher", Name: "Extinguisher " + n}
					if err := db.CreateAsset(ctx, sys, a); err != nil {
						return "", err
					}
					to := &fieldportal.Site{CustomerID: w.site[target].CustomerID, Name: "Moved to " + n,
						Address: fieldportal.Address{Line1: "1 New St"}}
					if err := db.CreateSite(ctx, sys, to); err != nil {
						return "", err
					}
					x, err := db.TransferAsset(ctx, sys, a.ID, to.ID, day(time.March, 1), "")
					if err != nil {
						return "", err
					}
					return x.ID, nil
				})
				return justErr(db.DeleteAssetTransfer(ctx, v, id, time.Time{}))
			},
			want: operatorOnly(atSite, notFound),
		},
		{
			// The organisation's tombstones, read by its operator only: a
			// task deleted in the viewer's organisation is read there.
			name: "FindTombstones", covers: []string{"TombstoneService.FindTombstones"}, targets: ownOrg,
			try: func(t *testing.T, v fieldportal.Viewer, _ string) ([]string, error) {
				site := "S1a"
				if v.OrgID == w.orgOf("B1") {
					site = "B1"
				}
				sys := w.sysOf(site)
				x := &fieldportal.Task{SiteID: w.siteID(site), Subject: "Call " + w.next(), Status: "open"}
				if err := db.CreateTask(ctx, sys, x); err != nil {
					t.Fatal(err)
				}
				if err := db.DeleteTask(ctx, sys, x.ID, time.Time{}); err != nil {
					t.Fatal(err)
				}
				l, _, err := db.FindTombstones(ctx, v, fieldportal.TombstoneFilter{Kind: fieldportal.KindTask, Page: fieldportal.Page{Limit: fieldportal.MaxLimit}})
				var orgs []string
				for _, x := range l {
					orgs = append(orgs, x.OrgID)
				}
				return w.orgsOf(orgs...), err
			},
			want: func(kind, _ string) outcome {
				a := actors[kind]
				if !a.staff {
					return forbidden
				}
				return sees(a.org)
			},
		},
	}
}
