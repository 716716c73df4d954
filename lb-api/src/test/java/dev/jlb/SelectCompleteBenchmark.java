package dev.jlb;

import dev.jlb.testing.TestStrategies;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The request path through lb-api alone: select (a trivial rotating strategy) or select preferring
 * a backend (sticky sessions), and complete, which runs the statistics and passive health (failure
 * streak, latency EWMA). Not run by the build:
 *
 * <pre>
 * mvn -q -B -pl lb-api test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt
 * java -cp lb-api/target/test-classes:lb-api/target/classes:$(cat lb-api/target/cp.txt) \
 *     org.openjdk.jmh.Main SelectCompleteBenchmark
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-XX:+UseParallelGC"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class SelectCompleteBenchmark {
    private LoadBalancer lb;
    private final RequestContext context = RequestContext.empty();
    private Backend preferred;
    private final Backend preferredCopy = Backend.of("http://127.0.0.1:8082");
    private final Backend gone = Backend.of("http://127.0.0.1:8089");

    @Setup
    public void setUp() {
        lb = LoadBalancer.builder().strategy(TestStrategies.rotate())
                .backends(List.of(Backend.of("http://127.0.0.1:8081"), Backend.of("http://127.0.0.1:8082"),
                        Backend.of("http://127.0.0.1:8083")))
                .build();
        preferred = lb.pool().backends().get(1);
    }

    @TearDown
    public void tearDown() {
        lb.close();
    }

    /** A success with a latency: statistics, streak check, EWMA update. */
    @Benchmark
    public Selection selectAndSucceed() {
        Selection selection = lb.select(context);
        selection.onSuccess(200, 1_000_000);
        return selection;
    }

    /*
     * The three below return the backend, not the selection, so that the selection does not escape
     * and escape analysis can remove it (gc.alloc.rate.norm 0 B/op with -prof gc when it does).
     */

    /** The baseline for the two sticky paths below: select (the strategy picks) and complete. */
    @Benchmark
    public Backend selectBackend() {
        Selection selection = lb.select(context);
        Backend backend = selection.backend();
        selection.onSuccess(200, 1_000_000);
        return backend;
    }

    /** The sticky path: the preferred backend is eligible (a hash lookup instead of the strategy). */
    @Benchmark
    public Backend selectPreferring() {
        Selection selection = lb.selectPreferring(context, preferred);
        Backend backend = selection.backend();
        selection.onSuccess(200, 1_000_000);
        return backend;
    }

    /** The sticky path with an equal backend that is not the pool's instance (equals, not ==, finds it). */
    @Benchmark
    public Backend selectPreferringCopy() {
        Selection selection = lb.selectPreferring(context, preferredCopy);
        Backend backend = selection.backend();
        selection.onSuccess(200, 1_000_000);
        return backend;
    }

    /** The sticky path when the preferred backend is not a member: the lookup misses, the strategy picks. */
    @Benchmark
    public Backend selectPreferringMiss() {
        Selection selection = lb.selectPreferring(context, gone);
        Backend backend = selection.backend();
        selection.onSuccess(200, 1_000_000);
        return backend;
    }

    /** A success without latency. */
    @Benchmark
    public Selection selectAndSucceedWithoutLatency() {
        Selection selection = lb.select(context);
        selection.onSuccess(200, -1);
        return selection;
    }
}
