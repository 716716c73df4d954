package dev.jlb.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.FailureKind;
import dev.jlb.health.OutlierDetection;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Ejection on its own: backoff and its decay, the maximum share, and every way an ejection ends. */
class EjectionsTest {
    static final long S = 1_000_000_000L;
    static final long T0 = 1_000 * S;

    final Members members = new Members(0);
    final Ejections ejections = new Ejections("test");
    final BackendEntry a = members.member(8081);
    final BackendEntry b = members.member(8082);
    final BackendEntry c = members.member(8083);

    EjectionsTest() {
        ejections.add(a);
        ejections.add(b);
        ejections.add(c);
    }

    static OutlierDetection outlier(int maxPercent, int baseSeconds, int maxSeconds) {
        return OutlierDetection.builder().maxEjectionPercent(maxPercent).baseEjectionTime(Duration.ofSeconds(baseSeconds))
                .maxEjectionTime(Duration.ofSeconds(maxSeconds)).build();
    }

    static void fail(BackendEntry entry) {
        entry.acquire();
        entry.onFailure(FailureKind.CONNECT, 0, -1, false);
    }

    @Test
    void eachRecentEjectionLastsLongerAndTimeInThePoolDecaysTheLevel() {
        OutlierDetection outlier = outlier(100, 10, 25);
        assertThat(ejections.eject(a, T0, outlier, "3 consecutive failures", false)).isTrue();
        assertThat(ejections.cause(a)).isEqualTo("3 consecutive failures, ejected for 10s");
        assertThat(ejections.count(a)).isEqualTo(1);
        assertThat(ejections.untilNextEnd(T0)).isEqualTo(10 * S);

        ejections.expire(T0 + 10 * S - 1);
        assertThat(ejections.isEjected(a)).isTrue();
        ejections.expire(T0 + 10 * S);
        assertThat(ejections.isEjected(a)).isFalse();
        assertThat(ejections.endReason(a)).isEqualTo("ejection of 10s ended");
        assertThat(ejections.untilNextEnd(T0 + 10 * S)).isEqualTo(Long.MAX_VALUE);

        // Again at once: level 2. Then capped at the maximum.
        ejections.eject(a, T0 + 10 * S, outlier, "3 consecutive failures", false);
        assertThat(ejections.cause(a)).isEqualTo("3 consecutive failures, ejected for 20s");
        ejections.expire(T0 + 30 * S);
        ejections.eject(a, T0 + 30 * S, outlier, "3 consecutive failures", false);
        assertThat(ejections.cause(a)).as("level 3, capped").isEqualTo("3 consecutive failures, ejected for 25s");
        ejections.expire(T0 + 55 * S);

        // Two base times back in the pool take the level from 3 to 1: the next ejection is level 2.
        ejections.eject(a, T0 + 75 * S, outlier, "3 consecutive failures", false);
        assertThat(ejections.cause(a)).isEqualTo("3 consecutive failures, ejected for 20s");
        assertThat(ejections.count(a)).isEqualTo(4);
    }

    @Test
    void theShareIsCountedAfterTheEjectionAndDrainingMembersDoNotCount() {
        BackendEntry drained = members.member(8084, 0);
        ejections.add(drained);
        OutlierDetection outlier = outlier(50, 10, 100);
        assertThat(ejections.eject(a, T0, outlier, "5 consecutive failures", false)).isTrue();
        assertThat(ejections.eject(b, T0, outlier, "5 consecutive failures", false))
                .as("2 of 3 would be over 50%").isFalse();
        assertThat(ejections.isEjected(b)).isFalse();
        BackendEntry d = members.member(8085);
        ejections.add(d);
        assertThat(ejections.eject(b, T0, outlier, "5 consecutive failures", false)).as("2 of 4").isTrue();
        // An ejection that ran out no longer counts.
        ejections.expire(T0 + 10 * S);
        assertThat(ejections.eject(c, T0 + 10 * S, outlier, "5 consecutive failures", false)).isTrue();
    }

    @Test
    void anEjectionResetsTheStreakAndOnlyAPassStartedAfterItEndsItEarly() {
        OutlierDetection outlier = outlier(100, 10, 100);
        fail(a);
        fail(a);
        long before = ejections.count(a);
        ejections.eject(a, T0, outlier, "2 consecutive failures", false);
        assertThat(a.consecutiveFailures).isZero();
        fail(a);

        assertThat(ejections.endEarly(a, T0 + S, before, "passed")).as("the check started before it").isFalse();
        assertThat(ejections.endEarly(a, T0 + S, ejections.count(a), "active health check passed: ok; un-ejected"))
                .isTrue();
        assertThat(ejections.isEjected(a)).isFalse();
        assertThat(ejections.endReason(a)).isEqualTo("active health check passed: ok; un-ejected");
        assertThat(a.consecutiveFailures).isZero();
        assertThat(ejections.endEarly(a, T0 + S, ejections.count(a), "again")).as("not ejected").isFalse();

        ejections.eject(b, T0, outlier, "latency 90ms > limit 30ms", true);
        assertThat(ejections.endEarly(b, T0 + S, ejections.count(b), "passed")).as("an ejection for latency")
                .isFalse();
        assertThat(ejections.isEjected(b)).isTrue();
    }

    @Test
    void turningOutlierDetectionOffEndsEjectionsForFailuresOnly() {
        OutlierDetection outlier = outlier(100, 10, 100);
        b.recordLatency(90_000_000L);
        ejections.eject(a, T0, outlier, "5 consecutive failures", false);
        ejections.eject(b, T0, outlier, "latency 90ms > limit 30ms", true);
        fail(c);
        fail(c);

        ejections.outlierDisabled(T0 + S);
        assertThat(ejections.isEjected(a)).isFalse();
        assertThat(ejections.endReason(a)).isEqualTo("outlier detection disabled");
        assertThat(c.consecutiveFailures).isZero();
        assertThat(ejections.isEjected(b)).isTrue();
        assertThat(b.latencyEwmaNanos()).isEqualTo(90_000_000L);

        ejections.latencyDisabled(T0 + 2 * S);
        assertThat(ejections.isEjected(b)).isFalse();
        assertThat(ejections.endReason(b)).isEqualTo("latency health disabled");
        assertThat(b.latencyEwmaNanos()).as("judged on fresh samples when it is back").isEqualTo(-1);
    }

    @Test
    void theEndOfAnEjectionForLatencyForgetsTheAverage() {
        OutlierDetection outlier = outlier(100, 10, 100);
        a.recordLatency(90_000_000L);
        ejections.eject(a, T0, outlier, "latency 90ms > limit 30ms", true);
        ejections.expire(T0 + 10 * S);
        assertThat(ejections.endReason(a)).isEqualTo("ejection of 10s ended");
        assertThat(a.latencyEwmaNanos()).isEqualTo(-1);
        assertThat(a.latencySamples()).isZero();
    }

    @Test
    void aRemovedMemberNoLongerCountsForTheShare() {
        OutlierDetection outlier = outlier(50, 10, 100);
        assertThat(ejections.eject(a, T0, outlier, "5 consecutive failures", false)).as("1 of 3").isTrue();
        ejections.remove(a);
        assertThat(ejections.eject(b, T0, outlier, "5 consecutive failures", false)).as("1 of 2, a is gone")
                .isTrue();
        assertThat(ejections.eject(c, T0, outlier, "5 consecutive failures", false)).as("2 of 2").isFalse();
        assertThat(ejections.untilNextEnd(T0)).isEqualTo(10 * S);
    }
}
