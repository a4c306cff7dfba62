package gen

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"image"
	"image/color"
	"image/jpeg"
	"sync"
	"time"
)

// Visit reports (issue 22): every completed job (complete, invoiced or
// archived) has a report with notes, a part or two and, mostly, a
// signature; up to three photos each. The photos' files are three small
// shared images (stored once, in the database's blob chunks), so a large
// database costs rows, not megabytes.

var visitNotes = []string{
	"Serviced and tested; all satisfactory.",
	"Tested to the current standard. Replaced a faulty detector head in the corridor.",
	"Completed as booked. Left the site clean and the panel in normal mode.",
	"Access to the roof void was limited; inspected from the hatch.",
	"Replaced the batteries, which were past their date. Recommend a review next visit.",
}

var visitParts = []string{"Smoke detector head", "Sealed lead-acid battery 12V 7Ah", "Call point glass", "LED emergency lamp", "Cable ties", "Fuse 3A"}

var photoCaptions = []string{"Panel after the service", "", "Replaced part in place", "Detector head", "", "Plant room"}

// sharedPhotos are the three images every generated photo points to:
// their bytes and storage keys (org/sha256), made once.
var sharedPhotos = sync.OnceValue(func() [][]byte {
	out := make([][]byte, 3)
	for i := range out {
		m := image.NewRGBA(image.Rect(0, 0, 320, 240))
		for y := range 240 {
			for x := range 320 {
				m.Set(x, y, color.RGBA{R: uint8(60 + 60*i + x/4), G: uint8(90 + y/3), B: uint8(140 - 30*i), A: 255})
			}
		}
		var buf bytes.Buffer
		jpeg.Encode(&buf, m, &jpeg.Options{Quality: 70})
		out[i] = buf.Bytes()
	}
	return out
})

func (g *gen) sharedPhotoKey(i int) (key, sum string, size int) {
	b := sharedPhotos()[i]
	s := sha256.Sum256(b)
	sum = hex.EncodeToString(s[:])
	return g.org + "/" + sum, sum, len(b)
}

// reportDone says whether job j has a report, and when it was signed.
func (g *gen) reportDone(j int) (jobFacts, bool) {
	f := g.job(j)
	switch f.stage {
	case "complete", "invoiced", "archived":
		return f, !f.start.IsZero()
	}
	return f, false
}

// visitReports are the completed jobs' reports.
func (g *gen) visitReports() *table {
	return newTable("visit_reports", `job_id, org_id, notes, parts, signed_by, signed_at, created_at, updated_at`,
		func(yield func([]any) bool) {
			for j := range g.size.Jobs {
				f, ok := g.reportDone(j)
				if !ok {
					continue
				}
				r := g.rec(kPhoto, j+1<<29)
				at := f.start.Add(50 * time.Minute)
				parts := `[]`
				if r.chance(0.6) {
					parts = `[{"code":"P-` + string(rune('A'+r.intn(6))) + `","description":"` + pick(&r, visitParts) + `","quantity":` +
						string(rune('1'+r.intn(3))) + `}]`
				}
				var signedBy, signedAt any = "", nil
				if r.chance(0.8) {
					signedBy, signedAt = pick(&r, signers), at
				}
				if !yield([]any{g.jobID(j), g.org, pick(&r, visitNotes), parts, signedBy, signedAt, at, at}) {
					return
				}
			}
		})
}

var signers = []string{"J. Patel (site manager)", "Sarah Collins", "M. Evans", "Duty caretaker", "Tom Price"}

// visitPhotos are up to three photos of each report.
func (g *gen) visitPhotos() *table {
	return newTable("visit_photos", `id, org_id, job_id, position, caption, name, content_type, size, sha256, width, height,
		storage_key, display_key, display_size, thumb_key, thumb_size, created_at`, func(yield func([]any) bool) {
		for j := range g.size.Jobs {
			f, ok := g.reportDone(j)
			if !ok {
				continue
			}
			r := g.rec(kPhoto, j)
			at := f.start.Add(time.Hour)
			for k := range r.intn(4) {
				key, sum, size := g.sharedPhotoKey((j + k) % 3)
				if !yield([]any{g.id(kPhoto, j*4+k, at), g.org, g.jobID(j), k + 1, pick(&r, photoCaptions),
					"IMG_" + string(rune('0'+k)) + ".jpg", "image/jpeg", size, sum, 320, 240, key, key, size, key, size, at}) {
					return
				}
			}
		}
	})
}

// photoBlobs are the shared images' bytes, one chunk each.
func (g *gen) photoBlobs() *table {
	return newTable("blob_chunks", `org_id, storage_key, seq, data`, func(yield func([]any) bool) {
		for i, b := range sharedPhotos() {
			key, _, _ := g.sharedPhotoKey(i)
			if !yield([]any{g.org, key, 0, b}) {
				return
			}
		}
	})
}
