package dev.jlb.jetty.discovery;

import dev.jlb.Backend;
import dev.jlb.discovery.DiscoveredBackend;
import dev.jlb.jetty.discovery.DnsLookup.Answer;
import dev.jlb.jetty.discovery.DnsLookup.Rec;
import dev.jlb.jetty.discovery.DnsLookup.Type;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * One resolution of {@link DnsDiscovery}'s target through a {@link DnsLookup}: a {@code dns://}
 * name's A and AAAA records (together), or a {@code srv://} name's SRV records, each target's
 * addresses taken from the additional section or else asked for, merged in priority order. Turns
 * the records into backends and the answers' TTLs into one: the smallest, where an empty answer's
 * (negative) TTL counts only when nothing was found. When to ask again is {@link DnsDiscovery}'s.
 *
 * <p>Immutable apart from the lookup it owns; thread-safe. The futures complete on the lookup's threads.
 *
 * @param target what to resolve, and the source of the backends found
 * @param scheme the backends' scheme
 * @param weight the weight of a {@code dns://} name's addresses (SRV records carry their own)
 * @param lookup the queries' way to the wire; closed by {@link #close()}
 */
record DnsResolution(DnsTarget target, String scheme, int weight, DnsLookup lookup) {

    /** What one resolution found: backends (empty for NXDOMAIN or no records) and the TTL. */
    record Result(List<DiscoveredBackend> backends, long ttlSeconds, boolean nxdomain) {
    }

    /** Resolves the target once; fails as the lookup did when nothing was found. */
    CompletableFuture<Result> resolve() {
        return target.srv() ? resolveSrv() : resolveAddresses(target.name(), target.port(), weight, 0);
    }

    /** Closes the lookup's sockets. */
    void close() {
        lookup.close();
    }

    /** {@return the failure a future's exception wraps} */
    static Throwable cause(Throwable e) {
        while ((e instanceof CompletionException || e instanceof java.util.concurrent.ExecutionException)
                && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }

    private CompletableFuture<Result> resolveAddresses(String name, int port, int w, int priority) {
        CompletableFuture<Answer> a = lookup.query(name, Type.A).toCompletableFuture();
        CompletableFuture<Answer> aaaa = lookup.query(name, Type.AAAA).toCompletableFuture();
        return a.handle((ra, ea) -> aaaa.handle((rb, eb) -> {
            if (ea != null && eb != null) {
                throw new CompletionException(cause(ea));
            }
            List<DiscoveredBackend> backends = new ArrayList<>();
            long ttl = -1;
            long negativeTtl = -1;
            boolean nx = true;
            for (Answer answer : new Answer[] {ra, rb}) {
                if (answer != null) {
                    nx &= answer.nxdomain();
                    // An empty AAAA answer beside A records says nothing about how long the A records last.
                    if (answer.records().isEmpty()) {
                        negativeTtl = minTtl(negativeTtl, answer.ttlSeconds());
                    } else {
                        ttl = minTtl(ttl, answer.ttlSeconds());
                    }
                    answer.records().forEach(rec -> backends.add(backend(rec.address(), port, w, priority)));
                }
            }
            if (backends.isEmpty()) {
                ttl = negativeTtl;
            }
            if (backends.isEmpty() && (ea != null || eb != null)) {
                throw new CompletionException(cause(ea != null ? ea : eb));
            }
            return new Result(backends, ttl, nx && backends.isEmpty());
        })).thenCompose(f -> f);
    }

    private CompletableFuture<Result> resolveSrv() {
        return lookup.query(target.name(), Type.SRV).toCompletableFuture().thenCompose(answer -> {
            if (answer.records().isEmpty()) {
                return CompletableFuture.completedFuture(new Result(List.of(), answer.ttlSeconds(), answer.nxdomain()));
            }
            List<Rec> records = new ArrayList<>(answer.records());
            records.sort(Comparator.comparingInt(Rec::priority));
            List<CompletableFuture<Result>> parts = new ArrayList<>();
            for (Rec srv : records) {
                int w = Math.min(Backend.MAX_WEIGHT, Math.max(1, srv.weight()));
                List<DiscoveredBackend> given = new ArrayList<>();
                long ttl = -1;
                for (Rec add : answer.additional()) {
                    if (add.name().equals(srv.target())) {
                        given.add(backend(add.address(), srv.port(), w, srv.priority()));
                        ttl = minTtl(ttl, add.ttlSeconds());
                    }
                }
                parts.add(given.isEmpty() ? resolveAddresses(srv.target(), srv.port(), w, srv.priority())
                        : CompletableFuture.completedFuture(new Result(given, ttl, false)));
            }
            return CompletableFuture.allOf(parts.toArray(new CompletableFuture<?>[0])).thenApply(done -> {
                Map<Backend, DiscoveredBackend> merged = new LinkedHashMap<>();
                long ttl = answer.ttlSeconds();
                for (CompletableFuture<Result> part : parts) {
                    Result r = part.join();
                    ttl = minTtl(ttl, r.ttlSeconds());
                    r.backends().forEach(d -> merged.putIfAbsent(d.backend(), d));
                }
                return new Result(List.copyOf(merged.values()), ttl, false);
            });
        });
    }

    private DiscoveredBackend backend(String address, int port, int w, int priority) {
        return new DiscoveredBackend(Addresses.backend(scheme, address, port, w, target.source()), priority);
    }

    private static long minTtl(long a, long b) {
        return a < 0 ? b : b < 0 ? a : Math.min(a, b);
    }
}
