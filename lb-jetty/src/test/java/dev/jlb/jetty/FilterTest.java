package dev.jlb.jetty;

import dev.jlb.testing.TestBackend;
import dev.jlb.testing.TestStrategies;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.LoadBalancer;
import jakarta.servlet.DispatcherType;
import java.util.EnumSet;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The filter in front of an existing app: matching paths are balanced, the others reach the app. */
class FilterTest {

    private HttpClient client;
    private TestBackend a;
    private TestBackend b;
    private LoadBalancer lb;

    @BeforeEach
    void start() throws Exception {
        client = new HttpClient();
        client.start();
        a = new TestBackend("a");
        b = new TestBackend("b");
        lb = LoadBalancer.builder().strategy(TestStrategies.rotation()).backends(a.uri(), b.uri()).build();
    }

    @AfterEach
    void stop() throws Exception {
        lb.close();
        a.close();
        b.close();
        client.stop();
    }

    private ProxyFixture app(LoadBalancingFilter filter, String filterMapping) throws Exception {
        ServletContextHandler context = new ServletContextHandler("/shop");
        context.addServlet(new ServletHolder(new ProxyFixture.AppServlet()), "/*");
        FilterHolder holder = new FilterHolder(filter);
        holder.setAsyncSupported(true);
        context.addFilter(holder, filterMapping, EnumSet.of(DispatcherType.REQUEST));
        return ProxyFixture.handler(lb, context);
    }

    private String get(ProxyFixture proxy, String path) throws Exception {
        ContentResponse response = client.newRequest(proxy.url(path)).timeout(5, TimeUnit.SECONDS).send();
        return response.getStatus() + " " + response.getContentAsString();
    }

    @Test
    void balancesItsPrefixAndPassesEverythingElseToTheApp() throws Exception {
        LoadBalancingFilter filter = new LoadBalancingFilter(lb, ProxyOptions.builder().prefix("/api").build());
        try (ProxyFixture proxy = app(filter, "/*")) {
            assertThat(get(proxy, "/shop/api/items?x=1")).isEqualTo("200 a");
            assertThat(get(proxy, "/shop/api")).isEqualTo("200 b");
            assertThat(get(proxy, "/shop/index.html")).isEqualTo("200 app /shop/index.html");
            assertThat(get(proxy, "/shop/apix")).isEqualTo("200 app /shop/apix");
            assertThat(a.requests.get(0).pathQuery()).isEqualTo("/shop/api/items?x=1");
            assertThat(filter.getPrefix()).isEqualTo("/api");
            assertThat(filter).hasToString("LoadBalancingFilter{default, prefix=/api}");
        }
    }

    @Test
    void takesItsPrefixFromItsMappingAndCanStripIt() throws Exception {
        LoadBalancingFilter filter = new LoadBalancingFilter(lb, ProxyOptions.builder().stripPrefix(true).build());
        try (ProxyFixture proxy = app(filter, "/api/*")) {
            assertThat(get(proxy, "/shop/api/items?x=1")).isEqualTo("200 a");
            assertThat(get(proxy, "/shop/other")).isEqualTo("200 app /shop/other");
            assertThat(filter.getPrefix()).isEqualTo("/api");
            assertThat(a.requests.get(0).pathQuery()).isEqualTo("/items?x=1");
        }
    }
}
