package dev.jlb.jetty.discovery;

import dev.jlb.Backend;
import dev.jlb.DurationFormat;
import dev.jlb.RandomSource;
import dev.jlb.discovery.DiscoveredBackend;
import dev.jlb.discovery.Discovery;
import dev.jlb.discovery.DiscoveryCounters;
import dev.jlb.discovery.DiscoveryStats;
import dev.jlb.jetty.discovery.DnsLookup.Answer;
import dev.jlb.jetty.discovery.DnsLookup.Rec;
import dev.jlb.jetty.discovery.DnsLookup.Type;
import dev.jlb.jetty.internal.OptionalDependency;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Backends from DNS: {@code dns://name:port} (every A and AAAA address of the name, each with the
 * entry's weight) or {@code srv://_service._proto.name} (each SRV record's target addresses, port,
 * weight and priority; see {@link DiscoveredBackend#priority()}).
 *
 * <p>Re-resolution follows the answer's TTL, clamped to {@code [minTtl, maxTtl]} (defaults
 * {@value #DEFAULT_MIN_TTL_SECONDS} s and {@value #DEFAULT_MAX_TTL_SECONDS} s). A failed lookup
 * (timeout, SERVFAIL, no server) keeps the last good membership and is tried again after an
 * exponential back-off from {@code minTtl} up to {@code maxTtl}, with ±20% jitter. An NXDOMAIN or an
 * empty answer empties the membership only once {@code emptyAfter} answers in a row said so
 * (default {@value #DEFAULT_EMPTY_AFTER}), with a log line; a single bad answer while a name is
 * being changed does not take a service down.
 *
 * <p>Lookups are asynchronous, one at a time; the scheduler (by default one daemon thread shared by
 * every discovery) only starts them. Thread-safe.
 */
public final class DnsDiscovery implements Discovery {
    private static final Logger LOG = LoggerFactory.getLogger(DnsDiscovery.class);

    /** Default {@code min_ttl}: answers are re-resolved no sooner than this. */
    public static final long DEFAULT_MIN_TTL_SECONDS = 1;
    /** Default {@code max_ttl}: answers are re-resolved at least this often. */
    public static final long DEFAULT_MAX_TTL_SECONDS = 60;
    /** Default {@code empty_after}: consecutive empty answers before the set is emptied. */
    public static final int DEFAULT_EMPTY_AFTER = 3;

    private final DnsTarget target;
    private final String scheme;
    private final int weight;
    private final Duration minTtl;
    private final Duration maxTtl;
    private final int emptyAfter;
    private final DnsLookup lookup;
    private final Scheduler scheduler;
    private final RandomSource random;
    private final Clock clock;
    private final DiscoveryCounters counters = new DiscoveryCounters();

    /** Guarded by this. */
    private Listener listener;
    private List<DiscoveredBackend> current = List.of();
    private boolean reported;
    private int emptyStreak;
    private int failureStreak;
    private Scheduler.Task next;
    private Duration nextDelay = Duration.ZERO;
    private boolean closed;

    private DnsDiscovery(Builder b, DnsLookup lookup) {
        this.target = b.target;
        this.scheme = b.scheme;
        this.weight = b.weight;
        this.minTtl = b.minTtl;
        this.maxTtl = b.maxTtl;
        this.emptyAfter = b.emptyAfter;
        this.lookup = lookup;
        this.scheduler = b.scheduler != null ? b.scheduler : DiscoveryThreads.shared();
        this.random = b.random;
        this.clock = b.clock;
    }

    /**
     * A builder for {@code dns://name:port} or {@code srv://_service._proto.name}.
     *
     * @param url the url
     * @return a new builder
     * @throws IllegalArgumentException naming the URL and the form expected
     */
    public static Builder builder(String url) {
        return new Builder(DnsTarget.parse(Objects.requireNonNull(url, "url")));
    }

    @Override
    public String source() {
        return target.source();
    }

    /**
     * The {@link #source()} a discovery of {@code url} has: the URL normalized
     * ({@code DNS://API.internal.:8080} is {@code dns://api.internal:8080}).
     *
     * @param url the url
     * @return the string
     * @throws IllegalArgumentException when {@code url} is not of either form
     */
    public static String sourceOf(String url) {
        return DnsTarget.parse(Objects.requireNonNull(url, "url")).source();
    }

    @Override
    public void start(Listener listener) {
        Objects.requireNonNull(listener, "listener");
        synchronized (this) {
            if (this.listener != null) {
                throw new IllegalStateException(source() + ": started twice");
            }
            this.listener = listener;
        }
        schedule(Duration.ZERO);
    }

    @Override
    public DiscoveryStats stats() {
        return counters.stats(source());
    }

    /**
     * How long after the last answer or failure the next lookup was scheduled: the TTL clamped, or
     * the back-off.
     *
     * @return the duration
     */
    public synchronized Duration nextLookupDelay() {
        return nextDelay;
    }

    /** {@return the membership as last reported (empty before the first answer)} */
    public synchronized List<DiscoveredBackend> current() {
        return current;
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            if (next != null) {
                next.cancel();
            }
        }
        lookup.close();
    }

    private synchronized void schedule(Duration delay) {
        if (!closed) {
            nextDelay = delay;
            next = scheduler.schedule(this::resolve, delay.toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    private void resolve() {
        synchronized (this) {
            if (closed) {
                return;
            }
        }
        CompletableFuture<Result> result = target.srv() ? resolveSrv() : resolveAddresses(target.name(), target.port(),
                weight, 0);
        result.whenComplete((r, e) -> {
            try {
                if (e != null) {
                    failed(cause(e));
                } else {
                    answered(r);
                }
            } catch (RuntimeException | Error unexpected) {
                LOG.warn("jlb: {}: a lookup's answer could not be applied", source(), unexpected);
                schedule(maxTtl);
            }
        });
    }

    /** What one resolution found: backends (empty for NXDOMAIN or no records) and the TTL. */
    private record Result(List<DiscoveredBackend> backends, long ttlSeconds, boolean nxdomain) {
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
        String host = address.indexOf(':') >= 0 ? "[" + address + "]" : address;
        return new DiscoveredBackend(Backend.of(scheme + "://" + host + ":" + port, w).withSource(source()), priority);
    }

    private static long minTtl(long a, long b) {
        return a < 0 ? b : b < 0 ? a : Math.min(a, b);
    }

    private void answered(Result r) {
        counters.resolved(r.backends().isEmpty() ? currentSize() : r.backends().size(), clock.millis());
        Listener target;
        List<DiscoveredBackend> report = null;
        synchronized (this) {
            if (closed) {
                return;
            }
            if (failureStreak > 0) {
                LOG.info("jlb: {}: answered again after {} failed lookups", source(), failureStreak);
            }
            failureStreak = 0;
            if (r.backends().isEmpty()) {
                emptyStreak++;
                String what = r.nxdomain() ? "NXDOMAIN" : "no records";
                if (current.isEmpty()) {
                    if (!reported) {
                        report = List.of();
                    }
                } else if (emptyStreak >= emptyAfter) {
                    LOG.warn("jlb: {}: {} in {} answers in a row: the membership is now empty (was {} backends)",
                            source(), what, emptyStreak, current.size());
                    report = List.of();
                } else {
                    LOG.info("jlb: {}: {} ({} of {} in a row before emptying): keeping {} backends", source(), what,
                            emptyStreak, emptyAfter, current.size());
                }
            } else {
                emptyStreak = 0;
                if (!reported || !r.backends().equals(current)) {
                    report = r.backends();
                }
            }
            if (report != null) {
                current = report;
                reported = true;
            }
            target = listener;
        }
        if (report != null) {
            target.onMembership(report);
        }
        schedule(clamp(r.ttlSeconds()));
    }

    private synchronized int currentSize() {
        return current.size();
    }

    private void failed(Throwable e) {
        String error = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        counters.failed(error);
        Duration delay;
        synchronized (this) {
            if (closed) {
                return;
            }
            failureStreak++;
            delay = backoff(failureStreak);
            if (failureStreak == 1 || Integer.bitCount(failureStreak) == 1) {
                LOG.warn("jlb: {}: lookup failed ({}), {} in a row; keeping {} backends, next try in {}", source(), error,
                        failureStreak, current.size(), DurationFormat.format(delay));
            }
        }
        schedule(delay);
    }

    /** {@code minTtl * 2^(n-1)}, at most {@code maxTtl}, times a jitter in [0.8, 1.2). */
    Duration backoff(int failures) {
        long base = minTtl.toMillis();
        long capped = Math.min(maxTtl.toMillis(), base << Math.min(20, failures - 1));
        return Duration.ofMillis((long) (capped * (0.8 + 0.4 * random.nextDouble())));
    }

    /** The TTL clamped to [minTtl, maxTtl]; an answer without one is asked again after minTtl. */
    Duration clamp(long ttlSeconds) {
        Duration ttl = ttlSeconds < 0 ? minTtl : Duration.ofSeconds(ttlSeconds);
        return ttl.compareTo(minTtl) < 0 ? minTtl : ttl.compareTo(maxTtl) > 0 ? maxTtl : ttl;
    }

    private static Throwable cause(Throwable e) {
        while ((e instanceof CompletionException || e instanceof java.util.concurrent.ExecutionException)
                && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }

    @Override
    public String toString() {
        return "DnsDiscovery{" + source() + ", ttl " + DurationFormat.format(minTtl) + ".." + DurationFormat.format(maxTtl)
                + ", emptyAfter=" + emptyAfter + '}';
    }

    /** Builds a {@link DnsDiscovery}; setters check their argument. Not thread-safe. */
    public static final class Builder {
        private final DnsTarget target;
        private String scheme = "http";
        private int weight = Backend.DEFAULT_WEIGHT;
        private Duration minTtl = Duration.ofSeconds(DEFAULT_MIN_TTL_SECONDS);
        private Duration maxTtl = Duration.ofSeconds(DEFAULT_MAX_TTL_SECONDS);
        private int emptyAfter = DEFAULT_EMPTY_AFTER;
        private DnsResolverOptions resolver = DnsResolverOptions.DEFAULTS;
        private Scheduler scheduler;
        private RandomSource random = RandomSource.threadLocal();
        private Clock clock = Clock.systemUTC();

        private Builder(DnsTarget target) {
            this.target = target;
        }

        /**
         * {@code http} (default) or {@code https}: how the addresses found are spoken to.
         *
         * @param scheme the scheme
         * @return this builder
         */
        public Builder scheme(String scheme) {
            Objects.requireNonNull(scheme, "scheme");
            if (!scheme.equals("http") && !scheme.equals("https")) {
                throw new IllegalArgumentException("scheme: " + scheme + " (expected: http or https)");
            }
            this.scheme = scheme;
            return this;
        }

        /**
         * The weight of every address of a {@code dns://} name (default 1); SRV records carry their own.
         *
         * @param weight the weight
         * @return this builder
         */
        public Builder weight(int weight) {
            this.weight = Backend.checkWeight(weight);
            return this;
        }

        /**
         * The shortest time between two lookups, and the first back-off (default 1 s); {@code >= 100ms}.
         *
         * @param minTtl the min ttl
         * @return this builder
         */
        public Builder minTtl(Duration minTtl) {
            Objects.requireNonNull(minTtl, "minTtl");
            if (minTtl.compareTo(Duration.ofMillis(100)) < 0) {
                throw new IllegalArgumentException("min_ttl: " + DurationFormat.format(minTtl) + " (expected: >= 100ms)");
            }
            this.minTtl = minTtl;
            return this;
        }

        /**
         * The longest time between two lookups, and the longest back-off (default 60 s).
         *
         * @param maxTtl the max ttl
         * @return this builder
         */
        public Builder maxTtl(Duration maxTtl) {
            Objects.requireNonNull(maxTtl, "maxTtl");
            if (maxTtl.compareTo(Duration.ofDays(1)) > 0) {
                throw new IllegalArgumentException("max_ttl: " + DurationFormat.format(maxTtl) + " (expected: <= 1d)");
            }
            this.maxTtl = maxTtl;
            return this;
        }

        /**
         * How many NXDOMAIN or empty answers in a row empty the membership (default 3); {@code >= 1}.
         *
         * @param emptyAfter the empty after
         * @return this builder
         */
        public Builder emptyAfter(int emptyAfter) {
            if (emptyAfter < 1) {
                throw new IllegalArgumentException("empty_after: " + emptyAfter + " (expected: >= 1)");
            }
            this.emptyAfter = emptyAfter;
            return this;
        }

        /**
         * Which servers to ask and the query timeout (default: the system's servers, 5 s).
         *
         * @param resolver the resolver
         * @return this builder
         */
        public Builder resolver(DnsResolverOptions resolver) {
            this.resolver = Objects.requireNonNull(resolver, "resolver");
            return this;
        }

        /**
         * Where lookups are started (default: one daemon thread shared by every discovery); started
         * by the caller, never stopped here.
         *
         * @param scheduler the scheduler
         * @return this builder
         */
        public Builder scheduler(Scheduler scheduler) {
            this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
            return this;
        }

        /**
         * The jitter of back-offs (default {@link RandomSource#threadLocal()}).
         *
         * @param random the random
         * @return this builder
         */
        public Builder random(RandomSource random) {
            this.random = Objects.requireNonNull(random, "random");
            return this;
        }

        /**
         * The clock of {@link DiscoveryStats#lastSuccessEpochMillis()} (default UTC system clock).
         *
         * @param clock the clock
         * @return this builder
         */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         *
         * @return the dns discovery
         * @throws IllegalArgumentException when {@code maxTtl < minTtl}
         * @throws IllegalStateException when dnsjava is not on the class path
         */
        public DnsDiscovery build() {
            check();
            OptionalDependency.DNS.require();
            return new DnsDiscovery(this, new DnsJavaLookup(resolver));
        }

        DnsDiscovery build(DnsLookup lookup) {
            check();
            return new DnsDiscovery(this, lookup);
        }

        /**
         * Checks the rules between settings without building (no resolver is created).
         *
         * @return this builder
         * @throws IllegalArgumentException when {@code maxTtl < minTtl}
         */
        public Builder check() {
            if (maxTtl.compareTo(minTtl) < 0) {
                throw new IllegalArgumentException("max_ttl: " + DurationFormat.format(maxTtl) + " (expected: >= min_ttl ("
                        + DurationFormat.format(minTtl) + "))");
            }
            return this;
        }
    }
}
