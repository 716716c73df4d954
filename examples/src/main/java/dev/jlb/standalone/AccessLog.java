package dev.jlb.standalone;

import dev.jlb.Backend;
import dev.jlb.jetty.ProxyListener;
import dev.jlb.jetty.ProxyRecord;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The optional access log ({@code server.access_log: true}): one line per request on the SLF4J
 * logger {@value #LOGGER} at INFO, such as
 * {@code 127.0.0.1 GET /lb 200 14B backend=127.0.0.1:8081 attempts=1 1.2ms route=/lb}, with
 * {@code outcome=<outcome>} appended when the request did not end normally (the client went away,
 * the backend broke the response; {@code refused}: jlb answered itself). A request that asked for an {@code Upgrade} has
 * {@code upgrade=<protocol>}; an upgraded connection (a WebSocket) gets its line when it has ended:
 * status 101, the bytes relayed to the client, the whole session's duration, then
 * {@code from_client=<bytes>B outcome=upgraded end=<how>} ({@code client_closed},
 * {@code backend_closed}, {@code idle_timeout}, {@code drain_deadline}, {@code backend_removed},
 * {@code shut_down}). A {@link ProxyListener} set on every route's options, and told of the answers
 * jlb writes when no route took a request (a path no route matches, a malformed head), with
 * {@code route=-}.
 */
final class AccessLog implements ProxyListener {

    /** The logger of access lines. */
    static final String LOGGER = "jlb.access";

    private static final Logger LOG = LoggerFactory.getLogger(LOGGER);

    /** Where lines go by default: the {@value #LOGGER} logger at INFO. */
    static final Consumer<String> LOGGER_SINK = line -> LOG.info("{}", line);

    private final Consumer<String> sink;

    AccessLog(Consumer<String> sink) {
        this.sink = Objects.requireNonNull(sink, "sink");
    }

    @Override
    public void onComplete(ProxyRecord r) {
        if (sink == LOGGER_SINK && !LOG.isInfoEnabled()) {
            return;
        }
        long micros = TimeUnit.NANOSECONDS.toMicros(r.latencyNanos());
        String query = r.query();
        Backend backend = r.backend();
        String client = r.clientAddress();
        StringBuilder line = new StringBuilder(128)
                .append(client == null ? "-" : client).append(' ')
                .append(r.method()).append(' ')
                .append(r.path()).append(query == null ? "" : "?" + query).append(' ')
                .append(r.status()).append(' ')
                .append(r.responseBytes()).append("B backend=")
                .append(backend == null ? "-" : backend.id()).append(" attempts=").append(r.attempts()).append(' ')
                .append(micros / 1000).append('.').append((micros % 1000) / 100).append("ms route=")
                .append(r.prefix() == null ? "-" : r.prefix());
        if (r.upgrade() != null) {
            line.append(" upgrade=").append(r.upgrade());
        }
        switch (r.outcome()) {
            case PROXIED, NO_BACKEND, FAILED -> {
            }
            case UPGRADED -> line.append(" from_client=").append(r.requestBytes()).append("B outcome=upgraded end=")
                    .append(r.upgradeEnd() == null ? "-" : r.upgradeEnd().name().toLowerCase(Locale.ROOT));
            default -> line.append(" outcome=").append(r.outcome().name().toLowerCase(Locale.ROOT));
        }
        sink.accept(line.toString());
    }

    @Override
    public String toString() {
        return "AccessLog{" + (sink == LOGGER_SINK ? LOGGER : sink) + '}';
    }
}
