package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/fieldportal/fieldportal"
)

// SyncChanges is how many records the re-sync finds changed (issue 19:
// "a re-sync after 1,000 changes").
const SyncChanges = 1000

// syncLag is how long the re-sync waits after the last change: the API's
// walk by time stops api.SyncLag (5 s) short of now, so a change is
// served once that much has passed.
const syncLag = 6 * time.Second

// SyncRow is one collection's full sync and re-sync.
type SyncRow struct {
	Path string
	// Records, Pages and Bytes are what the full sync read, in Took.
	Records, Pages, Bytes int
	Took                  time.Duration
	// Again is the re-sync from the greatest updated_at received: the
	// records it read (those changed, and those sharing that last time)
	// in AgainTook.
	Again     int
	AgainTook time.Duration
	Err       error
}

// SyncReport is a full incremental sync of the organisation through the
// API, SyncChanges changes made through it, and the re-sync after them.
type SyncReport struct {
	Limit int
	Rows  []*SyncRow
	// Changed is how many changes were made (PATCHes of a site's notes,
	// one after another, over as many sites as there are up to
	// SyncChanges), in ChangeTook.
	Changed    int
	ChangeTook time.Duration
}

// syncPage is what the walk reads of a list's answer.
type syncPage struct {
	Data []struct {
		ID        string    `json:"id"`
		UpdatedAt time.Time `json:"updated_at"`
		// DeletedAt is a tombstone's time, in place of updated_at.
		DeletedAt time.Time `json:"deleted_at"`
	} `json:"data"`
	NextCursor *string `json:"next_cursor"`
}

// measureSync walks every API collection by updated_since from before
// everything to its end, with pages of fieldportal.MaxLimit, as a back
// office's first sync does; then changes SyncChanges sites through the
// API (their notes), waits out the sync lag, and walks each collection
// again from the greatest updated_at it received.
func measureSync(ctx context.Context, c *http.Client, base string, makeKey func(context.Context, string, string, fieldportal.APIKeyScope) (string, error), orgID string, logf func(string, ...any)) (*SyncReport, error) {
	if makeKey == nil {
		return nil, fmt.Errorf("the benchmark has no way to make an API key (Config.MakeAPIKey)")
	}
	plain, err := makeKey(ctx, orgID, "Benchmark sync", fieldportal.APIKeyWrite)
	if err != nil {
		return nil, fmt.Errorf("make the sync's API key: %w", err)
	}
	auth := "Bearer " + plain
	rep := &SyncReport{Limit: fieldportal.MaxLimit}
	last := map[string]time.Time{}
	var siteIDs []string
	for _, r := range apiResources {
		row := &SyncRow{Path: r.path}
		rep.Rows = append(rep.Rows, row)
		logf("sync: %s from the start", r.path)
		t := time.Now()
		row.Records, row.Pages, row.Bytes, last[r.path], row.Err = walk(ctx, c, base, auth, r.path, syncSince, func(id string) {
			if r.path == "/sites" && len(siteIDs) < SyncChanges {
				siteIDs = append(siteIDs, id)
			}
		})
		row.Took = time.Since(t)
	}
	if len(siteIDs) == 0 {
		return nil, fmt.Errorf("the organisation has no site to change")
	}
	logf("sync: %d changes to %d sites through the API", SyncChanges, len(siteIDs))
	t := time.Now()
	for i := range SyncChanges {
		id := siteIDs[i%len(siteIDs)] // a small data set changes its sites again
		body := fmt.Sprintf(`{"notes":"Changed by the benchmark's sync, %d"}`, i)
		if err := send(ctx, c, http.MethodPatch, base+"/api/v1/sites/"+url.PathEscape(id), auth, body); err != nil {
			return nil, fmt.Errorf("change site %s: %w", id, err)
		}
		rep.Changed++
	}
	rep.ChangeTook = time.Since(t)
	select {
	case <-time.After(syncLag):
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	for _, row := range rep.Rows {
		if row.Err != nil {
			continue
		}
		logf("sync: %s again", row.Path)
		t := time.Now()
		row.Again, _, _, _, row.Err = walk(ctx, c, base, auth, row.Path, last[row.Path], nil)
		row.AgainTook = time.Since(t)
	}
	return rep, nil
}

// walk reads a collection by updated_since from since to the end of the
// walk and returns the records, pages and bytes read and the greatest
// updated_at (or a tombstone's deleted_at); each record's id goes to
// seen, when set.
func walk(ctx context.Context, c *http.Client, base, auth, path string, since time.Time, seen func(id string)) (records, pages, bytes int, last time.Time, err error) {
	last = since
	query := url.Values{"updated_since": {since.UTC().Format(time.RFC3339Nano)}, "limit": {fmt.Sprint(fieldportal.MaxLimit)}}
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v1"+path+"?"+query.Encode(), nil)
		if err != nil {
			return records, pages, bytes, last, err
		}
		authorize(req, auth)
		res, err := c.Do(req)
		if err != nil {
			return records, pages, bytes, last, err
		}
		body, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil {
			return records, pages, bytes, last, err
		}
		if res.StatusCode != http.StatusOK {
			return records, pages, bytes, last, fmt.Errorf("%s: %s: %.200s", path, res.Status, body)
		}
		var p syncPage
		if err := json.Unmarshal(body, &p); err != nil {
			return records, pages, bytes, last, fmt.Errorf("%s: %w", path, err)
		}
		pages++
		bytes += len(body)
		records += len(p.Data)
		for _, d := range p.Data {
			if d.UpdatedAt.After(last) {
				last = d.UpdatedAt
			}
			if d.DeletedAt.After(last) {
				last = d.DeletedAt
			}
			if seen != nil {
				seen(d.ID)
			}
		}
		if p.NextCursor == nil {
			return records, pages, bytes, last, nil
		}
		query.Set("cursor", *p.NextCursor)
	}
}

// send makes one write and wants a 2xx answer.
func send(ctx context.Context, c *http.Client, method, u, auth, body string) error {
	req, err := http.NewRequestWithContext(ctx, method, u, strings.NewReader(body))
	if err != nil {
		return err
	}
	authorize(req, auth)
	req.Header.Set("Content-Type", "application/json")
	res, err := c.Do(req)
	if err != nil {
		return err
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %s: %.200s", method, u, res.Status, b)
	}
	return nil
}

// markdown writes the sync's table.
func (s *SyncReport) markdown(w io.Writer) {
	fmt.Fprintf(w, "\n## Incremental sync through the API\n\n")
	fmt.Fprintf(w, "A full sync walks each collection by `updated_since` from before everything with `limit=%d`, one request after another; "+
		"then %d changes are made to sites through the API (PATCH, one after another: %s, %.0f/s), and after the walk's lag each "+
		"collection is walked again from the greatest `updated_at` the full sync received.\n\n",
		s.Limit, s.Changed, s.ChangeTook.Round(time.Millisecond), float64(s.Changed)/max(s.ChangeTook.Seconds(), 1e-9))
	fmt.Fprintln(w, "| Collection | Records | Pages | MB | Full sync s | Records/s | Re-sync records | Re-sync ms |")
	fmt.Fprintln(w, "|---|--:|--:|--:|--:|--:|--:|--:|")
	var total SyncRow
	for _, r := range s.Rows {
		if r.Err != nil {
			fmt.Fprintf(w, "| %s | | | | | | | ERROR: %s |\n", r.Path, strings.ReplaceAll(r.Err.Error(), "|", "/"))
			continue
		}
		fmt.Fprintf(w, "| %s | %d | %d | %.1f | %.2f | %.0f | %d | %s |\n", r.Path, r.Records, r.Pages, float64(r.Bytes)/(1<<20),
			r.Took.Seconds(), float64(r.Records)/max(r.Took.Seconds(), 1e-9), r.Again, ms(r.AgainTook))
		total.Records += r.Records
		total.Pages += r.Pages
		total.Bytes += r.Bytes
		total.Took += r.Took
		total.Again += r.Again
		total.AgainTook += r.AgainTook
	}
	fmt.Fprintf(w, "| all | %d | %d | %.1f | %.2f | %.0f | %d | %s |\n", total.Records, total.Pages, float64(total.Bytes)/(1<<20),
		total.Took.Seconds(), float64(total.Records)/max(total.Took.Seconds(), 1e-9), total.Again, ms(total.AgainTook))
}
