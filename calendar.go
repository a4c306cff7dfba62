package fieldportal

import "time"

// CalendarFeed is a login's personal calendar feed (issue 18): a secret
// address /calendar/{token}.ics that a calendar program subscribes to.
// Only the token's hash is kept, so the address is shown once, when it is
// made; making a new one voids the old.
type CalendarFeed struct {
	LoginID   string
	CreatedAt time.Time
}

// CalendarFeedDays is how far back a feed reaches: appointments that
// ended more than this many days ago are left out.
const CalendarFeedDays = 90

// CalendarFeedMax caps the appointments of one feed, so a fetch is
// bounded whatever the diary holds.
const CalendarFeedMax = 2000
