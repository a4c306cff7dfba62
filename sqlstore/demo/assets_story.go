package demo

import (
	"time"

	"github.com/fieldportal/fieldportal"
)

// StoryNote is the note of the failed, rectified test that the demo's
// first transferred asset always has (transferredAssetStory).
const StoryNote = "Pressure gauge in the red: discharged. Recharged and rectified on a follow-up visit."

// transferredAssetStory makes sure the asset moved by the first transfer
// (an extinguisher of the parent customer's Temple Quay campus) has a
// failed test that was put right, whatever the random stream drew: the
// asset page's tour (issue 18) shows a failed-and-rectified test and a
// transfer on one asset. It changes the asset's test nearest to five
// months ago, so it uses no random numbers and leaves later steps as
// they were.
func (g *gen) transferredAssetStory() {
	if len(g.ds.Transfers) == 0 {
		return
	}
	asset := g.ds.Transfers[0].AssetID
	want := g.day(-150)
	best := -1
	for i, t := range g.ds.Tests {
		if t.AssetID != asset {
			continue
		}
		if best < 0 || absDays(t.TestedOn, want) < absDays(g.ds.Tests[best].TestedOn, want) {
			best = i
		}
	}
	if best < 0 {
		return
	}
	t := &g.ds.Tests[best]
	t.Result, t.Notes = fieldportal.TestFail, StoryNote
	d := t.TestedOn.AddDays(3)
	t.RectifiedAt = time.Date(d.Year, d.Month, d.Day, 11, 0, 0, 0, g.loc).UTC()
}

// absDays is the number of days between two dates.
func absDays(a, b fieldportal.Date) int {
	n := a.DaysUntil(b)
	if n < 0 {
		return -n
	}
	return n
}
