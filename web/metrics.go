package web

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/fieldportal/fieldportal/sqlstore"
)

// Metrics for Prometheus at /metrics (SPEC §8): requests by route pattern
// (never by raw path, which holds ids), their duration, the database
// pool, the mail and webhook outbox backlog, and the Go runtime. A
// registry of the server's own, not the global one, so tests and several
// servers in one process do not collide.
type metrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newMetrics(db *sqlstore.DB) *metrics {
	m := &metrics{registry: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "fieldportal_http_requests_total", Help: "HTTP requests by route pattern and status class.",
	}, []string{"route", "status"})
	m.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "fieldportal_http_request_duration_seconds", Help: "Time to answer HTTP requests, by route pattern.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
	}, []string{"route"})
	m.registry.MustRegister(m.requests, m.duration,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewDBStatsCollector(db.SQL(), "fieldportal"), outboxCollector{db})
	return m
}

// observe records one answered request.
func (m *metrics) observe(route string, status int, took time.Duration) {
	m.requests.WithLabelValues(route, strconv.Itoa(status/100)+"xx").Inc()
	m.duration.WithLabelValues(route).Observe(took.Seconds())
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

// outboxCollector reports the messages waiting in the outbox at scrape
// time: a growing backlog means mail or webhooks are not going out.
type outboxCollector struct{ db *sqlstore.DB }

var outboxPendingDesc = prometheus.NewDesc("fieldportal_outbox_pending", "Outbox messages waiting to be sent, by kind.", []string{"kind"}, nil)

func (c outboxCollector) Describe(ch chan<- *prometheus.Desc) { ch <- outboxPendingDesc }

func (c outboxCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	counts, err := c.db.CountPendingOutbox(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(outboxPendingDesc, err)
		return
	}
	for _, kind := range []string{"mail", "webhook"} {
		ch <- prometheus.MustNewConstMetric(outboxPendingDesc, prometheus.GaugeValue, float64(counts[kind]), kind)
	}
}
