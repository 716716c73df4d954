/**
 * Micrometer meters for jlb's load balancers: {@link dev.jlb.jetty.metrics.LoadBalancerMetrics}.
 *
 * <p>This is the only package of lb-jetty that uses Micrometer, an optional dependency: an
 * application that does not use these classes does not need Micrometer on its class path.
 */
package dev.jlb.jetty.metrics;
