package dev.jlb.jetty.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The engine's chunked-body scanner: where a body ends, and the limits on extensions and trailers. */
class ChunkScannerTest {

    private static int scan(String body) {
        ChunkScanner s = new ChunkScanner();
        s.reset();
        byte[] b = body.getBytes(StandardCharsets.ISO_8859_1);
        int n = s.scan(b, 0, b.length);
        return n == ChunkScanner.ERROR ? n : s.done() ? n : -2;
    }

    @Test
    void aBodyEndsAfterItsLastChunkAndTrailers() {
        String body = "3\r\nabc\r\nA;name=value\r\n0123456789\r\n0\r\nX-Trailer: 1\r\n\r\n";
        assertThat(scan(body + "GET / HTTP/1.1\r\n")).isEqualTo(body.length());
        assertThat(scan("3\r\nabc\r\n")).as("not ended yet").isEqualTo(-2);
    }

    @Test
    void extensionsOfOneChunkAreBoundedAt4KiB() {
        String ok = "3;" + "e".repeat(ChunkScanner.MAX_EXTENSION - 1) + "\r\nabc\r\n0\r\n\r\n";
        assertThat(scan(ok)).isEqualTo(ok.length());
        String tooLong = "3;" + "e".repeat(ChunkScanner.MAX_EXTENSION) + "\r\nabc\r\n0\r\n\r\n";
        assertThat(scan(tooLong)).isEqualTo(ChunkScanner.ERROR);
        // The bound is per chunk: two chunks of long extensions each pass.
        String two = "1;" + "e".repeat(3000) + "\r\na\r\n1;" + "e".repeat(3000) + "\r\nb\r\n0\r\n\r\n";
        assertThat(scan(two)).isEqualTo(two.length());
    }

    @Test
    void trailersAreBoundedAt8KiBInAll() {
        String line = "X-T: " + "v".repeat(1000) + "\r\n";
        String ok = "0\r\n" + line.repeat(8) + "\r\n";
        assertThat(scan(ok)).isEqualTo(ok.length());
        assertThat(scan("0\r\n" + line.repeat(9) + "\r\n")).isEqualTo(ChunkScanner.ERROR);
    }

    @Test
    void strictFraming() {
        assertThat(scan("3\nabc\r\n0\r\n\r\n")).as("bare LF").isEqualTo(ChunkScanner.ERROR);
        assertThat(scan("x\r\n")).as("not hex").isEqualTo(ChunkScanner.ERROR);
        assertThat(scan("1000000000000000\r\n")).as("overflow").isEqualTo(ChunkScanner.ERROR);
        assertThat(scan("3\r\nabcd\r\n")).as("data longer than its size").isEqualTo(ChunkScanner.ERROR);
    }
}
