package demo

import (
	"testing"

	"github.com/fieldportal/fieldportal"
)

// TestTransferredAssetStory: the first transferred asset has a failed
// test that was rectified after it, on any day the demo is made.
func TestTransferredAssetStory(t *testing.T) {
	for _, days := range []int{0, 40, 200} {
		ds := Generate(testNow.AddDate(0, 0, days))
		if len(ds.Transfers) == 0 {
			t.Fatal("no transfer")
		}
		asset := ds.Transfers[0].AssetID
		found := false
		for _, x := range ds.Tests {
			if x.AssetID == asset && x.Result == fieldportal.TestFail && x.Notes == StoryNote {
				found = true
				if x.RectifiedAt.IsZero() || x.RectifiedAt.Before(x.TestedOn.Time()) || x.RectifiedAt.After(testNow.AddDate(0, 0, days)) {
					t.Errorf("day %d: rectified at %v for a test on %v", days, x.RectifiedAt, x.TestedOn)
				}
				if err := x.Validate(); err != nil {
					t.Errorf("day %d: %v", days, err)
				}
			}
		}
		if !found {
			t.Errorf("day %d: the transferred asset has no failed and rectified test", days)
		}
	}
}
