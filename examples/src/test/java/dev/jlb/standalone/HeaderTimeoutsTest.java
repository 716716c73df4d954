package dev.jlb.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jlb.testing.ManualScheduler;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The deadlines of connections waiting for headers, on a manual clock. */
class HeaderTimeoutsTest {

    private final ManualScheduler time = new ManualScheduler();
    private final HeaderTimeouts timeouts = new HeaderTimeouts(Duration.ofSeconds(10), time, time);

    /** A connection that counts its timeouts. */
    private static final class Counting implements HeaderTimeouts.Watched {
        final AtomicInteger timedOut = new AtomicInteger();

        @Override
        public void onHeaderTimeout() {
            timedOut.incrementAndGet();
        }
    }

    @Test
    void aConnectionStillWaitingAtItsDeadlineIsToldOnceAndItsHeadersComeTooLate() {
        Counting c = new Counting();
        timeouts.watch(c);

        time.advance(Duration.ofMillis(9_999));
        assertThat(c.timedOut).hasValue(0);
        time.advance(Duration.ofMillis(1));
        assertThat(c.timedOut).hasValue(1);
        time.advance(Duration.ofSeconds(60));

        assertThat(c.timedOut).hasValue(1);
        assertThat(timeouts.unwatch(c)).as("headers after the deadline").isFalse();
        assertThat(timeouts.size()).isZero();
        assertThat(time.pending()).as("no check left scheduled").isZero();
    }

    @Test
    void headersInTimeStopTheClock() {
        Counting c = new Counting();
        timeouts.watch(c);
        time.advance(Duration.ofSeconds(9));

        assertThat(timeouts.unwatch(c)).isTrue();
        time.advance(Duration.ofMinutes(5));

        assertThat(c.timedOut).hasValue(0);
        assertThat(timeouts.isWatched(c)).isFalse();
    }

    @Test
    void eachRequestGetsAFullTimeoutFromItsOwnStart() {
        Counting c = new Counting();
        timeouts.watch(c);
        time.advance(Duration.ofSeconds(8));
        assertThat(timeouts.unwatch(c)).isTrue();
        // A minute of keep-alive idleness, then the next request starts.
        time.advance(Duration.ofMinutes(1));
        timeouts.watch(c);
        time.advance(Duration.ofSeconds(9));
        assertThat(c.timedOut).hasValue(0);
        time.advance(Duration.ofSeconds(1));
        assertThat(c.timedOut).hasValue(1);
    }

    @Test
    void connectionsWithDifferentDeadlinesExpireEachAtItsOwnWithOneCheckPending() {
        Counting first = new Counting();
        Counting second = new Counting();
        Counting third = new Counting();
        timeouts.watch(first);
        time.advance(Duration.ofSeconds(3));
        timeouts.watch(second);
        time.advance(Duration.ofSeconds(3));
        timeouts.watch(third);
        assertThat(time.pending()).isEqualTo(1);

        time.advance(Duration.ofSeconds(4)); // t = 10 s
        assertThat(first.timedOut).hasValue(1);
        assertThat(second.timedOut).hasValue(0);
        assertThat(time.pending()).isEqualTo(1);
        assertThat(timeouts.unwatch(second)).isTrue();

        time.advance(Duration.ofSeconds(6)); // t = 16 s
        assertThat(third.timedOut).hasValue(1);
        assertThat(second.timedOut).hasValue(0);
        assertThat(time.pending()).isZero();
    }

    @Test
    void checksAreBatchedAtTheGranularity() {
        assertThat(timeouts.granularity()).isEqualTo(Duration.ofMillis(100));
        assertThat(new HeaderTimeouts(Duration.ofMillis(200), time, time).granularity()).isEqualTo(Duration.ofMillis(20));
        Counting[] connections = new Counting[50];
        for (int i = 0; i < connections.length; i++) {
            connections[i] = new Counting();
            timeouts.watch(connections[i]);
            time.advance(Duration.ofMillis(2));
        }
        // Deadlines 2 ms apart: the first check expires the first; the next check comes 100 ms later.
        time.advance(Duration.ofMillis(10_000 - 100));
        int expired = 0;
        for (Counting c : connections) {
            expired += c.timedOut.get();
        }
        assertThat(expired).isEqualTo(1);
        time.advance(Duration.ofMillis(99));
        assertThat(connections[1].timedOut).as("still before the next check").hasValue(0);
        time.advance(Duration.ofMillis(1));
        expired = 0;
        for (Counting c : connections) {
            expired += c.timedOut.get();
        }
        assertThat(expired).as("every deadline up to the check, at once").isEqualTo(50);
    }

    @Test
    void theTimeoutMustBePositive() {
        assertThatThrownBy(() -> new HeaderTimeouts(Duration.ZERO, time, time))
                .hasMessage("timeout: PT0S (expected: > 0)");
    }
}
