package dev.jlb.jetty.config;

import dev.jlb.OverloadProtection;

/**
 * Reads a route's {@code overload:} section into {@link OverloadProtection}: off without it. The
 * builder judges every value.
 */
final class OverloadSection {

    private OverloadSection() {
    }

    static OverloadProtection overload(MapReader r) {
        MapReader o = r.map("overload");
        if (o == null) {
            return OverloadProtection.disabled();
        }
        OverloadProtection.Builder b = OverloadProtection.builder();
        o.integer("backend_max_in_flight", b::backendMaxInFlight);
        o.integer("max_in_flight", b::maxInFlight);
        o.integer("max_queued", b::maxQueued);
        o.duration("queue_timeout", b::queueTimeout);
        OverloadProtection built = o.build(b::build);
        o.finish();
        return built != null ? built : OverloadProtection.disabled();
    }
}
