package server

import (
	"encoding/json"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal/api"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
	"github.com/google/go-cmp/cmp"
)

// catalogueRecord is what the tests read of any catalogue record.
type catalogueRecord struct {
	ID         string    `json:"id"`
	ExternalID *string   `json:"external_id"`
	UpdatedAt  time.Time `json:"updated_at"`
	Fields     map[string]any
}

// catalogueResource is one of the catalogue's collections, with bodies
// that fit it.
type catalogueResource struct {
	path string
	// body makes a valid body whose text fields say word.
	body func(word string) string
	// patch changes one field (field) to "Renamed"; fields are those an
	// empty create names, invalid a PATCH refused naming invalidFields.
	field, patch  string
	fields        []string
	invalid       string
	invalidFields []string
}

var catalogueResources = []catalogueResource{
	{path: "/api/v1/contractors", body: func(w string) string { return `{"name":"` + w + `"}` },
		field: "name", patch: `{"name":"Renamed"}`, fields: []string{"name"},
		invalid: `{"name":" "}`, invalidFields: []string{"name"}},
	{path: "/api/v1/items", body: func(w string) string { return `{"code":"` + w + `","name":"Filter ` + w + `","unit_price":1250}` },
		field: "name", patch: `{"name":"Renamed"}`, fields: []string{"code", "name"},
		invalid: `{"unit_price":-1,"code":""}`, invalidFields: []string{"code", "unit_price"}},
	{path: "/api/v1/scripts", body: func(w string) string { return `{"title":"` + w + `","body":"Please attend: ` + w + `"}` },
		field: "title", patch: `{"title":"Renamed"}`, fields: []string{"title", "body"},
		invalid: `{"body":null}`, invalidFields: []string{"body"}},
}

// mustCatalogue calls and decodes a catalogue record, keeping every field.
func mustCatalogue(t *testing.T, c *apiClient, want int, method, path, body string, header ...string) catalogueRecord {
	t.Helper()
	var raw json.RawMessage
	c.must(want, &raw, method, path, body, header...)
	var rec catalogueRecord
	if err := json.Unmarshal(raw, &rec); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &rec.Fields); err != nil {
		t.Fatal(err)
	}
	return rec
}

// TestAPICatalogue walks contractors, items and scripts on both engines:
// create, get, PATCH of the fields sent, If-Match, upsert by external id
// twice, validation naming fields, and the sync walk.
func TestAPICatalogue(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		c := mustAPIClient(t, f, f.org.ID, "portal.test")
		c.checkResponses()
		for _, rs := range catalogueResources {
			t.Run(rs.path, func(t *testing.T) {
				res := c.must(201, nil, "POST", rs.path, rs.body("Alpha"))
				made := mustCatalogue(t, c, 200, "GET", res.Header.Get("Location"), "")
				t.Run("create answers the record, get the same version", func(t *testing.T) {
					if res.Header.Get("Location") != rs.path+"/"+made.ID || made.ExternalID != nil {
						t.Errorf("Location %q, record %+v", res.Header.Get("Location"), made)
					}
					if got := c.must(200, nil, "GET", rs.path+"/"+made.ID, "").Header.Get("ETag"); got == "" || got != res.Header.Get("ETag") {
						t.Errorf("ETag %q, created %q", got, res.Header.Get("ETag"))
					}
				})
				t.Run("patch changes only the field sent", func(t *testing.T) {
					got := mustCatalogue(t, c, 200, "PATCH", rs.path+"/"+made.ID, rs.patch)
					for k, v := range made.Fields {
						switch k {
						case rs.field:
							if got.Fields[k] != "Renamed" {
								t.Errorf("%s = %v", k, got.Fields[k])
							}
						case "updated_at":
						default:
							if !cmp.Equal(v, got.Fields[k]) {
								t.Errorf("%s changed: %v → %v", k, v, got.Fields[k])
							}
						}
					}
				})
				t.Run("If-Match: a stale version is refused", func(t *testing.T) {
					stale := c.must(200, nil, "GET", rs.path+"/"+made.ID, "").Header.Get("ETag")
					c.must(200, nil, "PATCH", rs.path+"/"+made.ID, rs.body("Beta"), "If-Match", stale)
					c.problem(412, nil, "PATCH", rs.path+"/"+made.ID, rs.body("Gamma"), "If-Match", stale)
					got := mustCatalogue(t, c, 200, "GET", rs.path+"/"+made.ID, "")
					if got.Fields[rs.field] == "Gamma" || fmt.Sprint(got.Fields[rs.field]) == "Filter Gamma" {
						t.Errorf("the refused write was saved: %v", got.Fields)
					}
					cur := c.must(200, nil, "GET", rs.path+"/"+made.ID, "").Header.Get("ETag")
					c.must(200, nil, "PATCH", rs.path+"/"+made.ID, rs.patch, "If-Match", cur)
					c.problem(412, nil, "PUT", rs.path+"/by-external-id/NEW-1", rs.body("Gamma"), "If-Match", "*")
				})
				t.Run("upsert by external id twice leaves one record", func(t *testing.T) {
					first := mustCatalogue(t, c, 201, "PUT", rs.path+"/by-external-id/BO-1", rs.body("Delta"))
					second := mustCatalogue(t, c, 200, "PUT", rs.path+"/by-external-id/BO-1", rs.body("Delta"))
					if first.ID != second.ID || second.ExternalID == nil || *second.ExternalID != "BO-1" {
						t.Errorf("first %+v, second %+v", first, second)
					}
					var list api.List[json.RawMessage]
					c.must(200, &list, "GET", rs.path+"?external_id=BO-1", "")
					if len(list.Data) != 1 || list.NextCursor != nil {
						t.Errorf("list = %s", list.Data)
					}
					c.problem(412, nil, "PUT", rs.path+"/by-external-id/BO-1", rs.body("Delta"), "If-Match", `"stale"`)
					etag := c.must(200, nil, "GET", rs.path+"/"+first.ID, "").Header.Get("ETag")
					c.must(200, nil, "PUT", rs.path+"/by-external-id/BO-1", rs.body("Epsilon"), "If-Match", etag)
				})
				t.Run("bad input names its fields", func(t *testing.T) {
					c.problem(422, rs.fields, "POST", rs.path, `{}`)
					c.problem(422, rs.invalidFields, "PATCH", rs.path+"/"+made.ID, rs.invalid)
					c.problem(400, []string{"colour"}, "POST", rs.path, `{"colour":"red"}`)
					c.problem(422, []string{"external_id"}, "PUT", rs.path+"/by-external-id/BO-1", `{"external_id":"BO-2"}`)
					c.problem(400, []string{"tint"}, "GET", rs.path+"?tint=1", "")
					c.problem(404, nil, "GET", rs.path+"/no-such-id", "")
					c.problem(404, nil, "PATCH", rs.path+"/no-such-id", rs.patch)
				})
				t.Run("there is no DELETE", func(t *testing.T) {
					c.problem(405, nil, "DELETE", rs.path+"/"+made.ID, "")
				})
			})
		}
		t.Run("items", func(t *testing.T) {
			var it api.Item
			c.must(201, &it, "POST", "/api/v1/items", `{"code":"VALVE","name":"Valve","unit_price":999,"currency":"GBP","external_id":"I-9"}`)
			if it.Currency != "GBP" || it.UnitPrice != 999 || !it.Active || it.ExternalID == nil || *it.ExternalID != "I-9" {
				t.Errorf("item = %+v", it)
			}
			var archived api.Item
			c.must(200, &archived, "PATCH", "/api/v1/items/"+it.ID, `{"active":false}`)
			if archived.Active || archived.Code != "VALVE" || archived.UnitPrice != 999 {
				t.Errorf("archived = %+v", archived)
			}
			t.Run("an upsert that leaves out active keeps the archive", func(t *testing.T) {
				var up api.Item
				c.must(200, &up, "PUT", "/api/v1/items/by-external-id/I-9", `{"code":"VALVE","name":"Valve 2","unit_price":1000}`)
				if up.ID != it.ID || up.Active || up.Name != "Valve 2" {
					t.Errorf("upserted = %+v", up)
				}
			})
			t.Run("filters by code and flag", func(t *testing.T) {
				for query, want := range map[string][]string{
					"?code=VALVE":              {it.ID},
					"?active=false":            {it.ID},
					"?active=false&code=OTHER": nil,
				} {
					var list api.List[api.Item]
					c.must(200, &list, "GET", "/api/v1/items"+query, "")
					var got []string
					for _, x := range list.Data {
						got = append(got, x.ID)
					}
					if diff := cmp.Diff(want, got); diff != "" {
						t.Errorf("%s (-want +got):\n%s", query, diff)
					}
				}
				var list api.List[api.Item]
				c.must(200, &list, "GET", "/api/v1/items?active=true", "")
				for _, x := range list.Data {
					if !x.Active || x.ID == it.ID {
						t.Errorf("active list has %+v", x)
					}
				}
				if len(list.Data) == 0 {
					t.Error("no active items")
				}
			})
			t.Run("bad input names its fields", func(t *testing.T) {
				c.problem(400, []string{"active"}, "GET", "/api/v1/items?active=yes", "")
				c.problem(422, []string{"currency"}, "PATCH", "/api/v1/items/"+it.ID, `{"currency":"EUR"}`)
				c.problem(422, []string{"active"}, "PATCH", "/api/v1/items/"+it.ID, `{"active":null}`)
				c.problem(400, []string{"unit_price"}, "PATCH", "/api/v1/items/"+it.ID, `{"unit_price":"12.50"}`)
			})
		})
	})
}

// TestAPICatalogueUpdatedSince walks each catalogue list by updated_since:
// oldest change first, paged, none within the horizon.
func TestAPICatalogueUpdatedSince(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		c := mustAPIClient(t, f, f.org.ID, "portal.test")
		c.checkResponses()
		base := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
		at := base
		db.Now = func() time.Time { return at }
		t.Cleanup(func() { db.Now = time.Now })
		ids := map[string][]string{}
		for i := range 3 {
			at = base.Add(time.Duration(i) * time.Minute)
			for _, rs := range catalogueResources {
				rec := mustCatalogue(t, c, 201, "POST", rs.path, rs.body(fmt.Sprintf("Sync%d", i)))
				ids[rs.path] = append(ids[rs.path], rec.ID)
			}
		}
		at = base.Add(10 * time.Minute)
		for _, rs := range catalogueResources {
			c.must(200, nil, "PATCH", rs.path+"/"+ids[rs.path][0], rs.patch)
		}
		db.Now = time.Now
		for _, rs := range catalogueResources {
			c.must(201, nil, "POST", rs.path, rs.body("Late"))
		}
		since := base.Add(time.Minute).Format(time.RFC3339)
		for _, rs := range catalogueResources {
			t.Run(rs.path, func(t *testing.T) {
				var got []string
				path := rs.path + "?limit=1&updated_since=" + since
				for path != "" {
					var list api.List[catalogueRecord]
					c.must(200, &list, "GET", path, "")
					for _, x := range list.Data {
						got = append(got, x.ID)
					}
					path = ""
					if list.NextCursor != nil {
						path = rs.path + "?limit=1&updated_since=" + since + "&cursor=" + url.QueryEscape(*list.NextCursor)
					}
				}
				want := []string{ids[rs.path][1], ids[rs.path][2], ids[rs.path][0]}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("synced (-want +got):\n%s", diff)
				}
			})
		}
	})
}

// TestAPICatalogueOtherOrganisation checks a key reaches its own
// organisation's catalogue alone, and that a read key reads but may not
// write.
func TestAPICatalogueOtherOrganisation(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		ours := mustAPIClient(t, f, mustOrg(t, db, "Our Org", "ours.example.test").ID, "ours.example.test")
		other := mustOrg(t, db, "Other Org", "other.example.test")
		theirs := mustAPIClient(t, f, other.ID, "other.example.test")
		ours.checkResponses()
		theirs.checkResponses()
		for _, rs := range catalogueResources {
			t.Run(rs.path, func(t *testing.T) {
				mine := mustCatalogue(t, ours, 201, "PUT", rs.path+"/by-external-id/SHARED", rs.body("Ours"))
				theirs.problem(404, nil, "GET", rs.path+"/"+mine.ID, "")
				theirs.problem(404, nil, "PATCH", rs.path+"/"+mine.ID, rs.patch)
				var list api.List[catalogueRecord]
				theirs.must(200, &list, "GET", rs.path+"?external_id=SHARED", "")
				if len(list.Data) != 0 {
					t.Errorf("their list shows ours: %+v", list.Data)
				}
				theirs.must(200, &list, "GET", rs.path, "")
				if len(list.Data) != 0 {
					t.Errorf("their list shows ours: %+v", list.Data)
				}
				made := mustCatalogue(t, theirs, 201, "PUT", rs.path+"/by-external-id/SHARED", rs.body("Theirs"))
				again := mustCatalogue(t, ours, 200, "GET", rs.path+"/"+mine.ID, "")
				if made.ID == mine.ID || !cmp.Equal(again.Fields, mine.Fields) {
					t.Errorf("their upsert touched ours: %+v / %+v", made, again)
				}

				rd := mustAPIReadClient(t, f, other.ID, "other.example.test")
				rd.must(200, nil, "GET", rs.path+"/"+made.ID, "")
				rd.problem(403, nil, "POST", rs.path, rs.body("Read"))
				rd.problem(403, nil, "PATCH", rs.path+"/"+made.ID, rs.patch)
				rd.problem(403, nil, "PUT", rs.path+"/by-external-id/SHARED", rs.body("Read"))
			})
		}
	})
}
