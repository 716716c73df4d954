package dev.jlb.simulate;

import dev.jlb.Backend;
import dev.jlb.FailureKind;
import dev.jlb.simulate.Scenario.BackendModel;
import java.util.ArrayDeque;
import java.util.Random;
import java.util.function.Consumer;

/**
 * A modelled backend: it refuses connections when down, accepts and never answers when hanging,
 * serves at most {@code capacity} requests at once (the others wait in its queue, in order) and
 * answers each after a latency drawn from its model, with the model's share of errors. Its model can
 * change during the run; requests already being served keep the answer they drew. Single-threaded,
 * on the simulation's clock.
 */
final class SimBackend {

    /** What an attempt on this backend came to: a status, or a failure before any status. */
    record Answer(int status, FailureKind failure) {
        static final Answer REFUSED = new Answer(0, FailureKind.CONNECT);
    }

    /** The time a refused connect takes: a loopback RST. */
    static final long REFUSE_NANOS = 50_000;

    final Backend backend;
    final int index;
    private final VirtualClock clock;
    private final Random random;
    private final ArrayDeque<Runnable> queue = new ArrayDeque<>();
    private BackendModel model;
    private int serving;

    SimBackend(Backend backend, int index, BackendModel model, VirtualClock clock, Random random) {
        this.backend = backend;
        this.index = index;
        this.model = model;
        this.clock = clock;
        this.random = random;
    }

    BackendModel model() {
        return model;
    }

    void change(BackendModel next) {
        model = next;
        drain();
    }

    /**
     * Sends one request: {@code answer} runs at the virtual time the backend answers (after
     * {@code overheadNanos} plus its latency and any queueing), or never when it hangs.
     */
    void serve(long overheadNanos, Consumer<Answer> answer) {
        if (model.down()) {
            clock.at(REFUSE_NANOS, () -> answer.accept(Answer.REFUSED));
            return;
        }
        if (model.hang()) {
            return;
        }
        queue.add(() -> {
            BackendModel m = model;
            boolean failed = m.errors() > 0 && random.nextDouble() < m.errors();
            long latency = m.latency().sampleNanos(random);
            clock.at(overheadNanos + latency, () -> {
                serving--;
                drain();
                answer.accept(new Answer(failed ? m.errorStatus() : 200, null));
            });
        });
        drain();
    }

    /** A health check's answer: the same model, without taking a place in the queue. */
    void probe(Consumer<Answer> answer) {
        BackendModel m = model;
        if (m.down()) {
            clock.at(REFUSE_NANOS, () -> answer.accept(Answer.REFUSED));
        } else if (!m.hang()) {
            boolean failed = m.errors() > 0 && random.nextDouble() < m.errors();
            clock.at(m.latency().sampleNanos(random), () -> answer.accept(new Answer(failed ? m.errorStatus() : 200,
                    null)));
        }
    }

    private void drain() {
        while (!queue.isEmpty() && (model.capacity() == 0 || serving < model.capacity())) {
            serving++;
            queue.poll().run();
        }
    }
}
