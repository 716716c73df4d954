package dev.jlb.jetty.fault;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.jetty.ProxyRecord;
import dev.jlb.jetty.RefusedRecord;
import dev.jlb.jetty.engine.HttpEngine;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Test;

/** Issue 10, point 14: the engine reports the answers it writes before any route takes a request. */
@Timeout(30)
class EngineRefusalTest {

    @Test
    void malformedHeadsAreReportedWithWhatWasRead() throws Exception {
        List<RefusedRecord> seen = new CopyOnWriteArrayList<>();
        Server server = new Server();
        HttpEngine engine = new HttpEngine(server.getThreadPool(), server.getScheduler(), server.getByteBufferPool())
                .refusalListener(r -> seen.add((RefusedRecord) r));
        HttpConfiguration http = new HttpConfiguration();
        http.setHttpCompliance(HttpEngine.strictCompliance());
        ServerConnector connector = new ServerConnector(server, 1, 1, engine, new HttpConnectionFactory(http));
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        server.start();
        try {
            int port = connector.getLocalPort();
            assertThat(RawClient.exchange(port, "GET /a?q=1 HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n").status())
                    .isEqualTo(400);
            assertThat(RawClient.exchange(port, "GET /" + "a".repeat(9000) + " HTTP/1.1\r\nHost: x\r\n\r\n").status())
                    .isEqualTo(414);
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (seen.size() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertThat(seen).hasSize(2);
            RefusedRecord twoHosts = seen.get(0);
            assertThat(twoHosts.method()).isEqualTo("GET");
            assertThat(twoHosts.path()).isEqualTo("/a");
            assertThat(twoHosts.query()).isEqualTo("q=1");
            assertThat(twoHosts.clientAddress()).isEqualTo("127.0.0.1");
            assertThat(twoHosts.status()).isEqualTo(400);
            assertThat(twoHosts.outcome()).isEqualTo(ProxyRecord.Outcome.REFUSED);
            assertThat(twoHosts.prefix()).isNull();
            assertThat(twoHosts.backend()).isNull();
            assertThat(twoHosts.attempts()).isZero();
            RefusedRecord tooLong = seen.get(1);
            assertThat(tooLong.status()).isEqualTo(414);
            assertThat(tooLong.method()).isEqualTo("GET");
            assertThat(tooLong.path()).as("the target was never read whole").isEqualTo("-");
        } finally {
            server.stop();
        }
    }
}
