package console

// The staff side of jobs: the queue of bookings, scheduling with the
// overlap rule, and moving jobs through their stages.

// jobRoutes registers the routes of this file.
func (c *Console) jobRoutes() {}
