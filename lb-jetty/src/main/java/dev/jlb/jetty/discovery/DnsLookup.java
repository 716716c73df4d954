package dev.jlb.jetty.discovery;

import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * One DNS query, asynchronous: the seam between the discovery logic ({@link DnsResolution} turns
 * answers and their TTLs into backends, {@link DnsDiscovery} decides when to ask again, with back-off)
 * and the wire ({@link DnsJavaLookup}). Implementations are thread-safe.
 */
interface DnsLookup {

    /** A record type asked for. */
    enum Type { A, AAAA, SRV }

    /**
     * Asks for {@code type} records of the absolute {@code name}. Completes with the answer (an
     * NXDOMAIN or an empty answer included), or exceptionally when no server answered in time or
     * every server answered with an error (SERVFAIL, REFUSED...).
     */
    CompletionStage<Answer> query(String name, Type type);

    /** Closes sockets, if any. */
    default void close() {
    }

    /**
     * An answer: whether the name exists, the records of the asked type (CNAMEs followed), and the
     * TTL to cache the answer for.
     *
     * @param nxdomain the name does not exist
     * @param records the records of the type asked for; empty for NXDOMAIN or NODATA
     * @param ttlSeconds the smallest TTL of {@code records}, or the negative-caching TTL of an empty
     *     answer (the SOA's), or -1 when the answer gave none
     * @param additional A/AAAA records of the additional section (an SRV answer's targets), by name
     */
    record Answer(boolean nxdomain, List<Rec> records, long ttlSeconds, List<Rec> additional) {
        public Answer {
            records = List.copyOf(records);
            additional = List.copyOf(additional);
        }
    }

    /**
     * A record: an address ({@code A}/{@code AAAA}: {@code address} set, {@code name} the owner) or
     * an SRV record ({@code target}, {@code port}, {@code priority}, {@code weight}).
     */
    record Rec(Type type, String name, String address, String target, int port, int priority, int weight,
            long ttlSeconds) {

        static Rec address(Type type, String name, String address, long ttlSeconds) {
            return new Rec(type, name, address, null, 0, 0, 0, ttlSeconds);
        }

        static Rec srv(String name, String target, int port, int priority, int weight, long ttlSeconds) {
            return new Rec(Type.SRV, name, null, target, port, priority, weight, ttlSeconds);
        }
    }
}
