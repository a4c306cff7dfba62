package web

import (
	"context"
	"database/sql"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics for Prometheus (SPEC §8): requests by route pattern (never by
// raw path, which holds ids), their duration, the database pool, the mail
// and webhook outbox backlog, and the Go runtime. A registry of the kit's
// own, not the global one, so tests and several servers in one process do
// not collide. They are served on their own address (MetricsHandler), never
// on the public site: the outbox backlog moves when a reset mail is
// queued, which would tell a stranger whether an address has a login.

// PoolStats reads the database pool's statistics; *sqlstore.DB has it.
type PoolStats interface {
	PoolStats() sql.DBStats
}

// OutboxBacklog counts outbox messages waiting, by kind.
type OutboxBacklog interface {
	CountPendingOutbox(ctx context.Context) (map[string]int, error)
}

type metrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newMetrics(pool PoolStats, outbox OutboxBacklog) *metrics {
	m := &metrics{registry: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "fieldportal_http_requests_total", Help: "HTTP requests by route pattern and status class.",
	}, []string{"route", "status"})
	m.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "fieldportal_http_request_duration_seconds", Help: "Time to answer HTTP requests, by route pattern.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
	}, []string{"route"})
	m.registry.MustRegister(m.requests, m.duration,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if pool != nil {
		m.registry.MustRegister(poolCollector{pool})
	}
	if outbox != nil {
		m.registry.MustRegister(outboxCollector{outbox})
	}
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

// poolCollector reports the database pool at scrape time.
type poolCollector struct{ pool PoolStats }

var (
	poolOpenDesc  = prometheus.NewDesc("fieldportal_db_open_connections", "Open database connections.", nil, nil)
	poolInUseDesc = prometheus.NewDesc("fieldportal_db_in_use_connections", "Database connections in use.", nil, nil)
	poolIdleDesc  = prometheus.NewDesc("fieldportal_db_idle_connections", "Idle database connections.", nil, nil)
	poolWaitDesc  = prometheus.NewDesc("fieldportal_db_wait_count_total", "Times a request waited for a database connection.", nil, nil)
	poolWaitDur   = prometheus.NewDesc("fieldportal_db_wait_seconds_total", "Time spent waiting for database connections.", nil, nil)
)

func (c poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{poolOpenDesc, poolInUseDesc, poolIdleDesc, poolWaitDesc, poolWaitDur} {
		ch <- d
	}
}

func (c poolCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.pool.PoolStats()
	ch <- prometheus.MustNewConstMetric(poolOpenDesc, prometheus.GaugeValue, float64(s.OpenConnections))
	ch <- prometheus.MustNewConstMetric(poolInUseDesc, prometheus.GaugeValue, float64(s.InUse))
	ch <- prometheus.MustNewConstMetric(poolIdleDesc, prometheus.GaugeValue, float64(s.Idle))
	ch <- prometheus.MustNewConstMetric(poolWaitDesc, prometheus.CounterValue, float64(s.WaitCount))
	ch <- prometheus.MustNewConstMetric(poolWaitDur, prometheus.CounterValue, s.WaitDuration.Seconds())
}

// outboxCollector reports the messages waiting in the outbox at scrape
// time: a growing backlog means mail or webhooks are not going out.
type outboxCollector struct{ outbox OutboxBacklog }

var outboxPendingDesc = prometheus.NewDesc("fieldportal_outbox_pending", "Outbox messages waiting to be sent, by kind.", []string{"kind"}, nil)

func (c outboxCollector) Describe(ch chan<- *prometheus.Desc) { ch <- outboxPendingDesc }

func (c outboxCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	counts, err := c.outbox.CountPendingOutbox(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(outboxPendingDesc, err)
		return
	}
	for _, kind := range []string{"mail", "webhook"} {
		ch <- prometheus.MustNewConstMetric(outboxPendingDesc, prometheus.GaugeValue, float64(counts[kind]), kind)
	}
}
