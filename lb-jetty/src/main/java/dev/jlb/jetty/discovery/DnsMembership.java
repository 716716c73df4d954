package dev.jlb.jetty.discovery;

import dev.jlb.discovery.DiscoveredBackend;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What {@link DnsDiscovery} reports after each answer. Backends found are reported when they
 * differ from the last report, or are the first; an NXDOMAIN or an empty answer empties a
 * membership that has backends only at the {@code emptyAfter}-th such answer in a row, and is
 * reported at once when there were none. Also counts the failed lookups in a row, for the back-off.
 *
 * <p>Not thread-safe: {@link DnsDiscovery} calls it under its own lock.
 */
final class DnsMembership {
    private static final Logger LOG = LoggerFactory.getLogger(DnsDiscovery.class);

    private final String source;
    private final int emptyAfter;
    private List<DiscoveredBackend> current = List.of();
    private boolean reported;
    private int emptyStreak;
    private int failureStreak;

    DnsMembership(String source, int emptyAfter) {
        this.source = source;
        this.emptyAfter = emptyAfter;
    }

    /** {@return the membership as last reported (empty before the first answer)} */
    List<DiscoveredBackend> current() {
        return current;
    }

    /**
     * Applies an answer that found {@code backends} (empty: NXDOMAIN, as {@code nxdomain} says, or
     * no records), and ends a run of failures.
     *
     * @return the membership to report, or null when it stays as reported
     */
    List<DiscoveredBackend> answered(List<DiscoveredBackend> backends, boolean nxdomain) {
        if (failureStreak > 0) {
            LOG.info("jlb: {}: answered again after {} failed lookups", source, failureStreak);
        }
        failureStreak = 0;
        List<DiscoveredBackend> report = null;
        if (backends.isEmpty()) {
            emptyStreak++;
            String what = nxdomain ? "NXDOMAIN" : "no records";
            if (current.isEmpty()) {
                if (!reported) {
                    report = List.of();
                }
            } else if (emptyStreak >= emptyAfter) {
                LOG.warn("jlb: {}: {} in {} answers in a row: the membership is now empty (was {} backends)",
                        source, what, emptyStreak, current.size());
                report = List.of();
            } else {
                LOG.info("jlb: {}: {} ({} of {} in a row before emptying): keeping {} backends", source, what,
                        emptyStreak, emptyAfter, current.size());
            }
        } else {
            emptyStreak = 0;
            if (!reported || !Addresses.sameMembership(backends, current)) {
                report = backends;
            }
        }
        if (report != null) {
            current = report;
            reported = true;
        }
        return report;
    }

    /** {@return how many lookups in a row have failed, this one included} */
    int failed() {
        return ++failureStreak;
    }
}
