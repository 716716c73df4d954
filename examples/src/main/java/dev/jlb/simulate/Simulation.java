package dev.jlb.simulate;

import dev.jlb.Backend;
import dev.jlb.FailureKind;
import dev.jlb.LoadBalancer;
import dev.jlb.NoBackendAvailableException;
import dev.jlb.RandomSource;
import dev.jlb.RequestContext;
import dev.jlb.RetryBudget;
import dev.jlb.RetryPolicy;
import dev.jlb.Selection;
import dev.jlb.health.ActiveHealthCheck;
import dev.jlb.health.HealthCheck;
import dev.jlb.health.HealthCheckResult;
import dev.jlb.jetty.ProxyOptions;
import dev.jlb.jetty.config.ConfigBinder;
import dev.jlb.jetty.config.RouteConfig;
import dev.jlb.simulate.Scenario.Change;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Runs a {@link Scenario}: the real {@link LoadBalancer} of the route (its strategy, active and
 * passive health, ejection, latency health, slow start and panic, built from the configuration as the
 * standalone builds it) picks the backend of every simulated request on a {@link VirtualClock}, and
 * the attempt loop applies the route's {@link RetryPolicy} and retry budget and its attempt and total
 * timeouts as the proxy does. Everything random is drawn from the scenario's seed, on one thread, so
 * a scenario gives the same numbers on every run.
 */
final class Simulation {

    private static final RequestContext CONTEXT_GET = RequestContext.of("GET", "/");

    private final Scenario scenario;
    private final VirtualClock clock = new VirtualClock();
    private final Random random;
    private final List<SimBackend> backends = new ArrayList<>();
    private final Map<Backend, SimBackend> byBackend = new HashMap<>();
    private final LoadBalancer lb;
    private final RetryPolicy retry;
    private final RetryBudget budget;
    private final long attemptTimeout;
    private final long totalTimeout;
    private final RequestContext[] contexts;
    private final SimResult result;

    Simulation(Scenario scenario) {
        this.scenario = scenario;
        this.random = new Random(scenario.seed());
        int steps = (int) Math.max(1, (scenario.durationNanos() + scenario.stepNanos() - 1) / scenario.stepNanos());
        this.result = new SimResult(scenario, steps);
        RouteConfig route = scenario.route();
        List<Backend> members = route.backends();
        for (int i = 0; i < members.size(); i++) {
            SimBackend b = new SimBackend(members.get(i), i, scenario.backends().get(i), clock, random);
            backends.add(b);
            byBackend.put(b.backend, b);
        }
        LoadBalancer.Builder builder = ConfigBinder.loadBalancer(route)
                .ticker(clock)
                .random(RandomSource.seeded(scenario.seed() * 31 + 7))
                .scheduler(clock)
                .listener(event -> result.event(clock.read(), event))
                .healthCheck(simulatedCheck(route.healthCheck()));
        this.lb = builder.build();
        ProxyOptions proxy = route.proxy();
        this.retry = proxy.retry();
        this.budget = retry.hasBudget() ? retry.newRetryBudget() : null;
        this.attemptTimeout = proxy.attemptTimeout().toNanos();
        this.totalTimeout = proxy.totalTimeout().toNanos();
        if (scenario.keys() == 0) {
            contexts = new RequestContext[] {scenario.method().equals("GET") ? CONTEXT_GET
                    : RequestContext.of(scenario.method(), "/")};
        } else {
            contexts = new RequestContext[scenario.keys()];
            for (int i = 0; i < contexts.length; i++) {
                contexts[i] = RequestContext.of(scenario.method(), "/k/" + i);
            }
        }
    }

    /** The route's active check with the same timing, probing the modelled backends instead of the network. */
    private ActiveHealthCheck simulatedCheck(ActiveHealthCheck configured) {
        if (!configured.isEnabled()) {
            return configured;
        }
        boolean checksResponses = configured.probe().map(HealthCheck::checksResponses).orElse(false);
        HealthCheck probe = new HealthCheck() {
            @Override
            public CompletionStage<HealthCheckResult> check(Backend backend) {
                CompletableFuture<HealthCheckResult> f = new CompletableFuture<>();
                SimBackend b = byBackend.get(backend);
                if (b == null) {
                    f.complete(HealthCheckResult.unhealthy("not modelled"));
                    return f;
                }
                b.probe(a -> f.complete(a.failure() != null ? HealthCheckResult.unhealthy("connection refused")
                        : !checksResponses || a.status() < 500 ? HealthCheckResult.healthy()
                        : HealthCheckResult.unhealthy("status " + a.status())));
                return f;
            }

            @Override
            public boolean checksResponses() {
                return checksResponses;
            }
        };
        return ActiveHealthCheck.of(probe).interval(configured.interval()).timeout(configured.timeout())
                .jitter(configured.jitter()).rise(configured.rise()).fall(configured.fall()).build();
    }

    /** Runs the whole scenario and returns its figures. */
    SimResult run() {
        for (Change c : scenario.changes()) {
            clock.at(c.atNanos(), () -> {
                SimBackend b = backends.get(c.backend());
                b.change(b.model().with(c));
                result.changed(clock.read(), c, b.model());
            });
        }
        if (scenario.load().closed()) {
            for (int i = 0; i < scenario.load().connections(); i++) {
                clock.at(0, this::closedLoopRequest);
            }
        } else {
            clock.at(0, this::openLoopRequest);
        }
        clock.runUntil(scenario.durationNanos());
        result.finish(lb.stats(), clock.read());
        clock.shutdownNow();
        lb.close();
        return result;
    }

    private void closedLoopRequest() {
        if (clock.read() >= scenario.durationNanos()) {
            return;
        }
        new Request(() -> clock.at(scenario.load().thinkNanos(), this::closedLoopRequest)).start();
    }

    private void openLoopRequest() {
        if (clock.read() >= scenario.durationNanos()) {
            return;
        }
        new Request(() -> { }).start();
        double gapSeconds = -Math.log(1 - random.nextDouble()) / scenario.load().rate();
        clock.at((long) (gapSeconds * 1e9), this::openLoopRequest);
    }

    /** One client request and its attempts, as the proxy's attempt loop runs them. */
    private final class Request {
        private final Runnable done;
        private final List<Backend> tried = new ArrayList<>(2);
        private final RequestContext context = contexts.length == 1 ? contexts[0]
                : contexts[random.nextInt(contexts.length)];
        private long start;
        private int attempts;
        private int lastStatus;
        private boolean finished;

        Request(Runnable done) {
            this.done = done;
        }

        void start() {
            start = clock.read();
            if (budget != null) {
                budget.onRequest(start);
            }
            attempt();
        }

        private void attempt() {
            Selection s;
            try {
                s = tried.isEmpty() ? lb.select(context) : lb.select(context, tried);
            } catch (NoBackendAvailableException e) {
                // No other backend: the last answer stands (a failure without status is a 502), as in the proxy.
                finish(tried.isEmpty() ? 503 : lastStatus != 0 ? lastStatus : 502, tried.isEmpty() ? "no backend"
                        : "retries exhausted");
                return;
            }
            attempts++;
            tried.add(s.backend());
            SimBackend b = byBackend.get(s.backend());
            result.attempt(clock.read(), b.index, attempts > 1);
            long attemptStart = clock.read();
            long deadline = Math.min(attemptTimeout, start + totalTimeout - attemptStart);
            boolean[] over = {false};
            VirtualClock.Event timer = clock.at(deadline, () -> {
                over[0] = true;
                s.onFailure(FailureKind.TIMEOUT, clock.read() - attemptStart);
                after(FailureKind.TIMEOUT, 0, b);
            });
            b.serve(scenario.overheadNanos(), answer -> {
                if (over[0]) {
                    return;
                }
                timer.cancel(false);
                long latency = clock.read() - attemptStart;
                if (answer.failure() != null) {
                    s.onFailure(answer.failure(), latency);
                    after(answer.failure(), 0, b);
                } else if (answer.status() >= 500) {
                    s.onFailure(answer.status(), latency);
                    after(null, answer.status(), b);
                } else {
                    s.onSuccess(answer.status(), latency);
                    finish(answer.status(), null);
                }
            });
        }

        /** The single decision after a failed attempt: another attempt, or the answer the client gets. */
        private void after(FailureKind failure, int status, SimBackend b) {
            result.failedAttempt(b.index);
            lastStatus = status;
            long now = clock.read();
            boolean retryable = failure != null ? retry.shouldRetryFailure(failure, scenario.method(), attempts, true)
                    : retry.shouldRetryStatus(status, scenario.method(), attempts, true);
            if (retryable && now - start < totalTimeout && (budget == null || budget.tryRetry(now))) {
                attempt();
                return;
            }
            boolean wouldRetry = failure != null ? retry.shouldRetryFailure(failure, scenario.method(), 1, true)
                    : retry.shouldRetryStatus(status, scenario.method(), 1, true);
            if (wouldRetry) {
                lb.recordRetriesExhausted();
            }
            if (failure == FailureKind.TIMEOUT) {
                finish(504, "timeout");
            } else if (failure != null) {
                finish(502, "connect failed");
            } else {
                finish(status, "backend " + status);
            }
        }

        private void finish(int status, String reason) {
            if (finished) {
                return;
            }
            finished = true;
            result.request(clock.read(), clock.read() - start, status, reason);
            done.run();
        }
    }
}
