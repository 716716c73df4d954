package dev.jlb;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * How a {@link Strategy.Picker} made one pick, written by the picker only for a request that asked
 * for its decision to be explained ({@link RequestContext#explanation()} not null). On every other
 * request no explanation exists, and a picker does no work for one: it reads
 * {@code context.explanation()}, finds null, and picks as always.
 *
 * <p>A picker that describes its pick calls {@link #begin(String)} once (a retry may make the
 * picker pick several times; only the last pick's description is kept), then
 * {@link #candidate(Endpoint, String)} for each backend it compared, the chosen one included, with
 * the scores it compared them on, written {@code key=value} separated by commas (such as
 * {@code in_flight=2,w=1}). A picker that does not describe its picks leaves the explanation
 * empty; the caller then names only the strategy and the backend it got.
 *
 * <p>Not thread-safe: one explanation belongs to one request, which picks on one thread at a time.
 */
public final class Explanation {

    /** The most candidates kept per pick; more are counted in {@link #omitted()}. */
    public static final int MAX_CANDIDATES = 16;

    private String detail;
    private final List<String> candidates = new ArrayList<>(4);
    private final List<Backend> backends = new ArrayList<>(4);
    private int omitted;

    /** An empty explanation, to be handed to pickers through {@link RequestContext#explanation()}. */
    public Explanation() {
    }

    /**
     * Starts the description of a pick, forgetting that of an earlier pick of the same request.
     *
     * @param detail what the strategy computed beyond per-candidate scores, {@code key=value} pairs
     *     separated by commas (such as {@code position=3/5} or {@code hash=9f3a0c,owner=10.0.0.7:8080}),
     *     without spaces or semicolons; or {@code null} for nothing
     */
    public void begin(String detail) {
        this.detail = detail;
        candidates.clear();
        backends.clear();
        omitted = 0;
    }

    /**
     * Adds a backend the picker compared, with the scores it compared it on.
     *
     * @param endpoint the endpoint
     * @param scores {@code key=value} pairs separated by commas, such as {@code in_flight=2,w=1};
     *     no spaces, semicolons or parentheses
     */
    public void candidate(Endpoint endpoint, String scores) {
        Objects.requireNonNull(endpoint, "endpoint");
        if (candidates.size() == MAX_CANDIDATES) {
            omitted++;
            return;
        }
        candidates.add(endpoint.backend().id() + '(' + Objects.requireNonNull(scores, "scores") + ')');
        backends.add(endpoint.backend());
    }

    /** {@return the strategy's detail for the last pick, or {@code null}} */
    public String detail() {
        return detail;
    }

    /** {@return the candidates of the last pick, each as {@code host:port(scores)}, in the order the picker gave them} */
    public List<String> candidates() {
        return Collections.unmodifiableList(candidates);
    }

    /** {@return how many candidates of the last pick were left out beyond {@link #MAX_CANDIDATES}} */
    public int omitted() {
        return omitted;
    }

    /**
     * Whether the last pick's description names {@code backend} among its candidates: a caller
     * checks that the description is of the pick that produced its selection (and not of an
     * earlier pick, or of none).
     *
     * @param backend the backend
     * @return whether it is a described candidate
     */
    public boolean describes(Backend backend) {
        return backends.contains(backend);
    }

    @Override
    public String toString() {
        return "Explanation{" + (detail == null ? "" : detail + ", ") + "candidates=" + candidates
                + (omitted == 0 ? "" : ", omitted=" + omitted) + '}';
    }
}
