package dev.jlb.standalone;

import dev.jlb.LoadBalancer;
import dev.jlb.jetty.ProxyOptions;
import dev.jlb.jetty.config.RouteConfig;
import dev.jlb.jetty.engine.EngineRoute;

/**
 * What runs one route of a {@link Standalone}: its configuration, its load balancer, the options of
 * its handler (and whether they carry the access log), its handler in the {@link Router} and its
 * route in the engine. Immutable; a reload replaces it, see {@link ReloadPlan}.
 */
record RouteRuntime(RouteConfig config, LoadBalancer loadBalancer, ProxyOptions options,
        boolean accessLog, Router.Route route, EngineRoute engineRoute) {
}
