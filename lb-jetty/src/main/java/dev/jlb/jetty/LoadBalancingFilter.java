package dev.jlb.jetty;

import dev.jlb.LoadBalancer;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.ServletConfig;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Collection;
import java.util.Enumeration;
import java.util.Objects;
import org.eclipse.jetty.client.HttpClient;

/**
 * A servlet {@link Filter} that balances the requests under its prefix over the backends of a
 * {@link LoadBalancer} (through an internal {@link LoadBalancingProxyServlet}) and lets every other
 * request continue down the chain to the application.
 *
 * <pre>{@code
 * FilterHolder holder = new FilterHolder(new LoadBalancingFilter(lb, ProxyOptions.builder().prefix("/api").build()));
 * holder.setAsyncSupported(true);
 * context.addFilter(holder, "/*", EnumSet.of(DispatcherType.REQUEST));
 * }</pre>
 *
 * <p>The prefix is {@link ProxyOptions#prefix()}, or, when it is not set, the filter's single URL
 * pattern of the form {@code /x/*} ({@code /x}); a filter mapped otherwise without a prefix balances
 * every request it sees. The filter must be registered with {@code asyncSupported=true}. Everything
 * else (retries, headers, timeouts, the HTTP client) is as in {@link LoadBalancingProxyServlet}.
 */
public class LoadBalancingFilter implements Filter {

    private final LoadBalancer loadBalancer;
    private final ProxyOptions options;
    private HttpClient sharedClient;
    private volatile LoadBalancingProxyServlet servlet;
    private volatile String prefix;

    /**
     * A filter with {@link ProxyOptions#defaults()}.
     *
     * @param loadBalancer the load balancer
     */
    public LoadBalancingFilter(LoadBalancer loadBalancer) {
        this(loadBalancer, ProxyOptions.defaults());
    }

    /**
     * Creates the filter; it does not close {@code loadBalancer}.
     *
     * @param loadBalancer picks the backends
     * @param options what the proxy does with each request
     */
    public LoadBalancingFilter(LoadBalancer loadBalancer, ProxyOptions options) {
        this.loadBalancer = Objects.requireNonNull(loadBalancer, "loadBalancer");
        this.options = Objects.requireNonNull(options, "options");
    }

    /**
     * Uses {@code httpClient} instead of creating one; see {@link LoadBalancingProxyServlet#setHttpClient}.
     *
     * @param httpClient the http client
     */
    public void setHttpClient(HttpClient httpClient) {
        this.sharedClient = Objects.requireNonNull(httpClient, "httpClient");
    }

    /** {@return the prefix balanced by this filter, relative to the context path; null before {@link #init}} */
    public String getPrefix() {
        return prefix;
    }

    @Override
    public void init(FilterConfig config) throws ServletException {
        String resolved = options.prefix() != null ? options.prefix() : prefixOf(config);
        LoadBalancingProxyServlet proxy =
                new LoadBalancingProxyServlet(loadBalancer, options.toBuilder().prefix(resolved).build());
        if (sharedClient != null) {
            proxy.setHttpClient(sharedClient);
        }
        proxy.init(new ProxyServletConfig(config));
        this.prefix = resolved;
        this.servlet = proxy;
    }

    private static String prefixOf(FilterConfig config) {
        FilterRegistration registration = config.getServletContext().getFilterRegistration(config.getFilterName());
        Collection<String> patterns = registration == null ? null : registration.getUrlPatternMappings();
        if (patterns != null && patterns.size() == 1) {
            String pattern = patterns.iterator().next();
            if (pattern.startsWith("/") && pattern.endsWith("/*") && pattern.length() > 2) {
                return pattern.substring(0, pattern.length() - 2);
            }
        }
        return "/";
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        LoadBalancingProxyServlet proxy = servlet;
        if (proxy != null && request instanceof HttpServletRequest && response instanceof HttpServletResponse) {
            HttpServletRequest http = (HttpServletRequest) request;
            String pathInfo = http.getPathInfo();
            String path = pathInfo == null ? http.getServletPath() : http.getServletPath() + pathInfo;
            if (ProxyHeaders.matches(path, prefix)) {
                proxy.service(http, (HttpServletResponse) response);
                return;
            }
        }
        chain.doFilter(request, response);
    }

    @Override
    public void destroy() {
        LoadBalancingProxyServlet proxy = servlet;
        servlet = null;
        if (proxy != null) {
            proxy.destroy();
        }
    }

    @Override
    public String toString() {
        return "LoadBalancingFilter{" + loadBalancer.name() + ", prefix=" + (prefix == null ? "(not started)" : prefix)
                + '}';
    }

    /** The internal servlet's configuration: the filter's name, context and init parameters. */
    private static final class ProxyServletConfig implements ServletConfig {
        private final FilterConfig filter;

        ProxyServletConfig(FilterConfig filter) {
            this.filter = filter;
        }

        @Override
        public String getServletName() {
            return filter.getFilterName() + ".proxy";
        }

        @Override
        public ServletContext getServletContext() {
            return filter.getServletContext();
        }

        @Override
        public String getInitParameter(String name) {
            return filter.getInitParameter(name);
        }

        @Override
        public Enumeration<String> getInitParameterNames() {
            return filter.getInitParameterNames();
        }
    }
}
