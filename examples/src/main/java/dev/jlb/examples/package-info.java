/**
 * Complete embedding examples, one per way of using jlb, shown in the README's "Use it from
 * Maven/Gradle" section and run against real backends by the tests (EmbeddingExamplesTest), so that
 * the README's code compiles and works. Each uses only the public API. Each owns what it builds and
 * stops it in {@code close()}: the server first (no request uses the load balancer any more), then
 * the load balancer (its health-check threads). Adapters never close a load balancer they were given.
 */
package dev.jlb.examples;
