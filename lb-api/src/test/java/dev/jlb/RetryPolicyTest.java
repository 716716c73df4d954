package dev.jlb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RetryPolicyTest {

    private final RetryPolicy defaults = RetryPolicy.defaults();

    @Test
    void defaults() {
        assertThat(defaults.maxAttempts()).isEqualTo(3);
        assertThat(defaults.retryableStatuses()).containsExactly(502, 503, 504);
        assertThat(defaults.retryNonIdempotent()).isFalse();
        assertThat(defaults.bufferLimitBytes()).isEqualTo(65536);
        assertThat(defaults.retries()).isTrue();
        assertThat(RetryPolicy.builder().build()).isEqualTo(defaults);
        assertThat(defaults.budgetPercent()).isEqualTo(20);
        assertThat(defaults.budgetMinRetriesPerSecond()).isEqualTo(10);
        assertThat(defaults.budgetWindow()).isEqualTo(Duration.ofSeconds(10));
        assertThat(defaults.hasBudget()).isTrue();
        assertThat(defaults).hasToString("RetryPolicy{maxAttempts=3, retryableStatuses=[502, 503, 504], "
                + "retryNonIdempotent=false, bufferLimitBytes=65536, budget=20% + 10/s over 10s}");
    }

    @Test
    void noneNeverRetries() {
        RetryPolicy none = RetryPolicy.none();
        assertThat(none.maxAttempts()).isEqualTo(1);
        assertThat(none.retries()).isFalse();
        assertThat(none.shouldRetryFailure(FailureKind.CONNECT, "GET", 1, true)).isFalse();
        assertThat(none.shouldRetryStatus(503, "GET", 1, true)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"})
    void idempotentMethods(String method) {
        assertThat(RetryPolicy.isIdempotent(method)).isTrue();
        assertThat(defaults.shouldRetryFailure(FailureKind.RESET, method, 1, true)).isTrue();
        assertThat(defaults.shouldRetryFailure(FailureKind.TIMEOUT, method, 2, true)).isTrue();
        assertThat(defaults.shouldRetryStatus(503, method, 1, true)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"POST", "PATCH", "CONNECT", "get", "PROPFIND", ""})
    void nonIdempotentMethodsAreRetriedOnlyAfterConnectFailures(String method) {
        assertThat(RetryPolicy.isIdempotent(method)).isFalse();
        assertThat(defaults.shouldRetryFailure(FailureKind.CONNECT, method, 1, true)).isTrue();
        assertThat(defaults.shouldRetryFailure(FailureKind.RESET, method, 1, true)).isFalse();
        assertThat(defaults.shouldRetryFailure(FailureKind.TIMEOUT, method, 1, true)).isFalse();
        assertThat(defaults.shouldRetryStatus(503, method, 1, true)).isFalse();

        RetryPolicy any = RetryPolicy.builder().retryNonIdempotent(true).build();
        assertThat(any.shouldRetryFailure(FailureKind.RESET, method, 1, true)).isTrue();
        assertThat(any.shouldRetryFailure(FailureKind.TIMEOUT, method, 1, true)).isTrue();
        assertThat(any.shouldRetryStatus(503, method, 1, true)).isTrue();
    }

    @Test
    void nullMethodIsNotIdempotent() {
        assertThat(RetryPolicy.isIdempotent(null)).isFalse();
        assertThat(defaults.shouldRetryFailure(FailureKind.CONNECT, null, 1, true)).isTrue();
        assertThat(defaults.shouldRetryStatus(502, null, 1, true)).isFalse();
    }

    @Test
    void attemptsAreBounded() {
        assertThat(defaults.shouldRetryFailure(FailureKind.CONNECT, "GET", 1, true)).isTrue();
        assertThat(defaults.shouldRetryFailure(FailureKind.CONNECT, "GET", 2, true)).isTrue();
        assertThat(defaults.shouldRetryFailure(FailureKind.CONNECT, "GET", 3, true)).isFalse();
        assertThat(defaults.shouldRetryStatus(502, "GET", 2, true)).isTrue();
        assertThat(defaults.shouldRetryStatus(502, "GET", 3, true)).isFalse();

        RetryPolicy five = RetryPolicy.builder().maxAttempts(5).build();
        assertThat(five.shouldRetryStatus(502, "GET", 4, true)).isTrue();
        assertThat(five.shouldRetryStatus(502, "GET", 5, true)).isFalse();
    }

    @Test
    void aBodyThatCannotBeReplayedIsNeverRetried() {
        for (FailureKind kind : FailureKind.values()) {
            assertThat(defaults.shouldRetryFailure(kind, "PUT", 1, false)).as(kind.name()).isFalse();
        }
        assertThat(defaults.shouldRetryStatus(503, "PUT", 1, false)).isFalse();
        RetryPolicy any = RetryPolicy.builder().retryNonIdempotent(true).build();
        assertThat(any.shouldRetryFailure(FailureKind.CONNECT, "POST", 1, false)).isFalse();
        assertThat(any.shouldRetryStatus(503, "POST", 1, false)).isFalse();
    }

    @Test
    void otherAndStatusKindsAreNotRetriedAsTransportFailures() {
        assertThat(defaults.shouldRetryFailure(FailureKind.OTHER, "GET", 1, true)).isFalse();
        assertThat(defaults.shouldRetryFailure(FailureKind.STATUS, "GET", 1, true)).isFalse();
        assertThat(defaults.shouldRetryFailure(null, "GET", 1, true)).isFalse();
    }

    @Test
    void onlyConfiguredStatusesAreRetried() {
        assertThat(defaults.isRetryableStatus(500)).isFalse();
        assertThat(defaults.isRetryableStatus(501)).isFalse();
        assertThat(defaults.isRetryableStatus(502)).isTrue();
        assertThat(defaults.isRetryableStatus(504)).isTrue();
        assertThat(defaults.isRetryableStatus(200)).isFalse();
        assertThat(defaults.isRetryableStatus(-1)).isFalse();
        assertThat(defaults.isRetryableStatus(600)).isFalse();
        assertThat(defaults.isRetryableStatus(Integer.MAX_VALUE)).isFalse();
        assertThat(defaults.shouldRetryStatus(500, "GET", 1, true)).isFalse();
        assertThat(defaults.shouldRetryStatus(404, "GET", 1, true)).isFalse();

        RetryPolicy custom = RetryPolicy.builder().retryableStatuses(500, 503, 503).build();
        assertThat(custom.retryableStatuses()).containsExactly(500, 503);
        assertThat(custom.shouldRetryStatus(500, "GET", 1, true)).isTrue();
        assertThat(custom.shouldRetryStatus(502, "GET", 1, true)).isFalse();

        RetryPolicy fromList = RetryPolicy.builder().retryableStatuses(List.of(599, 500)).build();
        assertThat(fromList.retryableStatuses()).containsExactly(500, 599);

        RetryPolicy noStatuses = RetryPolicy.builder().retryableStatuses().build();
        assertThat(noStatuses.retryableStatuses()).isEmpty();
        assertThat(noStatuses.shouldRetryStatus(503, "GET", 1, true)).isFalse();
        assertThat(noStatuses.shouldRetryFailure(FailureKind.RESET, "GET", 1, true)).isTrue();
    }

    @Test
    void retryableStatusesIsUnmodifiable() {
        assertThatThrownBy(() -> defaults.retryableStatuses().add(500))
                .isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void toBuilderKeepsEverySetting() {
        RetryPolicy policy = RetryPolicy.builder().maxAttempts(7).retryableStatuses(500).retryNonIdempotent(true)
                .bufferLimitBytes(10).retryBudget(50, 1).build();
        assertThat(policy.toBuilder().build()).isEqualTo(policy).hasSameHashCodeAs(policy);
        assertThat(policy.toBuilder().maxAttempts(2).build().maxAttempts()).isEqualTo(2);
        assertThat(policy).isNotEqualTo(defaults);
        assertThat(policy.toBuilder()).hasToString("RetryPolicy.Builder{maxAttempts=7, retryableStatuses=[500], "
                + "retryNonIdempotent=true, bufferLimitBytes=10, budget=50% + 1/s over 10s}");
        assertThat(policy.toBuilder().retryBudget(50, 2).build()).isNotEqualTo(policy);
        assertThat(policy.toBuilder().retryBudget(50, 1, Duration.ofSeconds(30)).build()).isNotEqualTo(policy)
                .hasToString("RetryPolicy{maxAttempts=7, retryableStatuses=[500], retryNonIdempotent=true, "
                        + "bufferLimitBytes=10, budget=50% + 1/s over 30s}");
    }

    @Test
    void withoutABudgetEveryRetryTheRulesAllowGoes() {
        RetryPolicy policy = RetryPolicy.builder().noRetryBudget().build();
        assertThat(policy.hasBudget()).isFalse();
        assertThat(policy.budgetPercent()).isZero();
        assertThat(policy.newRetryBudget().isUnlimited()).isTrue();
        assertThat(policy).hasToString("RetryPolicy{maxAttempts=3, retryableStatuses=[502, 503, 504], "
                + "retryNonIdempotent=false, bufferLimitBytes=65536, budget=none}");
    }

    @Test
    void invalidBudgetsFailWithTheHouseMessage() {
        assertThatThrownBy(() -> RetryPolicy.builder().retryBudget(0, 3))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("retryBudget percent: 0 (expected: >= 1)");
        assertThatThrownBy(() -> RetryPolicy.builder().retryBudget(101, 3))
                .hasMessage("retryBudget percent: 101 (expected: <= 100)");
        assertThatThrownBy(() -> RetryPolicy.builder().retryBudget(20, -1))
                .hasMessage("retryBudget minRetriesPerSecond: -1 (expected: >= 0)");
        assertThatThrownBy(() -> RetryPolicy.builder().retryBudget(20, 1_000_001))
                .hasMessage("retryBudget minRetriesPerSecond: 1000001 (expected: <= 1000000)");
        assertThatThrownBy(() -> RetryPolicy.builder().retryBudget(20, 10, Duration.ofMillis(999)))
                .hasMessage("retryBudget window: 999ms (expected: >= 1s)");
        assertThatThrownBy(() -> RetryPolicy.builder().retryBudget(20, 10, Duration.ofSeconds(3601)))
                .hasMessage("retryBudget window: 3601s (expected: <= 1h)");
        assertThatThrownBy(() -> RetryPolicy.builder().retryBudget(20, 10, null))
                .isInstanceOf(NullPointerException.class).hasMessage("window");
    }

    @Test
    void invalidSettingsFailWithTheHouseMessage() {
        assertThatThrownBy(() -> RetryPolicy.builder().maxAttempts(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("maxAttempts: 0 (expected: >= 1)");
        assertThatThrownBy(() -> RetryPolicy.builder().maxAttempts(101))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("maxAttempts: 101 (expected: <= 100)");
        assertThatThrownBy(() -> RetryPolicy.builder().retryableStatuses(503, 404))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("retryableStatus: 404 (expected: 500..599)");
        assertThatThrownBy(() -> RetryPolicy.builder().retryableStatuses(List.of(600)))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("retryableStatus: 600 (expected: 500..599)");
        assertThatThrownBy(() -> RetryPolicy.builder().bufferLimitBytes(-1))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("bufferLimitBytes: -1 (expected: >= 0)");
        assertThatThrownBy(() -> RetryPolicy.builder().bufferLimitBytes(64 * 1024 * 1024 + 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("bufferLimitBytes: 67108865 (expected: <= 67108864)");
        assertThatThrownBy(() -> RetryPolicy.builder().retryableStatuses((int[]) null))
                .isInstanceOf(NullPointerException.class).hasMessage("statuses");
    }

    @Test
    void aRejectedStatusListLeavesTheBuilderUnchanged() {
        RetryPolicy.Builder builder = RetryPolicy.builder();
        assertThatThrownBy(() -> builder.retryableStatuses(500, 200)).isInstanceOf(IllegalArgumentException.class);
        assertThat(builder.build().retryableStatuses()).containsExactly(502, 503, 504);
    }
}
