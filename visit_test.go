package fieldportal

import (
	"testing"
	"time"
)

func TestVisitMoves(t *testing.T) {
	eta := time.Date(2026, 6, 3, 10, 30, 0, 0, time.UTC)
	for _, tc := range []struct {
		name      string
		old, next VisitStatus
		eta       time.Time
		field     string // "" when allowed
	}{
		{"a new visit starts scheduled", "", "", time.Time{}, ""},
		{"a new visit may start on the way", "", VisitOnTheWay, eta, ""},
		{"on the way", VisitScheduled, VisitOnTheWay, eta, ""},
		{"on the way needs an arrival time", VisitScheduled, VisitOnTheWay, time.Time{}, "eta"},
		{"a new ETA while on the way", VisitOnTheWay, VisitOnTheWay, eta, ""},
		{"straight on site", VisitScheduled, VisitOnSite, time.Time{}, ""},
		{"done only after on site", VisitScheduled, VisitDone, time.Time{}, "status"},
		{"on the way is not done", VisitOnTheWay, VisitDone, time.Time{}, "status"},
		{"on site to done", VisitOnSite, VisitDone, time.Time{}, ""},
		{"back to scheduled from on the way", VisitOnTheWay, VisitScheduled, time.Time{}, ""},
		{"cancelled", VisitScheduled, VisitCancelled, time.Time{}, ""},
		{"cancelled is scheduled again", VisitCancelled, VisitScheduled, time.Time{}, ""},
		{"cancelled is not on site", VisitCancelled, VisitOnSite, time.Time{}, "status"},
		{"done is final", VisitDone, VisitScheduled, time.Time{}, "status"},
		{"done is not cancelled", VisitDone, VisitCancelled, time.Time{}, "status"},
		{"the same status is no move", VisitDone, VisitDone, time.Time{}, ""},
		{"an unknown status", VisitScheduled, "lost", time.Time{}, "status"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := &Appointment{Status: tc.next, ETA: tc.eta}
			err := CheckVisitMove(tc.old, a)
			if tc.field == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if a.Status != VisitOnTheWay && !a.ETA.IsZero() {
					t.Errorf("status %s keeps the ETA %v", a.Status, a.ETA)
				}
				if tc.next == "" && a.Status != VisitScheduled {
					t.Errorf("a new visit is %q, want scheduled", a.Status)
				}
				return
			}
			if f := fieldOf(err); err == nil || f != tc.field {
				t.Fatalf("err %v on %q, want refused on %q", err, f, tc.field)
			}
		})
	}
}

func TestVisitFeedbackValidate(t *testing.T) {
	for _, tc := range []struct {
		name  string
		f     VisitFeedback
		field string
	}{
		{"five", VisitFeedback{Rating: 5, Comment: " Tidy work "}, ""},
		{"one", VisitFeedback{Rating: 1}, ""},
		{"six", VisitFeedback{Rating: 6}, "rating"},
		{"none", VisitFeedback{}, "rating"},
		{"a long comment", VisitFeedback{Rating: 3, Comment: string(make([]byte, FeedbackCommentMax+1))}, "comment"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.f.Validate()
			if tc.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				if tc.f.Comment != "" && tc.f.Comment != "Tidy work" {
					t.Errorf("comment %q not trimmed", tc.f.Comment)
				}
				return
			}
			if fieldOf(err) != tc.field {
				t.Fatalf("err %v, want one naming %q", err, tc.field)
			}
		})
	}
}

// fieldOf is the field an error names first ("" none).
func fieldOf(err error) string {
	e, ok := err.(*Error)
	if !ok {
		return ""
	}
	if e.Field != "" {
		return e.Field
	}
	if len(e.Fields) > 0 {
		return e.Fields[0].Field
	}
	return ""
}
