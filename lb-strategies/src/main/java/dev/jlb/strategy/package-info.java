/**
 * The bundled load-balancing strategies: {@link dev.jlb.strategy.Strategies} creates them, and
 * {@link dev.jlb.StrategyRegistry} finds them by name ({@code round-robin}, {@code least-connections},
 * {@code weighted-round-robin}, {@code random}, {@code p2c}, {@code consistent-hash}).
 * Implementations are package-private.
 */
package dev.jlb.strategy;
