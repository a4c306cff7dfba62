package fieldportal

import (
	"strings"
	"time"
)

// The issue workflow of issue 16: how the list sorts, what an issue's
// history holds, and the labels the pages and files show.

// IssueSort orders the issues list. Every order is a keyset order, so a
// list of any size pages at the same speed.
type IssueSort string

// Issue list orders.
const (
	// IssueSortUpdated lists the most recently updated first (the default).
	IssueSortUpdated IssueSort = ""
	// IssueSortOldest lists the least recently updated first.
	IssueSortOldest IssueSort = "oldest"
	// IssueSortNewest lists the latest reported first (the console's
	// queue of new issues).
	IssueSortNewest IssueSort = "newest"
	// IssueSortPriority lists the most urgent first, then the most
	// recently updated.
	IssueSortPriority IssueSort = "priority"
)

// ParseIssueSort reads a sort from a query string; anything unknown is
// the default.
func ParseIssueSort(s string) IssueSort {
	switch IssueSort(s) {
	case IssueSortOldest, IssueSortPriority, IssueSortNewest:
		return IssueSort(s)
	}
	return IssueSortUpdated
}

// IssuePriorities lists the priorities from the least urgent.
var IssuePriorities = []IssuePriority{PriorityLow, PriorityNormal, PriorityHigh, PriorityUrgent}

// Label is the priority in words.
func (p IssuePriority) Label() string {
	if p == "" {
		return ""
	}
	return strings.ToUpper(string(p[:1])) + string(p[1:])
}

// IssueStatusLabel is an issue's status in words.
func IssueStatusLabel(status string) string {
	switch status {
	case IssueOpen:
		return "Open"
	case IssueClosed:
		return "Closed"
	}
	return status
}

// IssueEventKind is what happened to an issue.
type IssueEventKind string

// Kinds of issue event, in the words of the history.
const (
	// IssueEventReported is the report itself (made from the issue's own row).
	IssueEventReported IssueEventKind = "reported"
	IssueEventClosed   IssueEventKind = "closed"
	IssueEventReopened IssueEventKind = "reopened"
	// IssueEventServiceOrder is the issue turned into a service order.
	IssueEventServiceOrder IssueEventKind = "service_order"
)

// Label is the event in words.
func (k IssueEventKind) Label() string {
	switch k {
	case IssueEventReported:
		return "Reported"
	case IssueEventClosed:
		return "Closed"
	case IssueEventReopened:
		return "Reopened"
	case IssueEventServiceOrder:
		return "Turned into a service order"
	}
	return string(k)
}

// IssueEvent is one step of an issue's status history, oldest first:
// reported, closed, reopened, turned into a service order.
type IssueEvent struct {
	ID      string         `json:"id"`
	IssueID string         `json:"issue_id"`
	Kind    IssueEventKind `json:"kind"`
	// JobID and JobNumber name the service order of IssueEventServiceOrder.
	JobID     string `json:"job_id,omitempty"`
	JobNumber string `json:"job_number,omitempty"`
	// ActorName is who did it; "" when not known (an issue closed before
	// its history was kept, or by the back office).
	ActorName string    `json:"actor_name"`
	At        time.Time `json:"at"`
}
