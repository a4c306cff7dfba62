package fieldportal

// CustomerNode is a customer as the console's tree shows it: the customer
// with the counts that say what is below it, read from the tallies and
// the tree's indexes rather than by counting records.
type CustomerNode struct {
	Customer
	// ParentName is the name of the customer's parent, "" at the top.
	ParentName string
	// Children counts the customers directly below it.
	Children int
	// Sites counts its own sites, and SubtreeSites those of it and of
	// every customer below it (the tallies).
	Sites, SubtreeSites int
}

// CustomerNodeFilter selects customers of the console's tree: the
// top-level ones, the children of ParentID, or with Search every customer
// whose name or account number (ExternalID) holds the term.
type CustomerNodeFilter struct {
	Page
	ParentID string
	Search   string
	// Archived, when not nil, selects only the archived customers (true)
	// or only those in use (false).
	Archived *bool
}
