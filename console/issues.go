package console

// The staff side of issues: the queue of new issues, comments, closing,
// reopening, and turning an issue into a service order.

// issueRoutes registers the routes of this file.
func (c *Console) issueRoutes() {}
