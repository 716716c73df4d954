/**
 * Configuration files for jlb: YAML or JSON, validated with every problem reported at once (file,
 * line, field path, value and what was expected), into an immutable model ({@link
 * dev.jlb.jetty.config.JlbConfig}) whose routes hold the core's and the adapter's own option types,
 * judged by their builders. The standalone balancer and embedders bind a route to a
 * {@link dev.jlb.LoadBalancer} ({@link dev.jlb.jetty.config.ConfigBinder}) and apply a reloaded file
 * with {@link dev.jlb.jetty.config.RouteDiff}.
 *
 * <p>Entry point: {@link dev.jlb.jetty.config.ConfigLoader}.
 */
package dev.jlb.jetty.config;
