package dev.jlb;

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
 * The request path through lb-api alone: select (a trivial rotating strategy) and complete, which
 * runs the statistics and passive health (failure streak, latency EWMA). Not run by the build:
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

    @Setup
    public void setUp() {
        lb = LoadBalancer.builder().strategy(TestStrategies.rotate())
                .backends(List.of(Backend.of("http://127.0.0.1:8081"), Backend.of("http://127.0.0.1:8082"),
                        Backend.of("http://127.0.0.1:8083")))
                .build();
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

    /** A success without latency. */
    @Benchmark
    public Selection selectAndSucceedWithoutLatency() {
        Selection selection = lb.select(context);
        selection.onSuccess(200, -1);
        return selection;
    }
}
