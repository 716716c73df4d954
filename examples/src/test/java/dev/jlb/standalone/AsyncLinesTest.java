package dev.jlb.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The access log's hand-off: lines in order, never a wait for the producer, drops counted when the sink stalls. */
class AsyncLinesTest {

    @Test
    void linesReachTheSinkInOrderAndCloseWritesWhatIsQueued() {
        List<String> out = new CopyOnWriteArrayList<>();
        AsyncLines lines = new AsyncLines("test-lines", out::add, 1000);
        for (int i = 0; i < 500; i++) {
            lines.accept("line " + i);
        }
        lines.close();
        assertThat(out).hasSize(500).startsWith("line 0", "line 1").endsWith("line 499");
        assertThat(lines.dropped()).isZero();
        lines.accept("after close");
        assertThat(out).hasSize(500);
        assertThat(lines.dropped()).isEqualTo(1);
    }

    @Test
    void aStalledSinkNeverBlocksTheProducerAndDropsAreCounted() throws Exception {
        CountDownLatch stalled = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<String> out = new CopyOnWriteArrayList<>();
        AsyncLines lines = new AsyncLines("test-lines", line -> {
            stalled.countDown();
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            out.add(line);
        }, 10);
        lines.accept("first"); // taken by the writer, which then stalls in the sink
        assertThat(stalled.await(10, TimeUnit.SECONDS)).isTrue();
        for (int i = 0; i < 100; i++) {
            lines.accept("queued " + i); // 10 fit in the queue, 90 are dropped: none of these calls waits
        }
        assertThat(lines.dropped()).isEqualTo(90);
        release.countDown();
        lines.close();
        assertThat(out).hasSize(11).startsWith("first", "queued 0").endsWith("queued 9");
    }

    @Test
    void withoutALineThereIsNoThreadAndCloseIsImmediate() {
        AsyncLines lines = new AsyncLines("test-idle-lines", line -> { }, 10);
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().equals("test-idle-lines"));
        lines.close();
        assertThat(lines.dropped()).isZero();
    }

    @Test
    void capacityMustBePositive() {
        assertThatThrownBy(() -> new AsyncLines("x", line -> { }, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("capacity: 0 (expected: >= 1)");
    }
}
