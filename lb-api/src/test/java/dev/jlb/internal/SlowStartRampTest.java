package dev.jlb.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.jlb.health.SlowStart;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Slow start on its own: who ramps, from when, and when the ramp's steps fall. */
class SlowStartRampTest {
    static final long S = 1_000_000_000L;
    static final long T0 = 1_000 * S;
    static final SlowStart TEN_SECONDS = SlowStart.of(Duration.ofSeconds(10));

    final Members members = new Members(0);
    final SlowStartRamp ramp = new SlowStartRamp();
    final BackendEntry initial = members.member(8081);
    final BackendEntry added = members.member(8082);

    @Test
    void theInitialMembersStartAtFullWeightAndALaterOneRampsInTenSteps() {
        ramp.add(initial, true);
        ramp.add(added, false);
        ramp.observe(initial, true, T0, TEN_SECONDS);
        ramp.observe(added, true, T0, TEN_SECONDS);
        assertThat(ramp.factor(initial, T0, TEN_SECONDS)).isEqualTo(1.0);
        assertThat(ramp.factor(added, T0, TEN_SECONDS)).isEqualTo(0.1);
        assertThat(ramp.untilNextStep(T0, TEN_SECONDS)).isEqualTo(S);

        ramp.observe(added, true, T0 + S, TEN_SECONDS);
        assertThat(ramp.factor(added, T0 + S, TEN_SECONDS)).isCloseTo(0.19, within(1e-9));
        assertThat(ramp.untilNextStep(T0 + S + S / 2, TEN_SECONDS)).isEqualTo(S / 2);
        assertThat(ramp.factor(added, T0 + 10 * S, TEN_SECONDS)).isEqualTo(1.0);
        assertThat(ramp.untilNextStep(T0 + 10 * S, TEN_SECONDS)).as("the ramp is over").isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void aMemberThatLeavesAndComesBackRampsAgainFromTheFloor() {
        ramp.add(initial, true);
        ramp.observe(initial, true, T0, TEN_SECONDS);
        ramp.observe(initial, false, T0 + S, TEN_SECONDS);
        assertThat(ramp.untilNextStep(T0 + S, TEN_SECONDS)).isEqualTo(Long.MAX_VALUE);
        ramp.observe(initial, true, T0 + 5 * S, TEN_SECONDS);
        assertThat(ramp.factor(initial, T0 + 5 * S, TEN_SECONDS)).isEqualTo(0.1);
        ramp.observe(initial, false, T0 + 6 * S, TEN_SECONDS);
        ramp.observe(initial, true, T0 + 7 * S, TEN_SECONDS);
        assertThat(ramp.factor(initial, T0 + 7 * S, TEN_SECONDS)).as("a new ramp, not the old one's step 2")
                .isEqualTo(0.1);
    }

    @Test
    void withoutSlowStartNothingRampsAndTurningItOffEndsARamp() {
        ramp.add(added, false);
        ramp.observe(added, true, T0, SlowStart.disabled());
        assertThat(ramp.factor(added, T0, SlowStart.disabled())).isEqualTo(1.0);

        BackendEntry other = members.member(8083);
        ramp.add(other, false);
        ramp.observe(other, true, T0, TEN_SECONDS);
        assertThat(ramp.factor(other, T0, TEN_SECONDS)).isEqualTo(0.1);
        assertThat(ramp.untilNextStep(T0, SlowStart.disabled())).isEqualTo(Long.MAX_VALUE);
        assertThat(ramp.factor(other, T0, SlowStart.disabled())).isEqualTo(1.0);
        assertThat(ramp.untilNextStep(T0, TEN_SECONDS)).as("the ramp ended").isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void aRemovedMemberIsForgotten() {
        ramp.add(added, false);
        ramp.observe(added, true, T0, TEN_SECONDS);
        ramp.remove(added);
        assertThat(ramp.untilNextStep(T0, TEN_SECONDS)).isEqualTo(Long.MAX_VALUE);
        assertThat(ramp.factor(added, T0, TEN_SECONDS)).isEqualTo(1.0);
    }
}
