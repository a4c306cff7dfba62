package fieldportal

import (
	"strings"
	"time"
)

// JobStageChange is one move of a job from a stage to another: the job's
// page shows them as its history (issue 16).
type JobStageChange struct {
	ID    string   `json:"id"`
	JobID string   `json:"job_id"`
	From  JobStage `json:"from"` // "" for the stage a job was made at
	To    JobStage `json:"to"`
	// By is who made the change: a staff user's name, or the back office.
	By   string    `json:"by"`
	Note string    `json:"note"`
	At   time.Time `json:"at"`
}

// jobMoves are the stage changes staff may make from the console: one
// step on, one step back, and archiving what will not go ahead or is
// done with. The back office (UpdateJob, the API) may set any stage.
var jobMoves = map[JobStage][]JobStage{
	StagePending:    {StageScheduled, StageInProgress, StageArchived},
	StageScheduled:  {StagePending, StageInProgress, StageArchived},
	StageInProgress: {StageScheduled, StageComplete},
	StageComplete:   {StageInProgress, StageInvoiced, StageArchived},
	StageInvoiced:   {StageArchived},
	StageArchived:   {},
}

// NextStages lists the stages a job at s may be moved to from the console.
func (s JobStage) NextStages() []JobStage {
	return append([]JobStage(nil), jobMoves[s]...)
}

// CanMoveTo reports whether a job at s may be moved to stage to.
func (s JobStage) CanMoveTo(to JobStage) bool {
	for _, t := range jobMoves[s] {
		if t == to {
			return true
		}
	}
	return false
}

// JobStageMove is a stage change asked for in the console.
type JobStageMove struct {
	JobID string
	To    JobStage
	Note  string
	// IfUpdatedAt, when set, makes the move only over the version of this
	// time, else fail with ErrChanged (the API's If-Match).
	IfUpdatedAt time.Time
}

// Validate checks a move against the job's current stage.
func (m JobStageMove) Validate(from JobStage) error {
	var v Validation
	if m.To == "" {
		v.Add("stage", "Choose the stage to move the job to.")
	} else if !from.CanMoveTo(m.To) {
		v.Add("stage", "A %s job cannot be moved to %s.", strings.ToLower(from.Label()), strings.ToLower(m.To.Label()))
	}
	if len(m.Note) > 2000 {
		v.Add("note", "Note must be at most 2,000 characters.")
	}
	return v.Err()
}

// JobTab is a tab of the jobs list (seed 003: Pending, Progress,
// Complete, Invoiced, Archive), with "open" for the dashboard's open
// orders and "" for every stage.
type JobTab string

// The tabs of the jobs list.
const (
	TabAll      JobTab = ""
	TabOpen     JobTab = "open"
	TabPending  JobTab = "pending"
	TabProgress JobTab = "progress"
	TabComplete JobTab = "complete"
	TabInvoiced JobTab = "invoiced"
	TabArchive  JobTab = "archive"
)

// JobTabs lists the tabs in the order the list shows them.
var JobTabs = []JobTab{TabAll, TabOpen, TabPending, TabProgress, TabComplete, TabInvoiced, TabArchive}

// Stages are the job stages a tab lists; nil for every stage. ok is false
// for a name that is no tab.
func (t JobTab) Stages() (stages []JobStage, ok bool) {
	switch t {
	case TabAll:
		return nil, true
	case TabOpen:
		return []JobStage{StagePending, StageScheduled, StageInProgress}, true
	case TabPending:
		return []JobStage{StagePending}, true
	case TabProgress:
		return []JobStage{StageScheduled, StageInProgress}, true
	case TabComplete:
		return []JobStage{StageComplete}, true
	case TabInvoiced:
		return []JobStage{StageInvoiced}, true
	case TabArchive:
		return []JobStage{StageArchived}, true
	}
	return nil, false
}

// Label is the tab's name.
func (t JobTab) Label() string {
	if t == TabAll {
		return "All"
	}
	return strings.ToUpper(string(t[:1])) + string(t[1:])
}
