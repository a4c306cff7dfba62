package sqlstore_test

import (
	"context"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// The Documents page's list, its CSV walk and the download, for each kind
// of viewer: a parent contact sees its subtree's visible files, a site
// contact its own site's and customer's only, a contact of assigned sites
// its sites' only (no customer-level files), staff every file; a hidden
// file is staff's alone. Filters, sort and pages select among what the
// viewer may see and never beyond.
func TestDocumentsListAccess(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		org := MustOrg(t, db, "Acme Fire")
		staff := fieldportal.SystemViewer(org.ID, "test")
		other := MustOrg(t, db, "Other Co")
		otherStaff := fieldportal.SystemViewer(other.ID, "test")
		group := MustCustomer(t, db, staff, &fieldportal.Customer{Name: "Group"})
		school := MustCustomer(t, db, staff, &fieldportal.Customer{Name: "School", ParentID: group.ID})
		shop := MustCustomer(t, db, staff, &fieldportal.Customer{Name: "Shop", ParentID: group.ID})
		hq := mustAssetsSite(t, db, staff, group.ID, "HQ")
		campus := mustAssetsSite(t, db, staff, school.ID, "Campus")
		store := mustAssetsSite(t, db, staff, shop.ID, "Store")
		elsewhere := mustAssetsSite(t, db, otherStaff, MustCustomer(t, db, otherStaff, &fieldportal.Customer{Name: "Theirs"}).ID, "Theirs")

		attach := func(v fieldportal.Viewer, kind, id, name, ctype string, visible bool) string {
			t.Helper()
			docs, err := db.AttachFiles(ctx, v, kind, id, []fieldportal.Upload{{Name: name, ContentType: ctype, Data: []byte(name)}})
			if err != nil {
				t.Fatalf("attach %s: %v", name, err)
			}
			if visible {
				d := *docs[0]
				d.VisibleToCustomer = true
				if err := db.UpdateDocument(ctx, v, &d); err != nil {
					t.Fatal(err)
				}
			}
			return docs[0].ID
		}
		ids := map[string]string{}
		for _, d := range []struct {
			kind, id, name, ctype string
			visible               bool
		}{
			{"site", hq.ID, "hq-plan.pdf", "application/pdf", true},
			{"site", campus.ID, "campus-photo.jpg", "image/jpeg", true},
			{"site", campus.ID, "campus-costs.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", true},
			{"site", store.ID, "store-notes.txt", "text/plain", true},
			{"site", store.ID, "store-internal.pdf", "application/pdf", false},
			{"customer", group.ID, "group-contract.pdf", "application/pdf", true},
			{"customer", school.ID, "school-terms.pdf", "application/pdf", true},
		} {
			ids[d.name] = attach(staff, d.kind, d.id, d.name, d.ctype, d.visible)
		}
		ids["theirs.pdf"] = attach(otherStaff, "site", elsewhere.ID, "theirs.pdf", "application/pdf", true)

		parent := assetsContactViewer(t, db, org.ID, group.ID, fieldportal.AllModules)
		siteContact := assetsContactViewer(t, db, org.ID, school.ID, fieldportal.AllModules)
		assigned := assetsContactViewer(t, db, org.ID, group.ID, fieldportal.AllModules, store.ID)
		noDocs := assetsContactViewer(t, db, org.ID, group.ID, fieldportal.Modules{fieldportal.ModuleSites})

		names := func(list []*fieldportal.Document) []string {
			var out []string
			for _, d := range list {
				out = append(out, d.Name)
			}
			return out
		}
		all := func(t *testing.T, v fieldportal.Viewer, f fieldportal.DocumentFilter) []string {
			t.Helper()
			var got []string
			f.Limit = 2 // several pages, to walk the cursor
			for {
				list, next, err := db.FindDocuments(ctx, v, f)
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, names(list)...)
				if next == "" {
					break
				}
				f.After = next
			}
			var walked []string
			if err := db.EachDocument(ctx, v, fieldportal.DocumentFilter{Search: f.Search, SiteID: f.SiteID, AttachedTo: f.AttachedTo, Type: f.Type, Sort: f.Sort},
				func(d *fieldportal.Document) error { walked = append(walked, d.Name); return nil }); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(got, walked); diff != "" {
				t.Errorf("the CSV's walk differs from the pages (-pages +walk):\n%s", diff)
			}
			return got
		}
		viewers := map[string]fieldportal.Viewer{"parent": parent, "site contact": siteContact, "assigned to Store": assigned, "staff": staff}
		cases := []struct {
			name   string
			viewer string
			f      fieldportal.DocumentFilter
			want   []string
		}{
			{"a parent sees its subtree's visible files, by name", "parent", fieldportal.DocumentFilter{},
				[]string{"campus-costs.xlsx", "campus-photo.jpg", "group-contract.pdf", "hq-plan.pdf", "school-terms.pdf", "store-notes.txt"}},
			{"a site contact sees its site and customer only", "site contact", fieldportal.DocumentFilter{},
				[]string{"campus-costs.xlsx", "campus-photo.jpg", "school-terms.pdf"}},
			{"a contact of assigned sites sees no customer files", "assigned to Store", fieldportal.DocumentFilter{},
				[]string{"store-notes.txt"}},
			{"staff see hidden files too", "staff", fieldportal.DocumentFilter{},
				[]string{"campus-costs.xlsx", "campus-photo.jpg", "group-contract.pdf", "hq-plan.pdf", "school-terms.pdf", "store-internal.pdf", "store-notes.txt"}},
			{"by type: PDF", "parent", fieldportal.DocumentFilter{Type: "pdf"}, []string{"group-contract.pdf", "hq-plan.pdf", "school-terms.pdf"}},
			{"by type: office", "parent", fieldportal.DocumentFilter{Type: "office"}, []string{"campus-costs.xlsx"}},
			{"by type: image", "site contact", fieldportal.DocumentFilter{Type: "image"}, []string{"campus-photo.jpg"}},
			{"by type: other is none of the others", "parent", fieldportal.DocumentFilter{Type: "other"}, nil},
			{"attached to the customer", "parent", fieldportal.DocumentFilter{AttachedTo: "customer"}, []string{"group-contract.pdf", "school-terms.pdf"}},
			{"a site's tab", "parent", fieldportal.DocumentFilter{SiteID: campus.ID}, []string{"campus-costs.xlsx", "campus-photo.jpg"}},
			{"another site's tab is empty for a site contact", "site contact", fieldportal.DocumentFilter{SiteID: store.ID}, nil},
			{"another organisation's site is empty", "staff", fieldportal.DocumentFilter{SiteID: elsewhere.ID}, nil},
			{"search by name", "parent", fieldportal.DocumentFilter{Search: "CAMPUS"}, []string{"campus-costs.xlsx", "campus-photo.jpg"}},
			{"a search finds nothing beyond reach", "site contact", fieldportal.DocumentFilter{Search: "store"}, nil},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				got := all(t, viewers[c.viewer], c.f)
				if diff := cmp.Diff(c.want, got); diff != "" {
					t.Errorf("documents (-want +got):\n%s", diff)
				}
			})
		}
		t.Run("the name's text index matches the table after a rename", func(t *testing.T) {
			d, err := db.FindDocumentByID(ctx, staff, ids["hq-plan.pdf"])
			if err != nil {
				t.Fatal(err)
			}
			d.Name = "hq-layout.pdf"
			if err := db.UpdateDocument(ctx, staff, d); err != nil {
				t.Fatal(err)
			}
			if got := all(t, parent, fieldportal.DocumentFilter{Search: "layout"}); !slices.Equal(got, []string{"hq-layout.pdf"}) {
				t.Errorf("search after a rename: %v", got)
			}
			if got := all(t, parent, fieldportal.DocumentFilter{Search: "hq-plan"}); len(got) != 0 {
				t.Errorf("the old name still found: %v", got)
			}
			if db.Dialect() == sqlstore.SQLite {
				if _, err := db.SQL().ExecContext(ctx, `INSERT INTO document_search(document_search, rank) VALUES ('integrity-check', 1)`); err != nil {
					t.Errorf("document_search does not match documents: %v", err)
				}
			}
			d.Name = "hq-plan.pdf"
			if err := db.UpdateDocument(ctx, staff, d); err != nil {
				t.Fatal(err)
			}
		})
		t.Run("newest first is the reverse order of adding", func(t *testing.T) {
			got := all(t, parent, fieldportal.DocumentFilter{Sort: fieldportal.DocumentSortNewest})
			want := []string{"school-terms.pdf", "group-contract.pdf", "store-notes.txt", "campus-costs.xlsx", "campus-photo.jpg", "hq-plan.pdf"}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("newest first (-want +got):\n%s", diff)
			}
		})
		t.Run("an unknown type is a field error", func(t *testing.T) {
			_, _, err := db.FindDocuments(ctx, parent, fieldportal.DocumentFilter{Type: "exe"})
			if fieldportal.ErrorCode(err) != fieldportal.EINVALID {
				t.Errorf("type exe: %v", err)
			}
		})
		t.Run("without the Documents page, nothing", func(t *testing.T) {
			if _, _, err := db.FindDocuments(ctx, noDocs, fieldportal.DocumentFilter{}); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
				t.Errorf("list: %v", err)
			}
			if err := db.EachDocument(ctx, noDocs, fieldportal.DocumentFilter{}, func(*fieldportal.Document) error { return nil }); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
				t.Errorf("walk: %v", err)
			}
		})
		t.Run("a download is the file's bytes, or not found", func(t *testing.T) {
			for name, id := range ids {
				for vn, v := range viewers {
					visible := slices.Contains(all(t, v, fieldportal.DocumentFilter{}), name)
					_, data, err := openBytes(db.OpenDocument(ctx, v, id))
					switch {
					case visible && (err != nil || string(data) != name):
						t.Errorf("%s opening %s: %q, %v", vn, name, data, err)
					case !visible && fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND:
						t.Errorf("%s opening %s, out of reach: %v", vn, name, err)
					}
				}
			}
		})
	})
}
