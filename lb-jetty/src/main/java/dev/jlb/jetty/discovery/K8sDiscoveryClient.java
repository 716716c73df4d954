package dev.jlb.jetty.discovery;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@link K8sDiscovery}'s side of the API server protocol: lists the {@code discovery.k8s.io/v1}
 * EndpointSlices labelled {@code kubernetes.io/service-name=<service>} and watches them from a
 * resourceVersion, applying each slice and each event to {@link K8sSlices} and calling
 * {@code report} after every change. A 410 Gone (as a status or as an ERROR event) is thrown as
 * {@link Gone}; any other bad answer as an {@link IOException}.
 *
 * <p>{@link #list()} and {@link #watch(String)} run on the discovery's thread only; {@link #close()}
 * may be called from any thread and ends a watch in progress.
 */
final class K8sDiscoveryClient {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final KubeCredentials credentials;
    /** The slices' path and label selector, to which a watch adds its parameters. */
    private final String path;
    private final Duration timeout;
    private final int watchSeconds;
    private final K8sSlices slices;
    private final Runnable report;
    private final HttpClient client;
    private volatile boolean closed;
    private volatile InputStream watching;

    K8sDiscoveryClient(String service, String namespace, KubeCredentials credentials, Duration timeout,
            int watchSeconds, K8sSlices slices, Runnable report) {
        this.credentials = credentials;
        this.path = "/apis/discovery.k8s.io/v1/namespaces/" + namespace + "/endpointslices?labelSelector="
                + URLEncoder.encode("kubernetes.io/service-name=" + service, StandardCharsets.UTF_8);
        this.timeout = timeout;
        this.watchSeconds = watchSeconds;
        this.slices = slices;
        this.report = report;
        HttpClient.Builder hb = HttpClient.newBuilder().connectTimeout(timeout);
        if (credentials.ssl() != null) {
            hb.sslContext(credentials.ssl());
        }
        this.client = hb.build();
    }

    /** The watch's resourceVersion has expired: list again. */
    static final class Gone extends IOException {
        Gone() {
            super("410 Gone");
        }
    }

    /** Stops: a watch in progress ends (its stream is closed), one about to start returns at once. */
    void close() {
        closed = true;
        InputStream in = watching;
        if (in != null) {
            try {
                in.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    private HttpRequest.Builder request(String pathAndQuery) throws IOException {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(credentials.apiServer() + pathAndQuery))
                .header("Accept", "application/json");
        String authorization = credentials.authorization();
        if (authorization != null) {
            r.header("Authorization", authorization);
        }
        return r;
    }

    /** Lists the slices, reports the merge, returns the list's resourceVersion. */
    @SuppressWarnings("unchecked")
    String list() throws IOException, InterruptedException {
        HttpResponse<String> response = client.send(request(path).timeout(timeout).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("list: HTTP " + response.statusCode());
        }
        Map<String, Object> body = JSON.readValue(response.body(), Map.class);
        slices.clear();
        for (Object item : (List<Object>) body.getOrDefault("items", List.of())) {
            slices.put((Map<String, Object>) item);
        }
        report.run();
        return (String) ((Map<String, Object>) body.getOrDefault("metadata", Map.of())).get("resourceVersion");
    }

    /** Watches from {@code rv} until the stream ends; returns the last resourceVersion seen. */
    @SuppressWarnings("unchecked")
    String watch(String rv) throws IOException, InterruptedException {
        String q = path + "&watch=true&allowWatchBookmarks=true&timeoutSeconds=" + watchSeconds
                + (rv == null ? "" : "&resourceVersion=" + URLEncoder.encode(rv, StandardCharsets.UTF_8));
        HttpResponse<InputStream> response = client.send(request(q).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = response.body()) {
            if (response.statusCode() == 410) {
                throw new Gone();
            }
            if (response.statusCode() != 200) {
                throw new IOException("watch: HTTP " + response.statusCode());
            }
            watching = in;
            if (closed) {
                return rv;
            }
            BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            String line;
            while ((line = lines.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                Map<String, Object> event = JSON.readValue(line, Map.class);
                String type = String.valueOf(event.get("type"));
                Map<String, Object> object = (Map<String, Object>) event.getOrDefault("object", Map.of());
                if (type.equals("ERROR")) {
                    Object code = object.get("code");
                    if (code instanceof Number n && n.intValue() == 410) {
                        throw new Gone();
                    }
                    throw new IOException("watch: ERROR event " + object.get("message"));
                }
                String version = (String) ((Map<String, Object>) object.getOrDefault("metadata", Map.of()))
                        .get("resourceVersion");
                switch (type) {
                    case "ADDED", "MODIFIED" -> slices.put(object);
                    case "DELETED" -> slices.remove(object);
                    case "BOOKMARK" -> { }
                    default -> throw new IOException("watch: unknown event type " + type);
                }
                if (version != null) {
                    rv = version;
                }
                if (!type.equals("BOOKMARK")) {
                    report.run();
                }
            }
            return rv;
        } finally {
            watching = null;
        }
    }
}
