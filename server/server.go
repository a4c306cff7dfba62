// Package server composes the kit, the customer portal, the staff console
// and the API into one HTTP handler. cmd/fieldportal calls it with the
// store's services; tests call it with the same, so what they test is
// what runs.
package server

import (
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/api"
	"github.com/fieldportal/fieldportal/console"
	"github.com/fieldportal/fieldportal/portal"
	"github.com/fieldportal/fieldportal/web"
)

// Config is how the program runs, as the pages need to know it.
type Config struct {
	Web     web.Config
	Console console.Config
	// APIRateLimit is how many requests a minute one API key may make; 0
	// is api.DefaultRateLimit. The benchmark lifts it: it measures the
	// API, not its limit.
	APIRateLimit int
}

// Services are every service the doors call, and the operational reads
// of the kit.
type Services struct {
	Orgs      fieldportal.OrganisationService
	SignIn    fieldportal.SignInService
	Access    fieldportal.AccessService
	Staff     fieldportal.StaffService
	Sites     fieldportal.SiteService
	Dashboard fieldportal.DashboardService
	Equipment fieldportal.EquipmentService
	Work      fieldportal.WorkService
	Diary     fieldportal.DiaryService
	Money     fieldportal.MoneyService
	// Payments opens an organisation's payment provider; nil means online
	// payment is off whatever the organisation chose.
	Payments fieldportal.PaymentGateways
	APIKeys  fieldportal.APIKeyService
	Webhooks fieldportal.WebhookService
	Ready    fieldportal.Readiness
	Pool     web.PoolStats
	Outbox   web.OutboxBacklog

	// Sync is where the API's lists by updated_since stop; nil: now.
	Sync fieldportal.SyncHorizon
	// Tombstones are what deleted records left, for the API's lists by
	// updated_since; nil: none are listed.
	Tombstones fieldportal.TombstoneService
	// SSO signs contacts in through their company's provider and keeps
	// customers' settings for it; nil: no single sign-on.
	SSO fieldportal.SSOService
	// VisitReports keeps jobs' visit reports (issue 22); nil: none shown.
	VisitReports fieldportal.VisitReportService
}

// Server is the composed site.
type Server struct {
	kit *web.Kit
}

// New builds the kit and registers the portal, the console and the API.
func New(cfg Config, svc Services, logger *slog.Logger) (*Server, error) {
	kit, err := web.New(cfg.Web, web.Deps{Orgs: svc.Orgs, Ready: svc.Ready, Pool: svc.Pool, Outbox: svc.Outbox}, logger)
	if err != nil {
		return nil, err
	}
	if _, err := portal.New(kit, portal.Services{SignIn: svc.SignIn, Access: svc.Access, Sites: svc.Sites,
		Dashboard: svc.Dashboard, Equipment: svc.Equipment, Work: svc.Work, Diary: svc.Diary, Orgs: svc.Orgs,
		Money: svc.Money, Payments: svc.Payments, SSO: svc.SSO,
		VisitReports: svc.VisitReports}); err != nil {
		return nil, err
	}
	if _, err := console.New(kit, cfg.Console, console.Services{SignIn: svc.SignIn, Access: svc.Access,
		Staff: svc.Staff, Orgs: svc.Orgs, Work: svc.Work, Diary: svc.Diary, Equipment: svc.Equipment,
		Money: svc.Money, Payments: svc.Payments, Sites: svc.Sites, APIKeys: svc.APIKeys,
		Webhooks: svc.Webhooks, SSO: svc.SSO,
		VisitReports: svc.VisitReports}); err != nil {
		return nil, err
	}
	var apiOpts []api.Option
	if cfg.APIRateLimit > 0 {
		apiOpts = append(apiOpts, api.WithRateLimit(cfg.APIRateLimit, time.Minute))
	}
	if _, err := api.New(kit, api.Services{Keys: svc.APIKeys, Sites: svc.Sites, Contacts: svc.Access, Sync: svc.Sync,
		Work: svc.Work, Diary: svc.Diary,
		Equipment: svc.Equipment, Webhooks: svc.Webhooks, Money: svc.Money, Tombstones: svc.Tombstones,
		VisitReports: svc.VisitReports}, apiOpts...); err != nil {
		return nil, fmt.Errorf("api: %w", err)
	}
	return &Server{kit: kit}, nil
}

// Handler is the site with all its middleware.
func (s *Server) Handler() http.Handler { return s.kit.Handler() }

// MetricsHandler serves Prometheus metrics, for the metrics address only.
func (s *Server) MetricsHandler() http.Handler { return s.kit.MetricsHandler() }

// Kit is the kit the site is built on (tests reach its helpers).
func (s *Server) Kit() *web.Kit { return s.kit }
