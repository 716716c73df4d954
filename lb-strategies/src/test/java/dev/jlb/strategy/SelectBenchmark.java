package dev.jlb.strategy;

import dev.jlb.Backend;
import dev.jlb.LoadBalancer;
import dev.jlb.RequestContext;
import dev.jlb.Selection;
import dev.jlb.StrategyRegistry;
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
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of one request's worth of balancing: {@code select} plus completing the selection, through
 * a real {@link LoadBalancer}, for every bundled strategy at 5, 100 and 10,000 backends (weights 1 to
 * 4 in turn), on 1 and 2 threads. Run with the command in the README (strategies section); add
 * {@code -prof gc} to see the allocation per operation.
 *
 * <p>The consistent-hash strategy hashes the client address of 1,024 distinct request contexts,
 * visited in turn by each thread. No request is held, so every in-flight count is 0 or 1.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 4, time = 1)
@Fork(value = 2, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
@State(Scope.Benchmark)
public class SelectBenchmark {

    /** {@code least-connections-scan}: least connections without its tree, the O(n) scan at every size. */
    @Param({"round-robin", "weighted-round-robin", "least-connections", "least-connections-scan", "random", "p2c",
            "peak-ewma", "consistent-hash"})
    public String strategy;

    @Param({"5", "100", "10000"})
    public int backends;

    private LoadBalancer lb;

    @Setup(Level.Trial)
    public void setUp() {
        List<Backend> list = new ArrayList<>(backends);
        for (int i = 0; i < backends; i++) {
            list.add(Backend.of("http://127.0.0.1:" + (20_000 + i), 1 + i % 4));
        }
        lb = LoadBalancer.builder().name("bench").strategy(strategy.equals("least-connections-scan")
                ? LeastConnectionsStrategy.SCAN_ONLY : StrategyRegistry.create(strategy)).backends(list).build();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        lb.close();
    }

    /** Each thread's own stream of request contexts. */
    @State(Scope.Thread)
    public static class Requests {
        private final RequestContext[] contexts = new RequestContext[1024];
        private int next;

        @Setup(Level.Trial)
        public void setUp() {
            for (int i = 0; i < contexts.length; i++) {
                contexts[i] = RequestContext.builder().method("GET").path("/lb")
                        .clientAddress("10.0." + (i >> 8) + "." + (i & 0xFF)).build();
            }
        }

        RequestContext next() {
            int i = next;
            next = (i + 1) & (contexts.length - 1);
            return contexts[i];
        }
    }

    @Benchmark
    @Threads(1)
    public Backend select1(Requests requests) {
        return selectAndComplete(requests);
    }

    @Benchmark
    @Threads(2)
    public Backend select2(Requests requests) {
        return selectAndComplete(requests);
    }

    private Backend selectAndComplete(Requests requests) {
        Selection selection = lb.select(requests.next());
        Backend backend = selection.backend();
        selection.onSuccess(200, 1_000);
        return backend;
    }
}
