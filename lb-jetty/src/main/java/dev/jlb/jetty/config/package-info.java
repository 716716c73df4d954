/**
 * Configuration files for jlb: YAML or JSON, validated with every problem reported at once (file,
 * line, field path, value and what was expected), into an immutable model ({@link
 * dev.jlb.jetty.config.JlbConfig}) that the standalone balancer and embedders bind to a
 * {@link dev.jlb.LoadBalancer} per route.
 *
 * <p>Entry point: {@link dev.jlb.jetty.config.ConfigLoader}.
 */
package dev.jlb.jetty.config;
