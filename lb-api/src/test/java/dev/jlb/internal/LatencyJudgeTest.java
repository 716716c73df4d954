package dev.jlb.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.BackendState;
import dev.jlb.health.LatencyHealth;
import dev.jlb.health.OutlierDetection;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Latency judging on its own, over members whose averages the test sets. */
class LatencyJudgeTest {
    static final long MS = 1_000_000L;
    static final long NOW = 1_000_000_000_000L;

    final Members members = new Members(0);
    final LatencyJudge judge = new LatencyJudge();
    final Ejections ejections = new Ejections("test");
    final BackendEntry a = members.member(8081);
    final BackendEntry b = members.member(8082);
    final BackendEntry c = members.member(8083);
    final List<BackendEntry> all = List.of(a, b, c);
    final OutlierDetection outlier = OutlierDetection.builder().maxEjectionPercent(50).build();

    LatencyJudgeTest() {
        for (BackendEntry e : all) {
            judge.add(e);
            ejections.add(e);
        }
    }

    static LatencyHealth absolute(int limitMs, LatencyHealth.Action action) {
        return LatencyHealth.builder().withoutRelativeLimit().absoluteLimit(Duration.ofMillis(limitMs))
                .minimumSamples(1).action(action).build();
    }

    static void average(BackendEntry entry, long nanos) {
        entry.resetLatency();
        entry.recordLatency(nanos);
    }

    @Test
    void mediansExcludeTheJudgedBackend() {
        long[] sorted = {1, 2, 3, 100};
        assertThat(LatencyJudge.medianExcluding(sorted, 100)).isEqualTo(2);
        assertThat(LatencyJudge.medianExcluding(sorted, 1)).isEqualTo(3);
        assertThat(LatencyJudge.medianExcluding(new long[] {5, 9}, 9)).isEqualTo(5);
        assertThat(LatencyJudge.medianExcluding(new long[] {4, 4, 4}, 4)).isEqualTo(4);
    }

    @Test
    void aMemberOverTheLimitIsDegradedAndRecoversUnderEightyPercentOfIt() {
        LatencyHealth rules = absolute(30, LatencyHealth.Action.DEGRADE);
        average(a, 10 * MS);
        average(b, 10 * MS);
        average(c, 31 * MS);
        assertThat(judge.evaluate(all, rules, outlier, NOW, ejections)).isTrue();
        assertThat(judge.isDegraded(c)).isTrue();
        assertThat(judge.reason(c)).isEqualTo("latency 31.0ms > limit 30.0ms");
        assertThat(judge.isDegraded(a)).isFalse();
        Members.setState(c, BackendState.DEGRADED);

        average(c, 25 * MS);
        assertThat(judge.evaluate(all, rules, outlier, NOW, ejections)).as("under the limit, not under 24ms").isFalse();
        average(c, 23 * MS);
        assertThat(judge.evaluate(all, rules, outlier, NOW, ejections)).isTrue();
        assertThat(judge.isDegraded(c)).isFalse();
        assertThat(judge.reason(c)).isEqualTo("latency 23.0ms back under 24.0ms");
    }

    @Test
    void onlyEligibleMembersWithEnoughSamplesAreJudged() {
        LatencyHealth rules = LatencyHealth.builder().withoutRelativeLimit().absoluteLimit(Duration.ofMillis(30))
                .minimumSamples(2).build();
        average(a, 100 * MS);
        average(b, 100 * MS);
        b.recordLatency(100 * MS);
        Members.setState(b, BackendState.UNHEALTHY);
        average(c, 100 * MS);
        c.recordLatency(100 * MS);
        assertThat(judge.evaluate(all, rules, outlier, NOW, ejections)).isTrue();
        assertThat(judge.isDegraded(a)).as("one sample of 2").isFalse();
        assertThat(judge.isDegraded(b)).as("not eligible").isFalse();
        assertThat(judge.isDegraded(c)).isTrue();
        assertThat(judge.evaluate(all, LatencyHealth.disabled(), outlier, NOW, ejections)).isFalse();
    }

    @Test
    void theRelativeRuleComparesWithTheOthersMedianAboveTheFloor() {
        LatencyHealth rules = LatencyHealth.builder().minimumSamples(1).build();
        average(a, MS);
        average(b, MS);
        average(c, 15 * MS);
        assertThat(judge.evaluate(all, rules, outlier, NOW, ejections)).as("over 3 x 1ms but under the 20ms floor")
                .isFalse();
        average(c, 21 * MS);
        assertThat(judge.evaluate(all, rules, outlier, NOW, ejections)).isTrue();
        assertThat(judge.reason(c)).isEqualTo("latency 21.0ms > max(3.0 x median 1.0ms of the others, 20.0ms)");
    }

    @Test
    void withTheEjectActionTheSlowAreEjectedWithinTheMaximumShare() {
        LatencyHealth rules = absolute(30, LatencyHealth.Action.EJECT);
        average(a, 10 * MS);
        average(b, 50 * MS);
        average(c, 60 * MS);
        assertThat(judge.evaluate(all, rules, outlier, NOW, ejections)).isTrue();
        assertThat(ejections.isEjected(b)).isTrue();
        assertThat(ejections.cause(b)).isEqualTo("latency 50.0ms > limit 30.0ms, ejected for 30s");
        assertThat(ejections.isEjected(c)).as("a second of 3 would be over 50%").isFalse();
        assertThat(judge.isDegraded(b)).isFalse();
    }

    @Test
    void newRulesThatNoLongerDegradeRestoreTheDegraded() {
        average(a, 10 * MS);
        average(b, 10 * MS);
        average(c, 31 * MS);
        judge.evaluate(all, absolute(30, LatencyHealth.Action.DEGRADE), outlier, NOW, ejections);
        judge.rulesChanged(absolute(40, LatencyHealth.Action.DEGRADE));
        assertThat(judge.isDegraded(c)).as("still degrading: judged again at the next evaluation").isTrue();
        judge.rulesChanged(absolute(30, LatencyHealth.Action.EJECT));
        assertThat(judge.isDegraded(c)).isFalse();
        assertThat(judge.reason(c)).isEqualTo("latency action now EJECT");
        judge.evaluate(all, absolute(30, LatencyHealth.Action.DEGRADE), outlier, NOW, ejections);
        judge.rulesChanged(LatencyHealth.disabled());
        assertThat(judge.reason(c)).isEqualTo("latency health disabled");
    }
}
