package dev.jlb.jetty.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.Backend;
import dev.jlb.FailureKind;
import dev.jlb.LoadBalancer;
import dev.jlb.RequestContext;
import dev.jlb.RetryPolicy;
import dev.jlb.Selection;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The retry decision both data paths share, without a transport: two backends, a clock passed by
 * hand, the policy's verdicts computed as the attempt loops compute them.
 */
class RetriesTest {

    private static final RequestContext GET = RequestContext.of("GET", "/x");
    private static final long START = 1_000L;
    private static final long TOTAL = TimeUnit.SECONDS.toNanos(5);

    private final LoadBalancer lb = LoadBalancer.builder()
            .backends("http://127.0.0.1:10001", "http://127.0.0.1:10002").build();

    @AfterEach
    void close() {
        lb.close();
    }

    private Retries retries(RetryPolicy policy) {
        Retries r = new Retries(new Retries.Route(lb, policy, TOTAL), START, LoggerFactory.getLogger(RetriesTest.class),
                "test exchange");
        r.onRequest();
        return r;
    }

    /** An attempt on {@code selection} (the first one's when null): counted, then failed to connect. */
    private Selection attemptFails(Retries r, Selection selection) {
        Selection s = selection == null ? lb.select(GET) : selection;
        r.sent(s.backend());
        s.onFailure(FailureKind.CONNECT, 1);
        return s;
    }

    /** The attempt loops' question: does the policy retry a connect failure after the attempts made (or after one)? */
    private static Selection afterConnectFailure(Retries r, RetryPolicy policy, long now, Backend failed) {
        return r.next(policy.shouldRetryFailure(FailureKind.CONNECT, "GET", r.attempts(), true),
                policy.shouldRetryFailure(FailureKind.CONNECT, "GET", 1, true), now, GET, failed);
    }

    @Test
    void retriesOnABackendNotTriedUntilNoneIsLeft() {
        RetryPolicy policy = RetryPolicy.builder().maxAttempts(3).noRetryBudget().build();
        Retries r = retries(policy);
        Selection first = attemptFails(r, null);

        Selection second = afterConnectFailure(r, policy, START + 1, first.backend());
        assertThat(second).isNotNull();
        assertThat(second.backend()).isNotEqualTo(first.backend());
        attemptFails(r, second);

        assertThat(afterConnectFailure(r, policy, START + 2, second.backend())).isNull();
        assertThat(r.refusal()).isEqualTo(Retries.NO_BACKEND_LEFT);
        assertThat(lb.stats().retriesExhausted()).as("attempts were left: not exhausted").isZero();
        assertThat(r.attempts()).isEqualTo(2);
        assertThat(r.lastBackend()).isEqualTo(second.backend());
        assertThat(r.reason(Retries.failureReason(FailureKind.CONNECT)))
                .isEqualTo("bad gateway: could not connect to a backend (2 attempts)");
    }

    @Test
    void anOutcomeTheAttemptsLeftNoRetryForIsCountedExhausted() {
        RetryPolicy policy = RetryPolicy.builder().maxAttempts(2).noRetryBudget().build();
        Retries r = retries(policy);
        Selection first = attemptFails(r, null);
        Selection second = attemptFails(r, afterConnectFailure(r, policy, START + 1, first.backend()));

        assertThat(afterConnectFailure(r, policy, START + 2, second.backend())).isNull();
        assertThat(r.refusal()).isEqualTo(Retries.ATTEMPTS_EXHAUSTED);
        assertThat(lb.stats().retriesExhausted()).isEqualTo(1);
    }

    @Test
    void anOutcomeThePolicyNeverRetriesIsNeitherRetriedNorCounted() {
        RetryPolicy policy = RetryPolicy.builder().maxAttempts(3).noRetryBudget().build();
        Retries r = retries(policy);
        Selection first = lb.select(GET);
        r.sent(first.backend());
        first.onSuccess(200, 1);

        assertThat(r.next(false, false, START + 1, GET, first.backend())).isNull();
        assertThat(r.refusal()).isNull();
        assertThat(lb.stats().retriesExhausted()).isZero();
        assertThat(r.reason("x")).isEqualTo("x");
    }

    @Test
    void noRetryOnceTheDeadlinePassed() {
        RetryPolicy policy = RetryPolicy.builder().maxAttempts(3).noRetryBudget().build();
        Retries r = retries(policy);
        Selection first = attemptFails(r, null);

        assertThat(r.timeLeft(START + TOTAL - 1)).isTrue();
        assertThat(afterConnectFailure(r, policy, START + TOTAL, first.backend())).isNull();
        assertThat(r.refusal()).isEqualTo(Retries.TOTAL_TIMEOUT);

        r.deadline(START + 10);
        assertThat(r.deadline()).isEqualTo(START + 10);
        assertThat(r.timeLeft(START + 9)).isTrue();
        assertThat(r.timeLeft(START + 10)).isFalse();
    }

    @Test
    void aRetryTheBudgetRefusesIsCountedAndSaidInTheReason() {
        // 50% and no reserve: one request has deposited half a retry, not enough for one.
        RetryPolicy policy = RetryPolicy.builder().maxAttempts(3).retryBudget(50, 0).build();
        Retries r = retries(policy);
        Selection first = attemptFails(r, null);

        assertThat(afterConnectFailure(r, policy, START + 1, first.backend())).isNull();
        assertThat(r.refusal()).isEqualTo(Retries.RETRY_BUDGET);
        assertThat(lb.stats().retriesExhausted()).isEqualTo(1);
        assertThat(r.reason(Retries.REASON_CONNECT))
                .isEqualTo("bad gateway: could not connect to a backend (retry budget exhausted)");
    }

    @Test
    void aHedgeGoesToAnotherBackendWhileAttemptsAreLeft() {
        RetryPolicy policy = RetryPolicy.builder().maxAttempts(2).noRetryBudget().build();
        Retries r = retries(policy);
        Selection first = lb.select(GET);
        r.sent(first.backend());
        Selection hedge = r.hedge(START + 1, GET, first.backend());
        assertThat(hedge.backend()).isNotEqualTo(first.backend());
        r.sent(hedge.backend());
        assertThat(r.hedge(START + 2, GET, hedge.backend())).as("no attempt left").isNull();
        first.close();
        hedge.close();
    }

    @Test
    void theStaleConnectionResendFollowsThePolicysMethods() {
        Retries strict = retries(RetryPolicy.builder().maxAttempts(2).build());
        assertThat(strict.mayResend("GET", true)).isTrue();
        assertThat(strict.mayResend("GET", false)).isFalse();
        assertThat(strict.mayResend("POST", true)).isFalse();
        Retries any = retries(RetryPolicy.builder().maxAttempts(2).retryNonIdempotent(true).build());
        assertThat(any.mayResend("POST", true)).isTrue();
    }

    @Test
    void theAnswerAfterAFailure() {
        Set<String> reasons = new HashSet<>();
        for (FailureKind kind : FailureKind.values()) {
            reasons.add(Retries.failureReason(kind));
            assertThat(Retries.failureStatus(kind)).isEqualTo(kind == FailureKind.TIMEOUT ? 504 : 502);
        }
        assertThat(reasons).containsExactlyInAnyOrder(Retries.REASON_CONNECT, Retries.REASON_RESET,
                Retries.REASON_TIMEOUT, Retries.REASON_OTHER);
        assertThat(Retries.failureReason(FailureKind.RESET)).isEqualTo(Retries.REASON_RESET);
        assertThat(Retries.tooLarge(8192)).isEqualTo("bad gateway: the backend's response headers exceed 8192 bytes");
    }
}
