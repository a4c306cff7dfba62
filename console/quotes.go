package console

// The staff side of quotes: the queue of requests, pricing and sending.

// quoteRoutes registers the routes of this file.
func (c *Console) quoteRoutes() {}
