package dev.jlb.internal;

import dev.jlb.Backend;
import dev.jlb.BackendState;
import java.util.ArrayList;
import java.util.List;

/** Pool members for the engine's unit tests, built without a pool; records the streaks they report. */
final class Members extends BackendEntry.Streaks {
    final List<String> reached = new ArrayList<>();

    Members(int threshold) {
        this.threshold = threshold;
    }

    @Override
    void reached(BackendEntry entry, int streak) {
        reached.add(entry.backend.id() + " " + streak);
    }

    /** A healthy member at {@code 127.0.0.1:port} with weight {@code weight}. */
    BackendEntry member(int port, int weight) {
        return new BackendEntry(Backend.of("http://127.0.0.1:" + port, weight), this, null,
                MemberStatus.added(weight == 0 ? BackendState.DRAINING : BackendState.HEALTHY, "added"));
    }

    BackendEntry member(int port) {
        return member(port, 1);
    }

    /** Publishes {@code state} for {@code entry}, as a pool would. */
    static void setState(BackendEntry entry, BackendState state) {
        MemberStatus s = entry.status();
        entry.status = s.next(state, s.reason(), s.effectiveWeight(), s.weightFactor(), s.ejections());
    }
}
