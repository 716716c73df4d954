package dev.jlb.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.FakeScheduler;
import dev.jlb.FakeTicker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The pool's two timers on a fake scheduler: the wake-up that keeps the earliest time, the periodic task. */
class TimersTest {
    static final long S = 1_000_000_000L;

    final FakeTicker ticker = new FakeTicker();
    final FakeScheduler scheduler = new FakeScheduler(ticker);
    final Timers timers = new Timers("test", scheduler);
    final List<Long> runs = new ArrayList<>();

    @Test
    void anAlarmRunsOnceAtTheEarliestTimeAskedOfIt() {
        Alarm alarm = new Alarm(timers, () -> runs.add(ticker.read()));
        long t0 = ticker.read();
        alarm.wakeAt(t0 + 10 * S, t0);
        alarm.wakeAt(t0 + 20 * S, t0);
        assertThat(scheduler.pendingDueTimes()).containsExactly(t0 + 10 * S);
        alarm.wakeAt(t0 + 5 * S, t0);
        assertThat(scheduler.pendingDueTimes()).containsExactly(t0 + 5 * S);
        scheduler.advance(Duration.ofSeconds(30));
        assertThat(runs).containsExactly(t0 + 5 * S);

        // Once it has run, a later time is set again.
        alarm.wakeAt(t0 + 40 * S, t0 + 30 * S);
        assertThat(scheduler.pendingDueTimes()).containsExactly(t0 + 40 * S);
        alarm.cancel();
        assertThat(scheduler.pending()).isZero();
    }

    @Test
    void aPeriodicTaskRunsAnIntervalAfterEachRunUntilStoppedOrRestarted() {
        Periodic periodic = new Periodic(timers, () -> runs.add(ticker.read()));
        long t0 = ticker.read();
        periodic.start(S);
        scheduler.advance(Duration.ofMillis(2500));
        assertThat(runs).containsExactly(t0 + S, t0 + 2 * S);

        periodic.start(3 * S);
        assertThat(scheduler.pendingDueTimes()).as("the first run of the new interval only")
                .containsExactly(t0 + 2500_000_000L + 3 * S);
        scheduler.advance(Duration.ofSeconds(6));
        assertThat(runs).containsExactly(t0 + S, t0 + 2 * S, t0 + 5500_000_000L, t0 + 8500_000_000L);

        periodic.stop();
        scheduler.advance(Duration.ofSeconds(10));
        assertThat(runs).hasSize(4);
        assertThat(scheduler.pending()).isZero();
    }

    @Test
    void aRunOfAnEarlierStartDoesNotScheduleAnother() {
        List<Periodic> self = new ArrayList<>();
        Periodic periodic = new Periodic(timers, () -> {
            runs.add(ticker.read());
            // Restarted by its own run (as a settings change during an evaluation would).
            self.get(0).start(2 * S);
        });
        self.add(periodic);
        long t0 = ticker.read();
        periodic.start(S);
        scheduler.advance(Duration.ofSeconds(1));
        assertThat(scheduler.pendingDueTimes()).as("the restart's run, not the old chain's")
                .containsExactly(t0 + 3 * S);
    }
}
