package dev.jlb.jetty;

import dev.jlb.testing.TestBackend;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.LoadBalancer;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Invocable.InvocationType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link LoadBalancingHandler} declares itself non-blocking, so that Jetty runs requests on its I/O
 * threads; a server that also holds a blocking handler still dispatches, and both work.
 */
class NonBlockingHandlerTest {

    @RegisterExtension
    static final ClientExtension CLIENT = new ClientExtension();

    @Test
    void handlerAndItsClientAreNonBlocking() throws Exception {
        try (TestBackend a = new TestBackend("a");
                LoadBalancer lb = LoadBalancer.builder().backend(a.uri()).build()) {
            LoadBalancingHandler handler = new LoadBalancingHandler(lb);
            assertThat(handler.getInvocationType()).isEqualTo(InvocationType.NON_BLOCKING);
            try (ProxyFixture proxy = ProxyFixture.handler(lb, handler)) {
                assertThat(proxy.server.getInvocationType()).isEqualTo(InvocationType.NON_BLOCKING);
                assertThat(handler.getHttpClient().getTransport().getInvocationType())
                        .isEqualTo(InvocationType.NON_BLOCKING);
                ContentResponse response = CLIENT.get().newRequest(proxy.url("/x")).timeout(10, TimeUnit.SECONDS).send();
                assertThat(response.getStatus()).isEqualTo(200);
                assertThat(response.getContentAsString()).isEqualTo("a");
                assertThat(proxy.awaitIdle()).allSatisfy(s -> assertThat(s.inFlight()).isZero());
            }
        }
    }

    @Test
    void aGivenClientIsLeftAsItIs() throws Exception {
        try (TestBackend a = new TestBackend("a");
                LoadBalancer lb = LoadBalancer.builder().backend(a.uri()).build()) {
            LoadBalancingHandler handler = new LoadBalancingHandler(lb);
            HttpClient own = ProxyHttpClients.newHttpClient(ProxyOptions.defaults());
            handler.setHttpClient(own);
            try (ProxyFixture proxy = ProxyFixture.handler(lb, handler)) {
                assertThat(own.getTransport().getInvocationType()).isEqualTo(InvocationType.BLOCKING);
                ContentResponse response = CLIENT.get().newRequest(proxy.url("/x")).timeout(10, TimeUnit.SECONDS).send();
                assertThat(response.getContentAsString()).isEqualTo("a");
            } finally {
                own.stop();
            }
        }
    }

    @Test
    void nextToABlockingHandlerTheServerDispatchesAndBothServe() throws Exception {
        try (TestBackend a = new TestBackend("a");
                LoadBalancer lb = LoadBalancer.builder().backend(a.uri()).build()) {
            LoadBalancingHandler handler = new LoadBalancingHandler(lb,
                    ProxyOptions.builder().prefix("/api").build());
            Handler app = new Handler.Abstract() { // blocking by default
                @Override
                public boolean handle(Request request, Response response, Callback callback) {
                    Content.write(response, callback, "app");
                    return true;
                }
            };
            try (ProxyFixture proxy = ProxyFixture.handler(lb, new Handler.Sequence(handler, app))) {
                assertThat(proxy.server.getInvocationType()).isEqualTo(InvocationType.BLOCKING);
                assertThat(CLIENT.get().newRequest(proxy.url("/api/x")).timeout(10, TimeUnit.SECONDS).send()
                        .getContentAsString()).isEqualTo("a");
                assertThat(CLIENT.get().newRequest(proxy.url("/other")).timeout(10, TimeUnit.SECONDS).send()
                        .getContentAsString()).isEqualTo("app");
            }
        }
    }

    /** Writes a text body. */
    private static final class Content {
        static void write(Response response, Callback callback, String text) {
            response.setStatus(200);
            response.write(true, java.nio.ByteBuffer.wrap(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                    callback);
        }
    }
}
