/**
 * Health: which backends may receive requests.
 *
 * <ul>
 *   <li>{@link dev.jlb.health.ActiveHealthCheck}: HTTP, TCP or custom {@link dev.jlb.health.HealthCheck
 *       probes} on a schedule, with rise/fall thresholds (default: none).</li>
 *   <li>{@link dev.jlb.health.OutlierDetection}: passive ejection after consecutive failures of real
 *       requests, with backoff and a cap on the ejected share (default: on).</li>
 *   <li>{@link dev.jlb.health.LatencyHealth}: degrades or ejects backends that answer much slower than an
 *       absolute limit or their peers (default: off).</li>
 *   <li>{@link dev.jlb.health.SlowStart}: ramps the weight of a backend that joins or comes back
 *       (default: off).</li>
 *   <li>{@link dev.jlb.health.PanicMode}: what happens when too few backends are eligible (default:
 *       route to all non-draining backends below 50% eligible).</li>
 * </ul>
 *
 * <p>All are immutable values given to {@link dev.jlb.LoadBalancer.Builder} and replaceable at run time
 * through the {@code update...} methods of {@link dev.jlb.LoadBalancer}, which keep each backend's
 * counters, state, streaks and averages. The health checks report; the pool decides membership.
 */
package dev.jlb.health;
