package dev.jlb.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.jetty.config.ConfigFormat;
import dev.jlb.jetty.config.ConfigLoader;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Requests that Jetty itself rejects on the balancer's port get one line of plain text with the
 * status, not Jetty's HTML error page.
 */
class ErrorResponseTest {

    private static Standalone balancer;

    @BeforeAll
    static void start() throws Exception {
        balancer = Standalone.start(ConfigLoader.parse("""
                server: {address: 127.0.0.1, port: 0}
                routes:
                  - path: /lb
                    backends: ["http://127.0.0.1:1"]
                    health_check: {type: none}
                """, "t.yaml", ConfigFormat.YAML));
    }

    @AfterAll
    static void stop() throws Exception {
        balancer.close();
    }

    /** Sends raw bytes on a new connection; returns everything the balancer answers until it closes. */
    private static String raw(String request) throws Exception {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), balancer.port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            byte[] buffer = new byte[4096];
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                answer.write(buffer, 0, n);
            }
            return answer.toString(StandardCharsets.ISO_8859_1);
        }
    }

    @Test
    void aMalformedHeaderGetsAPlain400() throws Exception {
        String answer = raw("GET /lb HTTP/1.1\r\nHost: localhost\r\nNo colon here\r\n\r\n");
        assertThat(answer).startsWith("HTTP/1.1 400 Bad Request\r\n")
                .containsIgnoringCase("\r\nContent-Type: text/plain;charset=utf-8\r\n");
        // The lean engine sits first on the connector and refuses the head before Jetty's parser sees it.
        assertThat(body(answer)).isEqualTo("bad request: malformed request head\n");
    }

    @Test
    void anUnsupportedProtocolVersionGetsAPlain505() throws Exception {
        String answer = raw("GET /lb HTTP/7.0\r\nHost: localhost\r\n\r\n");
        assertThat(answer).startsWith("HTTP/1.1 505 HTTP Version Not Supported\r\n");
        assertThat(body(answer)).isEqualTo("http version not supported\n");
    }

    private static String body(String answer) {
        return answer.substring(answer.indexOf("\r\n\r\n") + 4);
    }
}
