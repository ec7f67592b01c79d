package web

import (
	"crypto/subtle"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/doorway-cas/doorway/internal/cas"
)

// metrics is the server's own Prometheus registry: no global state, so tests can run servers side
// by side.
type metrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newMetrics() *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "doorway_http_requests_total",
			Help: "HTTP requests by route pattern, method and status code.",
		}, []string{"route", "method", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "doorway_http_request_duration_seconds",
			Help:    "HTTP request latency by route pattern.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route"}),
	}
	m.registry.MustRegister(m.requests, m.duration,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) observe(route, method string, status int, elapsed time.Duration) {
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(route).Observe(elapsed.Seconds())
}

// metricsPage serves the Prometheus metrics to whoever Configure allowed: a scraper sending the
// metrics token as a bearer token, or a client from a listed address. Unconfigured, /metrics is
// not there (404); configured, anyone else is refused (403).
func (s *Server) metricsPage(w http.ResponseWriter, r *http.Request) error {
	sec := s.security
	if sec.MetricsToken == "" && len(sec.MetricsAllow) == 0 {
		return cas.Errorf(cas.ENotFound, "no such route")
	}
	if !s.metricsAllowed(r) {
		return cas.Errorf(cas.EForbidden, "the metrics are for the configured scraper only")
	}
	promhttp.HandlerFor(s.metrics.registry, promhttp.HandlerOpts{}).ServeHTTP(w, r)
	return nil
}

func (s *Server) metricsAllowed(r *http.Request) bool {
	sec := s.security
	if sec.MetricsToken != "" {
		scheme, secret, ok := strings.Cut(r.Header.Get("Authorization"), " ")
		if ok && strings.EqualFold(scheme, "Bearer") &&
			subtle.ConstantTimeCompare([]byte(strings.TrimSpace(secret)), []byte(sec.MetricsToken)) == 1 {
			return true
		}
	}
	a, err := netip.ParseAddr(clientAddress(r))
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, p := range sec.MetricsAllow {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
