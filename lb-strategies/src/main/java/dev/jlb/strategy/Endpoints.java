package dev.jlb.strategy;

import dev.jlb.Endpoint;
import java.util.List;

/** Helpers the strategies share when they prepare a picker (writer side, never on the pick path). */
final class Endpoints {
    private Endpoints() {
    }

    static Endpoint[] toArray(List<? extends Endpoint> endpoints) {
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("endpoints: [] (expected: at least one)");
        }
        return endpoints.toArray(new Endpoint[0]);
    }

    static int[] weights(Endpoint[] endpoints) {
        int[] weights = new int[endpoints.length];
        for (int i = 0; i < endpoints.length; i++) {
            int weight = endpoints[i].weight();
            if (weight < 1) {
                throw new IllegalArgumentException("weight: " + weight + " (expected: >= 1) of " + endpoints[i]);
            }
            weights[i] = weight;
        }
        return weights;
    }

    static boolean allEqual(int[] weights) {
        for (int weight : weights) {
            if (weight != weights[0]) {
                return false;
            }
        }
        return true;
    }

    static long sum(int[] weights) {
        long sum = 0;
        for (int weight : weights) {
            sum += weight;
        }
        return sum;
    }

    static int gcd(int[] weights) {
        int gcd = 0;
        for (int weight : weights) {
            gcd = gcd(gcd, weight);
            if (gcd == 1) {
                break;
            }
        }
        return gcd;
    }

    private static int gcd(int a, int b) {
        while (b != 0) {
            int t = a % b;
            a = b;
            b = t;
        }
        return a;
    }

    /**
     * Maps 32 random bits to {@code [0, bound)} by multiply-and-shift (Lemire): one multiplication
     * instead of a division; the bias is below {@code bound / 2^32}.
     */
    static int below(long random32, int bound) {
        return (int) (((random32 & 0xFFFF_FFFFL) * bound) >>> 32);
    }
}
