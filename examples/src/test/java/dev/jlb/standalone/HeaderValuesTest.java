package dev.jlb.standalone;

import dev.jlb.testing.TestBackend;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.jetty.config.ConfigFormat;
import dev.jlb.jetty.config.ConfigLoader;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Header values reach backends exactly as the client sent them. Jetty's per-connection header
 * cache compares values case-insensitively unless told otherwise, which on a kept-alive connection
 * would hand a backend an earlier request's spelling of a {@code Cookie} (cookies are case-sensitive).
 */
class HeaderValuesTest {

    @Test
    void aCookieThatDiffersOnlyInCaseFromTheLastOneOnTheConnectionPassesUnchanged() throws Exception {
        try (TestBackend backend = new TestBackend("b1");
                Standalone balancer = Standalone.start(ConfigLoader.parse("""
                        server: {address: 127.0.0.1, port: 0}
                        routes:
                          - path: /
                            backends: ["%s"]
                            health_check: {type: none}
                        """.formatted(backend.uri()), "t.yaml", ConfigFormat.YAML));
                Socket socket = new Socket(InetAddress.getLoopbackAddress(), balancer.port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            assertThat(exchange(out, in, "session=AbC")).isEqualTo("session=AbC");
            assertThat(exchange(out, in, "SESSION=abc")).isEqualTo("SESSION=abc");
            assertThat(exchange(out, in, "session=AbC")).isEqualTo("session=AbC");
        }
    }

    /** One keep-alive GET with the given Cookie; returns the body (the Cookie the backend received). */
    private static String exchange(OutputStream out, BufferedReader in, String cookie) throws Exception {
        out.write(("GET /x?echo=Cookie HTTP/1.1\r\nHost: localhost\r\nCookie: " + cookie + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        String status = in.readLine();
        assertThat(status).startsWith("HTTP/1.1 200");
        int length = -1;
        for (String line = in.readLine(); !line.isEmpty(); line = in.readLine()) {
            if (line.regionMatches(true, 0, "Content-Length:", 0, 15)) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        assertThat(length).as("a Content-Length").isNotNegative();
        char[] body = new char[length];
        int read = 0;
        while (read < length) {
            int n = in.read(body, read, length - read);
            assertThat(n).as("body bytes").isPositive();
            read += n;
        }
        return new String(body);
    }
}
