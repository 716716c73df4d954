package dev.jlb.strategy;

import dev.jlb.LoadBalancer;
import dev.jlb.NoBackendAvailableException;
import dev.jlb.OverloadProtection;
import dev.jlb.RequestContext;
import dev.jlb.Selection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What a request costs the core when the route is full: every backend at its limit and the queue
 * full, so {@link LoadBalancer#selectOrWait} refuses at once (the adapters then write the 503).
 * Five backends at {@code backend_max_in_flight: 1}, all held, and 64 requests waiting (their
 * timeout is an hour, so none leaves during the run).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 4, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms256m", "-Xmx256m"})
@State(Scope.Benchmark)
public class OverloadBenchmark {

    private LoadBalancer lb;
    private final List<Selection> held = new ArrayList<>();
    private final Refusals refusals = new Refusals();

    static final class Refusals implements LoadBalancer.Waiter {
        long refused;

        @Override
        public void selected(Selection selection) {
            throw new AssertionError("the route is full: " + selection);
        }

        @Override
        public void refused(NoBackendAvailableException e) {
            refused++;
        }
    }

    @Setup(Level.Trial)
    public void setUp() {
        LoadBalancer.Builder b = LoadBalancer.builder().name("full").strategy(Strategies.powerOfTwoChoices())
                .overload(OverloadProtection.builder().backendMaxInFlight(1).maxQueued(64)
                        .queueTimeout(Duration.ofHours(1)).build());
        for (int i = 0; i < 5; i++) {
            b.backend("http://127.0.0.1:" + (20_000 + i));
        }
        lb = b.build();
        for (int i = 0; i < 5; i++) {
            held.add(lb.select(RequestContext.empty()));
        }
        for (int i = 0; i < 64; i++) {
            lb.selectOrWait(RequestContext.empty(), null, new Refusals());
        }
        if (lb.stats().queued() != 64) {
            throw new IllegalStateException("queue not full: " + lb.stats());
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        lb.close();
    }

    @Benchmark
    public long fullQueueRefusal() {
        lb.selectOrWait(RequestContext.empty(), null, refusals);
        return refusals.refused;
    }
}
