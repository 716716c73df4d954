package dev.jlb;

import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * The live membership of a {@link LoadBalancer}: which backends exist, with which weights, and in
 * which state.
 *
 * <p>Every change builds a new immutable snapshot of the eligible backends and publishes it
 * atomically: a request either sees the whole change or none of it, and once a method returns, no
 * request selects a removed or drained backend. Requests already in flight to a removed or drained
 * backend finish normally. Changes are serialized; a change that changes nothing publishes nothing.
 *
 * <p>Backends are matched by identity (scheme, host, port); see {@link Backend}. Thread-safe.
 */
public interface Pool {

    /** {@return the members, with their configured weights, in the order they were added} */
    List<Backend> backends();

    /**
     * The member with this {@link Backend#id()}, if any.
     *
     * @param id the id
     * @return the member with this {@link Backend#id()}, if any
     */
    Optional<Backend> find(String id);

    /**
     * Adds a backend; returns false (and changes nothing) when one with the same identity is present.
     *
     * @param backend the backend
     * @return the boolean
     */
    boolean add(Backend backend);

    /**
     * Removes the backend with the same identity; returns false when absent.
     *
     * @param backend the backend
     * @return the boolean
     */
    boolean remove(Backend backend);

    /**
     * Sets the weight of the member with the same identity as {@code backend} to
     * {@code backend.weight()}; returns false when absent. Weight 0 drains it.
     *
     * @param backend the backend
     * @return the boolean
     */
    boolean update(Backend backend);

    /**
     * Sets the member's weight to 0: no new requests, requests in flight finish. Returns false when absent.
     *
     * @param backend the backend
     * @return the boolean
     */
    default boolean drain(Backend backend) {
        return update(backend.withWeight(0));
    }

    /**
     * Makes the membership exactly {@code backends} in one atomic change: adds the new ones, removes
     * the missing ones, re-weights the changed ones. Statistics of backends present before and after
     * are kept.
     *
     * @param backends the backends
     * @throws IllegalArgumentException when {@code backends} holds one backend twice
     */
    void replaceAll(Collection<Backend> backends);

    /** {@return the live state and counters of every member, in membership order} */
    List<BackendStats> stats();

    /**
     * The live state and counters of one member.
     *
     * @param backend the backend
     * @return the live state and counters of one member
     */
    Optional<BackendStats> stats(Backend backend);

    /**
     * Registers a listener for later changes.
     *
     * @param listener the listener
     * @return a handle whose {@code close()} unregisters the listener
     */
    AutoCloseable addListener(PoolListener listener);
}
