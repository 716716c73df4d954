package dev.jlb.jetty;

import java.util.function.Consumer;
import org.eclipse.jetty.client.HttpClient;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A test class's HTTP client, started before its tests and stopped after them:
 * {@code @RegisterExtension static final ClientExtension CLIENT = new ClientExtension();} then
 * {@code CLIENT.get()}; {@code new ClientExtension(c -> c.setFollowRedirects(false))} configures it
 * before it starts.
 */
final class ClientExtension implements BeforeAllCallback, AfterAllCallback {

    private final Consumer<HttpClient> configuration;
    private HttpClient client;

    /** Jetty's default client. */
    ClientExtension() {
        this(c -> { });
    }

    /** A client that {@code configuration} sets up before it starts. */
    ClientExtension(Consumer<HttpClient> configuration) {
        this.configuration = configuration;
    }

    /** The started client. */
    HttpClient get() {
        if (client == null) {
            throw new IllegalStateException("the client starts before the class's tests (register the extension as a static field)");
        }
        return client;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        client = new HttpClient();
        configuration.accept(client);
        client.start();
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        HttpClient c = client;
        client = null;
        if (c != null) {
            c.stop();
        }
    }
}
