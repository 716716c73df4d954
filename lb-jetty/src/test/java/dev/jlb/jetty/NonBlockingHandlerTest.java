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
 * threads; a server that also holds a blocking handler still dispatches, and both work. Besides the
 * declared invocation types, each test records where the request really ran: inline on the I/O
 * thread that read it, or dispatched to a pool thread.
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
            RanOn ranOn = new RanOn(handler);
            try (ProxyFixture proxy = ProxyFixture.handler(lb, ranOn)) {
                assertThat(proxy.server.getInvocationType()).isEqualTo(InvocationType.NON_BLOCKING);
                assertThat(handler.getHttpClient().getHttpClientTransport().getInvocationType())
                        .isEqualTo(InvocationType.NON_BLOCKING);
                ContentResponse response = CLIENT.get().newRequest(proxy.url("/x")).timeout(10, TimeUnit.SECONDS).send();
                assertThat(response.getStatus()).isEqualTo(200);
                assertThat(response.getContentAsString()).isEqualTo("a");
                assertThat(ranOn.inSelector).as("the request ran inline on the I/O thread that read it, %s", ranOn.thread)
                        .containsExactly(true);
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
                assertThat(own.getHttpClientTransport().getInvocationType()).isEqualTo(InvocationType.BLOCKING);
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
            RanOn ranOn = new RanOn(handler);
            try (ProxyFixture proxy = ProxyFixture.handler(lb, new Handler.Sequence(ranOn, app))) {
                assertThat(proxy.server.getInvocationType()).isEqualTo(InvocationType.BLOCKING);
                assertThat(CLIENT.get().newRequest(proxy.url("/api/x")).timeout(10, TimeUnit.SECONDS).send()
                        .getContentAsString()).isEqualTo("a");
                assertThat(ranOn.inSelector).as("the request was dispatched to a pool thread, %s", ranOn.thread)
                        .containsExactly(false);
                assertThat(CLIENT.get().newRequest(proxy.url("/other")).timeout(10, TimeUnit.SECONDS).send()
                        .getContentAsString()).isEqualTo("app");
            }
        }
    }

    /**
     * Records, for each request, whether it runs on the selector's producing thread: Jetty's
     * execution strategy ran the read task in produce-consume mode ({@code pcRunTask} below the
     * handler), which it does only for non-blocking tasks; a blocking one is handed to another
     * pool thread. Non-blocking
     * like the handler it wraps, so it does not change the server's invocation type.
     */
    private static final class RanOn extends Handler.Wrapper {
        final java.util.List<Boolean> inSelector = new java.util.concurrent.CopyOnWriteArrayList<>();
        volatile String thread;

        RanOn(Handler handler) {
            super(handler);
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) throws Exception {
            thread = Thread.currentThread().getName();
            inSelector.add(java.util.Arrays.stream(Thread.currentThread().getStackTrace())
                    .anyMatch(frame -> frame.getClassName().endsWith(".AdaptiveExecutionStrategy")
                            && frame.getMethodName().equals("pcRunTask")));
            return super.handle(request, response, callback);
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
