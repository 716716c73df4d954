package dev.jlb.jetty.config;

import dev.jlb.jetty.ProxyOptions;
import java.util.Objects;

/**
 * The proxy headers of a route (the {@code headers:} section). Immutable.
 *
 * @param preserveHost whether backends receive the client's {@code Host} header (default true);
 *     false sends the backend's own {@code host:port}
 * @param xForwarded whether {@code X-Forwarded-For}, {@code -Proto} and {@code -Host} are appended to (default true)
 * @param via the name jlb adds to the {@code Via} header (default {@value #DEFAULT_VIA})
 * @param requestId the header that carries the request id, propagated to backends (default {@value #DEFAULT_REQUEST_ID})
 * @param generateRequestId whether a request without an id gets a new one (default true)
 */
public record HeadersConfig(boolean preserveHost, boolean xForwarded, String via, String requestId,
        boolean generateRequestId) {

    public static final String DEFAULT_VIA = ProxyOptions.DEFAULT_VIA;
    public static final String DEFAULT_REQUEST_ID = ProxyOptions.DEFAULT_REQUEST_ID_HEADER;

    public static final HeadersConfig DEFAULT = new HeadersConfig(ProxyOptions.DEFAULT_PRESERVE_HOST,
            ProxyOptions.DEFAULT_X_FORWARDED_HEADERS, DEFAULT_VIA, DEFAULT_REQUEST_ID, ProxyOptions.DEFAULT_GENERATE_REQUEST_ID);

    public HeadersConfig {
        Objects.requireNonNull(via, "via");
        Objects.requireNonNull(requestId, "requestId");
    }
}
