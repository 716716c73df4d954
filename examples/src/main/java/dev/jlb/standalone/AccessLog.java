package dev.jlb.standalone;

import dev.jlb.Backend;
import dev.jlb.LoadBalancer;
import dev.jlb.Pool;
import dev.jlb.RequestContext;
import dev.jlb.Selection;
import dev.jlb.Strategy;
import dev.jlb.health.ActiveHealthCheck;
import dev.jlb.health.LatencyHealth;
import dev.jlb.health.OutlierDetection;
import dev.jlb.health.PanicMode;
import dev.jlb.health.SlowStart;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The optional access log ({@code server.access_log: true}): one line per request on the SLF4J
 * logger {@value #LOGGER} at INFO, such as
 * {@code 127.0.0.1 GET /lb 200 14B backend=127.0.0.1:8081 attempts=1 1.2ms route=/lb}.
 *
 * <p>The last backend tried and the number of attempts are learned by {@link Recording}, a
 * {@link LoadBalancer} that delegates to the route's and notes each selection: the first one of a
 * request is made on the thread that dispatches it (the router sets {@link #CURRENT} around that
 * dispatch), retries are matched to the request by their {@link RequestContext}. Only routes of a
 * server with the access log on use it; otherwise nothing of this runs.
 */
final class AccessLog {

    /** The logger of access lines. */
    static final String LOGGER = "jlb.access";

    private static final Logger LOG = LoggerFactory.getLogger(LOGGER);

    /** Where lines go by default: the {@value #LOGGER} logger at INFO. */
    static final Consumer<String> LOGGER_SINK = line -> LOG.info("{}", line);

    /** The record of the request being dispatched on this thread. */
    static final ThreadLocal<Entry> CURRENT = new ThreadLocal<>();

    private AccessLog() {
    }

    /** What is known about one request. */
    static final class Entry {
        final String route;
        final long startNanos;
        volatile RequestContext context;
        volatile Backend backend;
        volatile int attempts;

        Entry(String route, long startNanos) {
            this.route = route;
            this.startNanos = startNanos;
        }
    }

    /** Logs the finished request to {@code sink} and forgets its entry. */
    static void log(Entry entry, Recording lb, Request request, Response response, Throwable failure,
            Consumer<String> sink) {
        if (entry.context != null) {
            lb.forget(entry.context);
        }
        if (sink == LOGGER_SINK && !LOG.isInfoEnabled()) {
            return;
        }
        long micros = TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - entry.startNanos);
        String query = request.getHttpURI().getQuery();
        Backend backend = entry.backend;
        StringBuilder line = new StringBuilder(128)
                .append(Request.getRemoteAddr(request)).append(' ')
                .append(request.getMethod()).append(' ')
                .append(request.getHttpURI().getPath()).append(query == null ? "" : "?" + query).append(' ')
                .append(response.getStatus()).append(' ')
                .append(Response.getContentBytesWritten(response)).append("B backend=")
                .append(backend == null ? "-" : backend.id()).append(" attempts=").append(entry.attempts).append(' ')
                .append(micros / 1000).append('.').append((micros % 1000) / 100).append("ms route=").append(entry.route);
        if (failure != null) {
            line.append(" failed=").append(failure.getClass().getSimpleName());
        }
        sink.accept(line.toString());
    }

    /** A load balancer that notes which backend each request went to last. Thread-safe. */
    static final class Recording implements LoadBalancer {
        private final LoadBalancer delegate;
        private final Map<RequestContext, Entry> entries = new ConcurrentHashMap<>();

        Recording(LoadBalancer delegate) {
            this.delegate = delegate;
        }

        LoadBalancer delegate() {
            return delegate;
        }

        void forget(RequestContext context) {
            entries.remove(context);
        }

        @Override
        public Selection select(RequestContext context) {
            Entry entry = CURRENT.get();
            if (entry != null) {
                entry.context = context;
                entries.put(context, entry);
            }
            Selection selection = delegate.select(context);
            if (entry != null) {
                entry.backend = selection.backend();
                entry.attempts = 1;
            }
            return selection;
        }

        @Override
        public Selection select(RequestContext context, Collection<Backend> excluded) {
            Selection selection = delegate.select(context, excluded);
            Entry entry = entries.get(context);
            if (entry != null) {
                entry.backend = selection.backend();
                entry.attempts = excluded.size() + 1;
            }
            return selection;
        }

        @Override
        public Pool pool() {
            return delegate.pool();
        }

        @Override
        public String name() {
            return delegate.name();
        }

        @Override
        public Strategy strategy() {
            return delegate.strategy();
        }

        @Override
        public void updateStrategy(Strategy strategy) {
            delegate.updateStrategy(strategy);
        }

        @Override
        public ActiveHealthCheck healthCheck() {
            return delegate.healthCheck();
        }

        @Override
        public void updateHealthCheck(ActiveHealthCheck healthCheck) {
            delegate.updateHealthCheck(healthCheck);
        }

        @Override
        public OutlierDetection outlierDetection() {
            return delegate.outlierDetection();
        }

        @Override
        public void updateOutlierDetection(OutlierDetection outlierDetection) {
            delegate.updateOutlierDetection(outlierDetection);
        }

        @Override
        public LatencyHealth latencyHealth() {
            return delegate.latencyHealth();
        }

        @Override
        public void updateLatencyHealth(LatencyHealth latencyHealth) {
            delegate.updateLatencyHealth(latencyHealth);
        }

        @Override
        public SlowStart slowStart() {
            return delegate.slowStart();
        }

        @Override
        public void updateSlowStart(SlowStart slowStart) {
            delegate.updateSlowStart(slowStart);
        }

        @Override
        public PanicMode panicMode() {
            return delegate.panicMode();
        }

        @Override
        public double panicThreshold() {
            return delegate.panicThreshold();
        }

        @Override
        public void updatePanic(PanicMode mode, double threshold) {
            delegate.updatePanic(mode, threshold);
        }

        @Override
        public boolean inPanic() {
            return delegate.inPanic();
        }

        @Override
        public void close() {
            delegate.close();
        }

        @Override
        public String toString() {
            return "AccessLog.Recording{" + delegate + '}';
        }
    }
}
