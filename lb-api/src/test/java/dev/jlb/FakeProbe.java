package dev.jlb;

import dev.jlb.health.HealthCheck;
import dev.jlb.health.HealthCheckResult;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A scripted probe. Each backend answers with its current result (healthy by default) at once, or,
 * when set to hang, with a stage the test completes later. Records every call with the ticker time
 * and checks that calls for one backend never overlap. It judges answers, as an HTTP check does
 * ({@link #checksResponses()}), unless built as a connect-only probe.
 */
final class FakeProbe implements HealthCheck {
    private final Ticker ticker;
    private final Map<Backend, HealthCheckResult> results = new HashMap<>();
    private final Map<Backend, Boolean> hanging = new HashMap<>();
    private final Map<Backend, CompletableFuture<HealthCheckResult>> pending = new HashMap<>();
    private final Map<Backend, Integer> inFlight = new HashMap<>();
    private final List<Call> calls = new ArrayList<>();
    private int overlaps;
    private int closes;
    private final boolean checksResponses;

    record Call(Backend backend, long time) {
    }

    FakeProbe(Ticker ticker) {
        this(ticker, true);
    }

    /** {@code checksResponses}: false for a probe that, like the TCP check, only connects. */
    FakeProbe(Ticker ticker, boolean checksResponses) {
        this.ticker = ticker;
        this.checksResponses = checksResponses;
    }

    @Override
    public boolean checksResponses() {
        return checksResponses;
    }

    synchronized void set(Backend backend, HealthCheckResult result) {
        results.put(backend, result);
    }

    synchronized void hang(Backend backend, boolean hang) {
        hanging.put(backend, hang);
    }

    /** Completes the hanging check of {@code backend} with {@code result}. */
    void complete(Backend backend, HealthCheckResult result) {
        CompletableFuture<HealthCheckResult> future;
        synchronized (this) {
            future = pending.remove(backend);
        }
        if (future == null) {
            throw new IllegalStateException("no check in flight for " + backend);
        }
        future.complete(result);
    }

    synchronized boolean hasPending(Backend backend) {
        CompletableFuture<HealthCheckResult> future = pending.get(backend);
        return future != null && !future.isDone();
    }

    @Override
    public CompletionStage<HealthCheckResult> check(Backend backend) {
        CompletableFuture<HealthCheckResult> future = new CompletableFuture<>();
        HealthCheckResult result;
        synchronized (this) {
            calls.add(new Call(backend, ticker.read()));
            int now = inFlight.merge(backend, 1, Integer::sum);
            if (now > 1) {
                overlaps++;
            }
            future.whenComplete((r, t) -> {
                synchronized (FakeProbe.this) {
                    inFlight.merge(backend, -1, Integer::sum);
                }
            });
            if (hanging.getOrDefault(backend, false)) {
                pending.put(backend, future);
                return future;
            }
            result = results.getOrDefault(backend, HealthCheckResult.healthy("status 200"));
        }
        future.complete(result);
        return future;
    }

    synchronized List<Long> callTimes(Backend backend) {
        List<Long> times = new ArrayList<>();
        for (Call call : calls) {
            if (call.backend().equals(backend)) {
                times.add(call.time());
            }
        }
        return times;
    }

    synchronized int calls(Backend backend) {
        return callTimes(backend).size();
    }

    synchronized List<Call> calls() {
        return List.copyOf(calls);
    }

    synchronized int overlaps() {
        return overlaps;
    }

    synchronized int closes() {
        return closes;
    }

    @Override
    public synchronized void close() {
        closes++;
    }

    @Override
    public String toString() {
        return "FakeProbe";
    }
}
