package dev.jlb.jetty.discovery;

import dev.jlb.Backend;
import dev.jlb.DurationFormat;
import dev.jlb.RandomSource;
import dev.jlb.discovery.DiscoveredBackend;
import dev.jlb.discovery.Discovery;
import dev.jlb.discovery.DiscoveryCounters;
import dev.jlb.discovery.DiscoveryStats;
import dev.jlb.jetty.internal.OptionalDependency;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
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
 * <p>This class owns the refresh schedule (the TTL clamped, or the back-off) and applies each
 * answer or failure. Lookups are
 * asynchronous, one at a time; the scheduler (by default one daemon thread shared by every
 * discovery) only starts them, and an answer is applied where its lookup completes. Thread-safe: the
 * membership and the schedule are guarded by this object's lock, and listeners are called outside it.
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
    private final Duration minTtl;
    private final Duration maxTtl;
    private final int emptyAfter;
    private final DnsResolution resolution;
    private final Backoff backoff;
    private final Scheduler scheduler;
    private final Clock clock;
    private final DiscoveryCounters counters = new DiscoveryCounters();
    /** Called under this object's lock only. */
    private final DnsMembership membership;

    /** Guarded by this. */
    private Listener listener;
    private Scheduler.Task next;
    private Duration nextDelay = Duration.ZERO;
    private boolean closed;

    private DnsDiscovery(Builder b, DnsLookup lookup) {
        this.target = b.target;
        this.minTtl = b.minTtl;
        this.maxTtl = b.maxTtl;
        this.emptyAfter = b.emptyAfter;
        this.resolution = new DnsResolution(b.target, b.scheme, b.weight, lookup);
        this.backoff = new Backoff(b.minTtl, b.maxTtl, b.random::nextDouble);
        this.membership = new DnsMembership(b.target.source(), b.emptyAfter);
        this.scheduler = b.scheduler != null ? b.scheduler : DiscoveryThreads.shared();
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
        return membership.current();
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            if (next != null) {
                next.cancel();
            }
        }
        resolution.close();
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
        resolution.resolve().whenComplete((r, e) -> {
            try {
                if (e != null) {
                    failed(DnsResolution.cause(e));
                } else {
                    answered(r);
                }
            } catch (RuntimeException | Error unexpected) {
                LOG.warn("jlb: {}: a lookup's answer could not be applied", source(), unexpected);
                schedule(maxTtl);
            }
        });
    }

    private void answered(DnsResolution.Result r) {
        counters.resolved(r.backends().isEmpty() ? currentSize() : r.backends().size(), clock.millis());
        Listener target;
        List<DiscoveredBackend> report;
        synchronized (this) {
            if (closed) {
                return;
            }
            report = membership.answered(r.backends(), r.nxdomain());
            target = listener;
        }
        if (report != null) {
            target.onMembership(report);
        }
        schedule(clamp(r.ttlSeconds()));
    }

    /** The TTL clamped to [minTtl, maxTtl]; an answer without one is asked again after minTtl. */
    Duration clamp(long ttlSeconds) {
        Duration ttl = ttlSeconds < 0 ? minTtl : Duration.ofSeconds(ttlSeconds);
        return ttl.compareTo(minTtl) < 0 ? minTtl : ttl.compareTo(maxTtl) > 0 ? maxTtl : ttl;
    }

    private synchronized int currentSize() {
        return membership.current().size();
    }

    private void failed(Throwable e) {
        String error = Backoff.describe(e);
        counters.failed(error);
        Duration delay;
        synchronized (this) {
            if (closed) {
                return;
            }
            int failureStreak = membership.failed();
            delay = backoff.delay(failureStreak);
            if (failureStreak == 1 || Integer.bitCount(failureStreak) == 1) {
                LOG.warn("jlb: {}: lookup failed ({}), {} in a row; keeping {} backends, next try in {}", source(), error,
                        failureStreak, membership.current().size(), DurationFormat.format(delay));
            }
        }
        schedule(delay);
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
