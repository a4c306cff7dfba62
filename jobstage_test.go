package fieldportal

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestJobStageMoves(t *testing.T) {
	t.Run("every stage has its moves and none leads to itself", func(t *testing.T) {
		for _, s := range JobStages {
			if _, ok := jobMoves[s]; !ok {
				t.Errorf("%s has no entry in jobMoves", s)
			}
			if s.CanMoveTo(s) {
				t.Errorf("%s may move to itself", s)
			}
		}
	})
	t.Run("one step on, one back, and archiving", func(t *testing.T) {
		for _, c := range []struct {
			from, to JobStage
			ok       bool
		}{
			{StagePending, StageScheduled, true},
			{StagePending, StageArchived, true},
			{StagePending, StageInvoiced, false},
			{StageScheduled, StagePending, true},
			{StageInProgress, StageComplete, true},
			{StageInProgress, StageArchived, false},
			{StageComplete, StageInProgress, true},
			{StageComplete, StageInvoiced, true},
			{StageInvoiced, StageComplete, false},
			{StageArchived, StagePending, false},
			{StagePending, "lost", false},
		} {
			if got := c.from.CanMoveTo(c.to); got != c.ok {
				t.Errorf("%s -> %s = %v, want %v", c.from, c.to, got, c.ok)
			}
		}
	})
	t.Run("NextStages is a copy", func(t *testing.T) {
		n := StagePending.NextStages()
		n[0] = StageArchived
		if StagePending.NextStages()[0] != StageScheduled {
			t.Error("changing the returned list changed the moves")
		}
	})
	t.Run("a refused move names the stage field and says why", func(t *testing.T) {
		err := JobStageMove{To: StageInvoiced}.Validate(StagePending)
		var e *Error
		if !errors.As(err, &e) || len(e.Fields) != 1 || e.Fields[0].Field != "stage" || e.Fields[0].Message != "A pending job cannot be moved to invoiced." {
			t.Errorf("err = %#v", err)
		}
		if err := (JobStageMove{}).Validate(StagePending); ErrorCode(err) != EINVALID {
			t.Errorf("no stage: err = %v", err)
		}
		long := make([]byte, 2001)
		if err := (JobStageMove{To: StageScheduled, Note: string(long)}).Validate(StagePending); ErrorCode(err) != EINVALID {
			t.Errorf("long note: err = %v", err)
		}
		if err := (JobStageMove{To: StageScheduled, Note: "ok"}).Validate(StagePending); err != nil {
			t.Errorf("good move: %v", err)
		}
	})
}

func TestJobTabs(t *testing.T) {
	want := map[JobTab][]JobStage{
		TabAll:      nil,
		TabOpen:     {StagePending, StageScheduled, StageInProgress},
		TabPending:  {StagePending},
		TabProgress: {StageScheduled, StageInProgress},
		TabComplete: {StageComplete},
		TabInvoiced: {StageInvoiced},
		TabArchive:  {StageArchived},
	}
	for _, tab := range JobTabs {
		t.Run(tab.Label(), func(t *testing.T) {
			got, ok := tab.Stages()
			if !ok {
				t.Fatal("not a tab")
			}
			if diff := cmp.Diff(want[tab], got); diff != "" {
				t.Errorf("stages (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("open is the stages Open reports", func(t *testing.T) {
		open, _ := TabOpen.Stages()
		for _, s := range JobStages {
			in := false
			for _, o := range open {
				in = in || o == s
			}
			if in != s.Open() {
				t.Errorf("%s: in the open tab %v, Open() %v", s, in, s.Open())
			}
		}
	})
	t.Run("an unknown tab is refused", func(t *testing.T) {
		if _, ok := JobTab("scheduled").Stages(); ok {
			t.Error("a stage name is taken as a tab")
		}
	})
}
