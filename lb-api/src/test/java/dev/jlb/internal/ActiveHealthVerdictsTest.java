package dev.jlb.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.Backend;
import dev.jlb.FakeScheduler;
import dev.jlb.FakeTicker;
import dev.jlb.RandomSource;
import dev.jlb.health.ActiveHealthCheck;
import dev.jlb.health.HealthCheck;
import dev.jlb.health.HealthCheckResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/**
 * Active health on its own: the checker's results, handed back as the pool does (accepted ones
 * only), turn into verdicts with rise 2 and fall 3; a check every 2s under a fake clock.
 */
class ActiveHealthVerdictsTest {
    static final Duration INTERVAL = Duration.ofSeconds(2);

    final FakeTicker ticker = new FakeTicker();
    final FakeScheduler scheduler = new FakeScheduler(ticker);
    final Map<Backend, HealthCheckResult> script = new ConcurrentHashMap<>();
    final HealthCheck probe = backend -> CompletableFuture.completedFuture(
            script.getOrDefault(backend, HealthCheckResult.healthy("status 200")));
    final List<ActiveChecker.Task> tasks = new ArrayList<>();
    /** What each accepted result changed, as "id: unhealthy?" when it turned the member. */
    final List<String> turns = new ArrayList<>();
    final ActiveHealth active = new ActiveHealth(new Timers("test", scheduler), ticker, RandomSource.seeded(1),
            (task, result, elapsed, ejections) -> {
                tasks.add(task);
                if (accepts(task) && record(task.entry, result)) {
                    turns.add(task.entry.backend.id() + ": " + reason(task.entry));
                }
            });
    final Members members = new Members(0);
    final BackendEntry a = members.member(8081);
    final BackendEntry b = members.member(8082);

    private boolean accepts(ActiveChecker.Task task) {
        return active.accepts(task);
    }

    private boolean record(BackendEntry entry, HealthCheckResult result) {
        return active.record(entry, result);
    }

    private String reason(BackendEntry entry) {
        return (active.isUnhealthy(entry) ? "unhealthy, " : "healthy, ") + active.reason(entry);
    }

    static ActiveHealthCheck check(HealthCheck probe) {
        return ActiveHealthCheck.of(probe).interval(INTERVAL).jitter(0).rise(2).fall(3).build();
    }

    @Test
    void theFirstResultDecidesThenRiseAndFallCountInARow() {
        script.put(a.backend, HealthCheckResult.unhealthy("status 503"));
        active.add(a);
        active.add(b);
        active.start(check(probe));
        scheduler.runDue();
        assertThat(turns).containsExactly("127.0.0.1:8081: unhealthy, first health check failed: status 503");

        script.remove(a.backend);
        script.put(b.backend, HealthCheckResult.unhealthy("timeout after 1s"));
        scheduler.advance(INTERVAL);
        assertThat(active.isUnhealthy(a)).as("1 pass of rise 2").isTrue();
        assertThat(active.isUnhealthy(b)).as("1 failure of fall 3").isFalse();
        scheduler.advance(INTERVAL.multipliedBy(2));
        assertThat(turns).containsExactly("127.0.0.1:8081: unhealthy, first health check failed: status 503",
                "127.0.0.1:8081: healthy, health check passed 2 times: status 200",
                "127.0.0.1:8082: unhealthy, health check failed 3 times: timeout after 1s");
    }

    @Test
    void resultsOfARemovedMemberOrOfAReplacedCheckDoNotCount() {
        active.add(a);
        active.add(b);
        active.start(check(probe));
        scheduler.runDue();
        ActiveChecker.Task ofA = tasks.get(0);
        assertThat(ofA.entry).isSameAs(a);
        assertThat(active.accepts(ofA)).isTrue();

        active.remove(a);
        assertThat(active.accepts(ofA)).isFalse();
        ActiveChecker.Task ofB = tasks.get(1);
        active.replace(check(backend -> CompletableFuture.completedFuture(HealthCheckResult.healthy())), false);
        assertThat(active.accepts(ofB)).as("a task of the check replaced").isFalse();
        scheduler.runDue();
        assertThat(active.accepts(tasks.get(tasks.size() - 1))).isTrue();
        assertThat(tasks).extracting(t -> t.entry).containsOnly(a, b).last().isSameAs(b);
    }

    @Test
    void disablingTheCheckForgetsEveryVerdict() {
        script.put(a.backend, HealthCheckResult.unhealthy("connection refused"));
        active.add(a);
        active.start(check(probe));
        scheduler.runDue();
        assertThat(active.isUnhealthy(a)).isTrue();

        active.replace(ActiveHealthCheck.disabled(), false);
        assertThat(active.isUnhealthy(a)).isFalse();
        assertThat(active.reason(a)).isEqualTo("health check disabled");
        assertThat(scheduler.pending()).as("no check runs").isZero();

        // Checking again, the first result decides at once again.
        active.replace(check(probe), false);
        scheduler.runDue();
        assertThat(active.reason(a)).isEqualTo("first health check failed: connection refused");
        active.close();
        assertThat(scheduler.pending()).isZero();
    }
}
