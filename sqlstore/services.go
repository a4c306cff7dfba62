package sqlstore

import "github.com/fieldportal/fieldportal"

// The domain's services that *DB implements itself; the sign-in and
// access workflows are *Accounts (accounts.go).
var (
	_ fieldportal.OrganisationService = (*DB)(nil)
	_ fieldportal.SiteService         = (*DB)(nil)
	_ fieldportal.DashboardService    = (*DB)(nil)
	_ fieldportal.WorkService         = (*DB)(nil)
	_ fieldportal.MoneyService        = (*DB)(nil)
	_ fieldportal.EquipmentService    = (*DB)(nil)
	_ fieldportal.DiaryService        = (*DB)(nil)
	_ fieldportal.TombstoneService    = (*DB)(nil)
	_ fieldportal.ReportService       = (*DB)(nil)
	_ fieldportal.APIKeyService       = (*DB)(nil)
	_ fieldportal.WebhookService      = (*DB)(nil)
	_ fieldportal.Readiness           = (*DB)(nil)
)
