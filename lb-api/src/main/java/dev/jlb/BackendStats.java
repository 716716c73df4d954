package dev.jlb;

/**
 * A point-in-time view of one backend's live state and counters, from {@link Pool#stats()}.
 *
 * <p>Counters are totals since the backend joined the pool; they survive re-weighting, draining,
 * health changes and strategy changes. The values are read one after the other without a lock, so
 * under load they may be a few requests apart from each other. Immutable.
 */
public interface BackendStats {

    /** The backend, with its configured weight. */
    Backend backend();

    /** The backend's state. */
    BackendState state();

    /** The effective weight new requests see (0 when not eligible). */
    int effectiveWeight();

    /** Requests in flight now. */
    int inFlight();

    /** Attempts sent to this backend (completed plus in flight). */
    long requests();

    /** Attempts completed as a success. */
    long successes();

    /** Attempts completed as a failure (of any {@link FailureKind}). */
    long failures();

    /** Attempts completed as cancelled (client went away): neither success nor failure. */
    long cancelled();

    /** Attempts that were retries of a request first sent elsewhere. */
    long retries();

    /** Failures of kind {@link FailureKind#CONNECT}. */
    long connectFailures();

    /** Failures of kind {@link FailureKind#TIMEOUT}. */
    long timeouts();

    /** Responses by status class: {@code responses(2)} counts 2xx; {@code statusClass} in 1..5. */
    long responses(int statusClass);

    @Override
    String toString();
}
