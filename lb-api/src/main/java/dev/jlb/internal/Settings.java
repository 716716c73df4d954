package dev.jlb.internal;

import dev.jlb.Backend;
import dev.jlb.PoolListener;
import dev.jlb.RandomSource;
import dev.jlb.Strategy;
import dev.jlb.Ticker;
import java.util.List;

/** Everything {@link dev.jlb.LoadBalancer.Builder} collected, validated. Internal. */
public record Settings(
        String name,
        List<Backend> backends,
        Strategy strategy,
        Ticker ticker,
        RandomSource random,
        List<PoolListener> listeners) {
}
