package dev.jlb.health;

import dev.jlb.Backend;
import dev.jlb.internal.Durations;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * The HTTP probe: one request per check on a {@link HttpClient} it creates on first use (HTTP/1.1,
 * no proxy, no redirects, connections kept alive between checks) with a small daemon executor of
 * its own. An {@code https} backend is reached with the JDK's TLS defaults, or with the context
 * and parameters given by {@link ActiveHealthCheck#withTls}. {@link #close()} shuts that executor down and drops the client (on JDK 17 the client's
 * selector thread ends once the client is garbage collected); the next check creates a new one.
 */
final class HttpHealthCheck implements HealthCheck {
    static final int MAX_BODY_BYTES = 64 * 1024;
    private static final AtomicInteger THREADS = new AtomicInteger();

    private final String method;
    private final String path;
    private final StatusRanges expectedStatuses;
    private final String expectedBody;
    private final Duration timeout;
    /** TLS to https backends, or null for the JDK's defaults. */
    private final SSLContext sslContext;
    private final SSLParameters sslParameters;
    private final Object lock = new Object();
    private Resources resources;

    /** A passed HTTP check is an answered request: it may end an outlier ejection early. */
    @Override
    public boolean checksResponses() {
        return true;
    }

    HttpHealthCheck(String method, String path, StatusRanges expectedStatuses, String expectedBody, Duration timeout) {
        this(method, path, expectedStatuses, expectedBody, timeout, null, null);
    }

    private HttpHealthCheck(String method, String path, StatusRanges expectedStatuses, String expectedBody,
            Duration timeout, SSLContext sslContext, SSLParameters sslParameters) {
        this.sslContext = sslContext;
        this.sslParameters = sslParameters;
        this.method = method;
        this.path = path;
        this.expectedStatuses = expectedStatuses;
        this.expectedBody = expectedBody;
        this.timeout = timeout;
    }

    /** This probe reaching https backends with {@code context} and {@code parameters}. */
    HttpHealthCheck withTls(SSLContext context, SSLParameters parameters) {
        return new HttpHealthCheck(method, path, expectedStatuses, expectedBody, timeout, context, parameters);
    }

    private static final class Resources {
        final ExecutorService executor;
        final HttpClient client;

        Resources(Duration timeout, SSLContext sslContext, SSLParameters sslParameters) {
            executor = Executors.newCachedThreadPool(r -> {
                Thread t = new Thread(r, "jlb-health-http-" + THREADS.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
            HttpClient.Builder builder = HttpClient.newBuilder();
            if (sslContext != null) {
                builder.sslContext(sslContext);
            }
            if (sslParameters != null) {
                builder.sslParameters(sslParameters);
            }
            client = builder
                    .version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(timeout)
                    .followRedirects(HttpClient.Redirect.NEVER)
                    .proxy(HttpClient.Builder.NO_PROXY)
                    .executor(executor)
                    .build();
        }
    }

    private Resources resources() {
        synchronized (lock) {
            if (resources == null) {
                resources = new Resources(timeout, sslContext, sslParameters);
            }
            return resources;
        }
    }

    @Override
    public CompletionStage<HealthCheckResult> check(Backend backend) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(backend.uri() + path))
                .method(method, HttpRequest.BodyPublishers.noBody())
                .timeout(timeout)
                .header("User-Agent", "jlb-health-check")
                .build();
        HttpClient client = resources().client;
        if (expectedBody == null) {
            return client.sendAsync(request, HttpResponse.BodyHandlers.discarding())
                    .thenApply(response -> judge(response.statusCode(), null));
        }
        return client.sendAsync(request, info -> new LimitedStringSubscriber(MAX_BODY_BYTES))
                .thenApply(response -> judge(response.statusCode(), response.body()));
    }

    HealthCheckResult judge(int status, String body) {
        if (!expectedStatuses.contains(status)) {
            return HealthCheckResult.unhealthy("status " + status);
        }
        if (expectedBody != null && (body == null || !body.contains(expectedBody))) {
            return HealthCheckResult.unhealthy("status " + status + " without \"" + expectedBody + "\" in the body");
        }
        return HealthCheckResult.healthy("status " + status);
    }

    @Override
    public void close() {
        Resources old;
        synchronized (lock) {
            old = resources;
            resources = null;
        }
        if (old != null) {
            old.executor.shutdownNow();
        }
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof HttpHealthCheck)) {
            return false;
        }
        HttpHealthCheck that = (HttpHealthCheck) o;
        return method.equals(that.method) && path.equals(that.path) && expectedStatuses.equals(that.expectedStatuses)
                && Objects.equals(expectedBody, that.expectedBody) && timeout.equals(that.timeout)
                && Objects.equals(sslContext, that.sslContext);
    }

    @Override
    public int hashCode() {
        return Objects.hash(method, path, expectedStatuses, expectedBody, timeout);
    }

    @Override
    public String toString() {
        return "http " + method + ' ' + path + " expecting " + expectedStatuses
                + (expectedBody == null ? "" : " and \"" + expectedBody + "\"") + " within " + Durations.format(timeout)
                + (sslContext == null ? "" : " (tls " + sslContext.getProtocol() + ")");
    }

    /** Collects at most {@code limit} bytes of a body, then cancels the rest. */
    static final class LimitedStringSubscriber implements HttpResponse.BodySubscriber<String> {
        private final int limit;
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final CompletableFuture<String> result = new CompletableFuture<>();
        private Flow.Subscription subscription;

        LimitedStringSubscriber(int limit) {
            this.limit = limit;
        }

        @Override
        public CompletionStage<String> getBody() {
            return result;
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            this.subscription = subscription;
            subscription.request(1);
        }

        @Override
        public void onNext(List<ByteBuffer> items) {
            for (ByteBuffer item : items) {
                int n = Math.min(item.remaining(), limit - bytes.size());
                byte[] chunk = new byte[n];
                item.get(chunk);
                bytes.write(chunk, 0, n);
                if (bytes.size() >= limit) {
                    subscription.cancel();
                    onComplete();
                    return;
                }
            }
            subscription.request(1);
        }

        @Override
        public void onError(Throwable throwable) {
            result.completeExceptionally(throwable);
        }

        @Override
        public void onComplete() {
            result.complete(new String(bytes.toByteArray(), StandardCharsets.UTF_8));
        }
    }
}
