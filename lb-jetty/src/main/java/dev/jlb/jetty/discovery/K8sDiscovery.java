package dev.jlb.jetty.discovery;

import dev.jlb.Backend;
import dev.jlb.discovery.DiscoveredBackend;
import dev.jlb.discovery.Discovery;
import dev.jlb.discovery.DiscoveryCounters;
import dev.jlb.discovery.DiscoveryStats;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.DoubleSupplier;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Backends from a Kubernetes Service: {@code k8s://service.namespace:port} (port: the name of the
 * EndpointSlice port, or its number). Lists the {@code discovery.k8s.io/v1} EndpointSlices labelled
 * {@code kubernetes.io/service-name=<service>}, merges them, then watches them from the list's
 * resourceVersion; a 410 Gone (as a status or as an ERROR event) lists again.
 *
 * <p>Endpoints: ready ({@code conditions.ready} true or absent) and not terminating: a backend of
 * the configured weight; terminating and serving: weight 0 (it drains); otherwise left out. On any
 * error (connection refused, a dropped watch, a bad answer) the last good membership stays and the
 * discovery tries again after an exponential back-off from {@code minBackoff} to {@code maxBackoff}.
 *
 * <p>Credentials, the first that applies (as client-go's rules): an explicit API server URL (with
 * a token file and a CA bundle); an explicit kubeconfig file; in-cluster (KUBERNETES_SERVICE_HOST/PORT,
 * the service account token and CA under {@value #SERVICE_ACCOUNT}); the default kubeconfig (the
 * first file of {@code KUBECONFIG}, else {@code ~/.kube/config}). A token file is read again for
 * every request (tokens rotate).
 *
 * <p>This class owns the lifecycle, the retry loop and the reports. Thread-safe: one daemon thread
 * per discovery lists, watches and reports; {@link #close()} ends a watch in progress from any thread.
 */
public final class K8sDiscovery implements Discovery {
    private static final Logger LOG = LoggerFactory.getLogger(K8sDiscovery.class);
    /** Where a pod finds its service account token, namespace and CA ({@code token}, {@code ca.crt}). */
    public static final String SERVICE_ACCOUNT = "/var/run/secrets/kubernetes.io/serviceaccount";

    private final String source;
    private final Builder b;
    private final KubeCredentials credentials;
    private final Backoff backoff;
    private final DiscoveryCounters counters = new DiscoveryCounters();
    /** Touched by the discovery thread only. */
    private final K8sSlices slices;
    private final K8sDiscoveryClient client;
    private volatile boolean closed;
    private Thread thread;
    private Listener listener;

    private K8sDiscovery(Builder b) {
        this.b = b;
        this.source = "k8s://" + b.service + "." + b.namespace + ":" + b.port;
        this.credentials = b.credentials();
        this.backoff = new Backoff(b.minBackoff, b.maxBackoff, b.jitter);
        this.slices = new K8sSlices(b.port, b.scheme, b.weight, source);
        this.client = new K8sDiscoveryClient(b.service, b.namespace, credentials, b.timeout, b.watchSeconds, slices,
                this::report);
    }

    /**
     * A builder for {@code k8s://service.namespace:port}; throws IllegalArgumentException naming the form.
     *
     * @param url the url
     * @return a new builder
     */
    public static Builder builder(String url) {
        return new Builder(Objects.requireNonNull(url, "url"));
    }

    /**
     * The source of a {@code k8s://} entry, normalised as {@link #source()} gives it.
     *
     * @param url the entry, such as {@code k8s://API.shop:http}
     * @return such as {@code k8s://api.shop:http}
     * @throws IllegalArgumentException naming the expected form
     */
    public static String sourceOf(String url) {
        Builder b = builder(url);
        return "k8s://" + b.service + "." + b.namespace + ":" + b.port;
    }

    @Override
    public String source() {
        return source;
    }

    @Override
    public DiscoveryStats stats() {
        return counters.stats(source);
    }

    @Override
    public synchronized void start(Listener listener) {
        if (this.listener != null) {
            throw new IllegalStateException(source + ": started twice");
        }
        this.listener = Objects.requireNonNull(listener, "listener");
        LOG.info("jlb: {}: watching EndpointSlices through {}", source, credentials.origin());
        thread = new Thread(this::run, "jlb-k8s-" + b.service + "." + b.namespace);
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void close() {
        closed = true;
        Thread t;
        synchronized (this) {
            t = thread;
        }
        client.close();
        if (t != null) {
            t.interrupt();
            try {
                t.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Waits between tries; the real one sleeps, a test's returns at once and records the delay. */
    @FunctionalInterface
    interface Sleeper {
        void sleep(Duration delay) throws InterruptedException;
    }

    private void run() {
        String rv = null;
        int failures = 0;
        while (!closed) {
            try {
                if (rv == null) {
                    rv = client.list();
                    failures = 0;
                }
                rv = client.watch(rv);
                failures = 0;
            } catch (K8sDiscoveryClient.Gone gone) {
                LOG.info("jlb: {}: watch from an expired resourceVersion (410 Gone): listing again", source);
                rv = null;
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                if (closed) {
                    return;
                }
                failures++;
                String error = Backoff.describe(e);
                counters.failed(error);
                Duration delay = backoff(failures);
                LOG.warn("jlb: {}: {} ({} in a row); keeping {} backends, next try in {} ms", source, error, failures,
                        slices.reportedSize(), delay.toMillis());
                try {
                    b.sleeper.sleep(delay);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    Duration backoff(int failures) {
        return backoff.delay(failures);
    }

    /** Reports the slices' merge when it changed. */
    private void report() {
        List<DiscoveredBackend> now = slices.merged();
        counters.resolved(now.size(), b.clock.millis());
        if (slices.changed(now) && !closed) {
            listener.onMembership(now);
        }
    }

    @Override
    public String toString() {
        return "K8sDiscovery{" + source + ", " + credentials.apiServer() + '}';
    }

    /** Builds a {@link K8sDiscovery}. Not thread-safe. */
    public static final class Builder {
        private final String service;
        private final String namespace;
        private final String port;
        private String apiServer;
        private Path tokenFile;
        private Path caFile;
        private String scheme = "http";
        private int weight = Backend.DEFAULT_WEIGHT;
        private Duration timeout = Duration.ofSeconds(10);
        private Duration minBackoff = Duration.ofSeconds(1);
        private Duration maxBackoff = Duration.ofSeconds(30);
        private int watchSeconds = 300;
        private Clock clock = Clock.systemUTC();
        private Path kubeconfig;
        private String context;
        private Function<String, String> env = System::getenv;
        private Path serviceAccount = Path.of(SERVICE_ACCOUNT);
        private Sleeper sleeper = d -> Thread.sleep(d.toMillis());
        private DoubleSupplier jitter = () -> java.util.concurrent.ThreadLocalRandom.current().nextDouble();

        private Builder(String url) {
            String u = url.trim();
            String form = "k8s://service.namespace:port (port: a name or a number)";
            if (!u.toLowerCase(Locale.ROOT).startsWith("k8s://")) {
                throw new IllegalArgumentException(url + " (expected: " + form + ")");
            }
            String rest = u.substring("k8s://".length());
            int colon = rest.lastIndexOf(':');
            int dot = colon < 0 ? -1 : rest.indexOf('.');
            if (colon < 0 || dot <= 0 || dot > colon || colon == rest.length() - 1 || rest.indexOf('.', dot + 1) >= 0
                    && rest.indexOf('.', dot + 1) < colon) {
                throw new IllegalArgumentException(url + " (expected: " + form + ")");
            }
            this.service = rest.substring(0, dot).toLowerCase(Locale.ROOT);
            this.namespace = rest.substring(dot + 1, colon).toLowerCase(Locale.ROOT);
            this.port = rest.substring(colon + 1);
            if (!service.matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?") || !namespace.matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?")) {
                throw new IllegalArgumentException(url + " (expected: " + form + ", names of lower-case letters, digits and -)");
            }
        }

        /**
         * The API server, such as {@code https://10.0.0.1:443}; default: in-cluster from KUBERNETES_SERVICE_HOST/PORT.
         *
         * @param url the url
         * @return this builder
         */
        public Builder apiServer(String url) {
            URI uri = URI.create(Objects.requireNonNull(url, "url"));
            if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
                throw new IllegalArgumentException("api_server: " + url + " (expected: an http or https URL)");
            }
            this.apiServer = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
            return this;
        }

        /**
         * The bearer token's file (read for every request); default: the service account's.
         *
         * @param tokenFile the token file
         * @return this builder
         */
        public Builder tokenFile(Path tokenFile) {
            this.tokenFile = tokenFile;
            return this;
        }

        /**
         * A kubeconfig file whose context names the API server and the credentials (token, token
         * file or client certificate; relative file names from the kubeconfig's directory).
         * Default: in a cluster, the service account; elsewhere {@code KUBECONFIG} or {@code ~/.kube/config}.
         *
         * @param kubeconfig the kubeconfig file
         * @return this builder
         */
        public Builder kubeconfig(Path kubeconfig) {
            this.kubeconfig = Objects.requireNonNull(kubeconfig, "kubeconfig");
            return this;
        }

        /**
         * The kubeconfig context to use (default: its {@code current-context}).
         *
         * @param context the context's name
         * @return this builder
         */
        public Builder context(String context) {
            this.context = Objects.requireNonNull(context, "context");
            return this;
        }

        /** The environment (KUBERNETES_SERVICE_HOST/PORT, KUBECONFIG, HOME); tests replace it. */
        Builder environment(Function<String, String> env, Path serviceAccount) {
            this.env = Objects.requireNonNull(env, "env");
            this.serviceAccount = Objects.requireNonNull(serviceAccount, "serviceAccount");
            return this;
        }

        /** How the discovery waits between tries, and the jitter in [0, 1); tests replace both. */
        Builder backoffClock(Sleeper sleeper, DoubleSupplier jitter) {
            this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
            this.jitter = Objects.requireNonNull(jitter, "jitter");
            return this;
        }

        /**
         * PEM CA certificates the API server's certificate is checked against; default: the service account's.
         *
         * @param caFile the ca file
         * @return this builder
         */
        public Builder caFile(Path caFile) {
            this.caFile = caFile;
            return this;
        }

        /**
         * {@code http} (default) or {@code https}: how the endpoints are spoken to.
         *
         * @param scheme the scheme
         * @return this builder
         */
        public Builder scheme(String scheme) {
            if (!"http".equals(scheme) && !"https".equals(scheme)) {
                throw new IllegalArgumentException("scheme: " + scheme + " (expected: http or https)");
            }
            this.scheme = scheme;
            return this;
        }

        /**
         * The weight of every ready endpoint (default 1).
         *
         * @param weight the weight
         * @return this builder
         */
        public Builder weight(int weight) {
            this.weight = Backend.checkWeight(weight);
            return this;
        }

        /**
         * The first and the longest retry delay after an error (defaults 1 s and 30 s).
         *
         * @param min the min
         * @param max the max
         * @return this builder
         */
        public Builder backoff(Duration min, Duration max) {
            if (min.isNegative() || min.isZero() || max.compareTo(min) < 0) {
                throw new IllegalArgumentException("backoff: " + min + ".." + max + " (expected: 0 < min <= max)");
            }
            this.minBackoff = min;
            this.maxBackoff = max;
            return this;
        }

        /**
         * The clock of {@link DiscoveryStats#lastSuccessEpochMillis()}.
         *
         * @param clock the clock
         * @return this builder
         */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Finds the API server and credentials as the class description says, reading the files
         * they name, without connecting.
         *
         * @return this builder
         * @throws IllegalArgumentException when a file is missing or not what it should be, or when
         *     no API server is given, none is found in the environment and there is no kubeconfig
         */
        public Builder check() {
            credentials();
            return this;
        }

        KubeCredentials credentials() {
            if (apiServer != null) {
                return KubeCredentials.explicit(apiServer, tokenFile, caFile);
            }
            if (kubeconfig != null) {
                return KubeCredentials.kubeconfig(kubeconfig, context);
            }
            if (env.apply("KUBERNETES_SERVICE_HOST") != null && env.apply("KUBERNETES_SERVICE_PORT") != null) {
                return KubeCredentials.inCluster(env, serviceAccount);
            }
            Path found = KubeCredentials.defaultKubeconfig(env);
            if (found != null) {
                return KubeCredentials.kubeconfig(found, context);
            }
            throw new IllegalArgumentException("k8s://" + service + "." + namespace + ":" + port + " (expected: an"
                    + " api_server or a kubeconfig; not in a cluster (KUBERNETES_SERVICE_HOST/PORT unset), KUBECONFIG"
                    + " unset and no ~/.kube/config)");
        }

        /**
         * {@return the discovery with this builder's settings (not started)}
         *
         * @throws IllegalArgumentException as {@link #check()}
         */
        public K8sDiscovery build() {
            return new K8sDiscovery(this);
        }
    }
}
