package dev.jlb.examples;

import dev.jlb.LoadBalancer;
import dev.jlb.RequestContext;
import dev.jlb.Selection;
import dev.jlb.strategy.Strategies;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;

/** The core alone (lb-api and lb-strategies, no Jetty): jlb picks, the application sends. */
public final class CoreExample implements AutoCloseable {

    private final LoadBalancer lb;
    private final HttpClient http = HttpClient.newHttpClient();

    public CoreExample(List<String> backends) {
        lb = LoadBalancer.builder()
                .backends(backends.toArray(String[]::new))
                .strategy(Strategies.powerOfTwoChoices())
                .build();
    }

    /** GET {@code path} from the backend jlb picks, and tell jlb how it went. */
    public String get(String path) throws IOException, InterruptedException {
        // select: the backend's in-flight count goes up until the selection completes, exactly once
        try (Selection selection = lb.select(RequestContext.of("GET", path))) {
            long start = System.nanoTime();
            HttpResponse<String> response;
            try {
                response = http.send(HttpRequest.newBuilder(selection.backend().uri().resolve(path)).build(),
                        HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                selection.onFailure(e); // passive health counts it
                throw e;
            }
            selection.onSuccess(response.statusCode(), System.nanoTime() - start);
            return response.body();
        } // an exception before a completion: close() completes it as cancelled
    }

    /** Stops the threads the load balancer started (health checks, when configured). */
    @Override
    public void close() {
        lb.close();
    }
}
