package dev.jlb.jetty.fault;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.BackendStats;
import dev.jlb.LoadBalancer;
import dev.jlb.jetty.ProxyListener;
import dev.jlb.jetty.ProxyOptions;
import dev.jlb.jetty.ProxyRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * One fault scenario: scripted backends, a load balancer over them, a front end of one
 * {@link DataPath}, and a listener that records every ended exchange (what an access log sees).
 */
final class FaultHarness implements AutoCloseable {

    /** What the listener saw of one exchange; {@code client} is {@link ProxyRecord#clientAddress()}. */
    record Seen(int status, ProxyRecord.Outcome outcome, int attempts, String backend, String client) {
    }

    final List<ScriptedBackend> backends = new ArrayList<>();
    final List<Seen> seen = new CopyOnWriteArrayList<>();
    final LoadBalancer loadBalancer;
    final DataPath.FrontEnd front;

    FaultHarness(DataPath path, ProxyOptions.Builder options, ScriptedBackend.Script... scripts) throws Exception {
        List<String> uris = new ArrayList<>();
        for (ScriptedBackend.Script script : scripts) {
            ScriptedBackend b = ScriptedBackend.start(script);
            backends.add(b);
            uris.add(b.uri());
        }
        loadBalancer = LoadBalancer.builder().backends(uris.toArray(new String[0])).build();
        ProxyListener listener = r -> seen.add(new Seen(r.status(), r.outcome(), r.attempts(),
                r.backend() == null ? null : r.backend().id(), r.clientAddress()));
        front = path.start(loadBalancer, options.listener(listener).build());
    }

    int port() {
        return front.port();
    }

    ScriptedBackend backend(int i) {
        return backends.get(i);
    }

    /**
     * Asserts that {@code requests} exchanges ended, each told to the listener exactly once, and
     * that no backend has a request in flight (every lease completed); returns what was seen.
     */
    List<Seen> assertSettled(int requests) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline && (seen.size() < requests || inFlight() > 0)) {
            Thread.sleep(5);
        }
        assertThat(inFlight()).as("requests in flight").isZero();
        assertThat(seen).as("exchanges ended").hasSize(requests);
        return seen;
    }

    int inFlight() {
        int n = 0;
        for (BackendStats s : loadBalancer.pool().stats()) {
            n += s.inFlight();
        }
        return n;
    }

    @Override
    public void close() throws java.io.IOException {
        front.close();
        for (ScriptedBackend b : backends) {
            b.close();
        }
    }
}
