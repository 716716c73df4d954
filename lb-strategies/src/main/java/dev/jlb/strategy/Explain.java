package dev.jlb.strategy;

import dev.jlb.Endpoint;
import dev.jlb.Explanation;
import java.util.Locale;

/**
 * How the bundled pickers describe their picks in an {@link Explanation}: called only for a request
 * that asked for it, after the choice and before the chosen endpoint is acquired unless a method
 * says otherwise, so every in-flight count shown is the one the choice saw.
 */
final class Explain {

    private Explain() {
    }

    /** The chosen endpoint alone, with its weight: for pickers whose choice does not depend on loads. */
    static void chosen(Explanation explanation, String detail, Endpoint chosen) {
        explanation.begin(detail);
        explanation.candidate(chosen, "w=" + chosen.weight());
    }

    /** {@code in_flight=..,w=..}; {@code acquired} when {@code endpoint} was acquired by this pick already. */
    static String load(Endpoint endpoint, boolean acquired) {
        return "in_flight=" + (endpoint.inFlight() - (acquired ? 1 : 0)) + ",w=" + endpoint.weight();
    }

    /** Power of two choices: the two sampled endpoints and their loads. */
    static void pair(Explanation explanation, Endpoint first, Endpoint second) {
        explanation.begin(null);
        explanation.candidate(first, load(first, false));
        explanation.candidate(second, load(second, false));
    }

    /**
     * Least connections over {@code endpoints} after {@code chosen} was acquired: every candidate's
     * load as the pick saw it, and how many shared the lowest load.
     */
    static void leastLoaded(Explanation explanation, Endpoint[] endpoints, Endpoint chosen) {
        long bestInFlight = Long.MAX_VALUE;
        long bestWeight = 1;
        int ties = 0;
        for (Endpoint e : endpoints) {
            long inFlight = e.inFlight() - (e == chosen ? 1 : 0);
            long weight = e.weight();
            long lhs = inFlight * bestWeight;
            long rhs = bestInFlight == Long.MAX_VALUE ? Long.MAX_VALUE : bestInFlight * weight;
            if (bestInFlight == Long.MAX_VALUE || lhs < rhs) {
                bestInFlight = inFlight;
                bestWeight = weight;
                ties = 1;
            } else if (lhs == rhs) {
                ties++;
            }
        }
        explanation.begin("ties=" + ties);
        // The chosen one first, so it is kept even when more candidates than the cap compete.
        explanation.candidate(chosen, load(chosen, true));
        for (Endpoint e : endpoints) {
            if (e != chosen) {
                explanation.candidate(e, load(e, false));
            }
        }
    }

    /** Peak EWMA: the two sampled endpoints, their estimates and costs (latency x (in flight + 1) / weight). */
    static void costs(Explanation explanation, Endpoint first, double firstLatency, Endpoint second,
            double secondLatency) {
        explanation.begin(null);
        explanation.candidate(first, cost(first, firstLatency));
        explanation.candidate(second, cost(second, secondLatency));
    }

    private static String cost(Endpoint endpoint, double latencyNanos) {
        int inFlight = endpoint.inFlight();
        double cost = latencyNanos / 1e6 * (inFlight + 1.0) / endpoint.weight();
        return "ewma=" + millis(latencyNanos / 1e6) + ",in_flight=" + inFlight + ",w=" + endpoint.weight()
                + ",cost=" + String.format(Locale.ROOT, "%.3f", cost);
    }

    private static String millis(double ms) {
        return String.format(Locale.ROOT, "%.3fms", ms);
    }
}
