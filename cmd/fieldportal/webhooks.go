package main

import (
	"context"
	"log/slog"
	"strconv"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/webhook"
)

// Webhook endpoints (issue 19) must be https and public by default, so
// that an admin cannot make the server call into its own network; a test
// install or a closed network may allow plain http or private addresses.

func declareWebhooks(p *configParser) {
	p.str("webhook-allow-http", "FIELDPORTAL_WEBHOOK_ALLOW_HTTP", "false", "let webhook endpoints use plain http: true or false")
	p.str("webhook-allow-private", "FIELDPORTAL_WEBHOOK_ALLOW_PRIVATE", "false",
		"let webhook endpoints reach loopback, private, link-local and multicast addresses: true or false")
}

func parseWebhooks(p *configParser) (fieldportal.WebhookURLPolicy, error) {
	return parsePolicy(p, "webhook")
}

// Single sign-on issuers (issue 21) are admin-typed addresses the server
// calls too (discovery, keys, the token exchange): the same policy, set
// apart, so that a test install can reach a provider on loopback without
// opening webhooks.

func declareSSO(p *configParser) {
	p.str("sso-allow-http", "FIELDPORTAL_SSO_ALLOW_HTTP", "false", "let single sign-on issuers use plain http: true or false")
	p.str("sso-allow-private", "FIELDPORTAL_SSO_ALLOW_PRIVATE", "false",
		"let single sign-on issuers reach loopback, private, link-local and multicast addresses: true or false")
}

func parseSSO(p *configParser) (fieldportal.WebhookURLPolicy, error) {
	return parsePolicy(p, "sso")
}

// parsePolicy reads the <prefix>-allow-http and -allow-private settings.
func parsePolicy(p *configParser, prefix string) (fieldportal.WebhookURLPolicy, error) {
	var w fieldportal.WebhookURLPolicy
	for name, to := range map[string]*bool{prefix + "-allow-http": &w.AllowHTTP, prefix + "-allow-private": &w.AllowPrivate} {
		s, _ := p.get(name)
		b, err := strconv.ParseBool(s.val)
		if err != nil {
			return w, invalid(s, "must be true or false")
		}
		*to = b
	}
	return w, nil
}

// startWebhooks runs the webhook worker until ctx ends. It needs no
// setting of its own: with no endpoint registered it finds nothing to do.
func startWebhooks(ctx context.Context, cfg Config, db *sqlstore.DB, logger *slog.Logger, id string) {
	w := webhook.NewWorker(db, webhook.NewHTTPSender(cfg.Webhooks), logger, webhook.WithID(id))
	go w.Run(ctx)
	logger.Info("webhook worker started", "worker", id, "allow_http", cfg.Webhooks.AllowHTTP, "allow_private", cfg.Webhooks.AllowPrivate)
}
