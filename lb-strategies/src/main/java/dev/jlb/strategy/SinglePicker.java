package dev.jlb.strategy;

import dev.jlb.Endpoint;
import dev.jlb.Explanation;
import dev.jlb.RequestContext;
import dev.jlb.Strategy;

/** The picker of every strategy when one backend is eligible: there is nothing to choose. */
final class SinglePicker implements Strategy.Picker {
    private final Endpoint endpoint;

    SinglePicker(Endpoint endpoint) {
        this.endpoint = endpoint;
    }

    @Override
    public Endpoint pick(RequestContext context) {
        Explanation explanation = context.explanation();
        if (explanation != null) {
            Explain.chosen(explanation, null, endpoint);
        }
        endpoint.acquire();
        return endpoint;
    }

    @Override
    public String toString() {
        return "SinglePicker{" + endpoint + '}';
    }
}
