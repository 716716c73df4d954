package dev.jlb.jetty.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.io.ArrayByteBufferPool;
import org.junit.jupiter.api.Test;

/**
 * The pooled growable buffer a request head is kept and rewritten in: growing into a larger
 * pooled buffer moves the head it holds along (its offsets still name its headers), and every
 * buffer it took goes back to the pool once.
 */
class RequestWriterOutTest {

    @Test
    void growingMovesTheHeadItHoldsAndGivesTheSmallerBufferBack() {
        ArrayByteBufferPool.Tracking pool = new ArrayByteBufferPool.Tracking(0, 16, 4096);
        String value = "v".repeat(100);
        byte[] input = ("xxGET /p HTTP/1.1\r\nHost: t\r\nX-A: " + value + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
        RequestHead head = new RequestHead();
        assertThat(HeadParser.parseRequest(head, input, 2, input.length, 8192, 8192)).isEqualTo(HeadParser.OK);
        int length = head.end - head.start;

        RequestWriter.Out out = new RequestWriter.Out(pool, length, head);
        out.putHead(head.start, head.end);
        head.moveTo(out.bytes, out.base - head.start);
        byte[] first = out.bytes;
        out.putHead(head.nameStart[1], head.valueEnd[1]); // beyond the capacity: grows

        assertThat(out.bytes).as("grown into another buffer").isNotSameAs(first);
        assertThat(head.bytes).isSameAs(out.bytes);
        assertThat(head.value(1)).isEqualTo(value);
        assertThat(head.method()).isEqualTo("GET");
        assertThat(head.header("host")).isEqualTo("t");
        String written = new String(out.bytes, out.base, out.size, StandardCharsets.ISO_8859_1);
        assertThat(written).isEqualTo(new String(input, 2, length, StandardCharsets.ISO_8859_1) + "X-A: " + value);
        assertThat(pool.getLeaks()).as("the smaller buffer went back").hasSize(1);

        out.finish().release();
        assertThat(pool.getLeaks()).as(pool.dumpLeaks()).isEmpty();
    }

    @Test
    void numbersAreWrittenAsDigits() {
        ArrayByteBufferPool.Tracking pool = new ArrayByteBufferPool.Tracking();
        RequestWriter.Out out = new RequestWriter.Out(pool, 4, null);
        out.putInt(0).put(":").putInt(8080).put(":").putInt(65535);
        assertThat(new String(out.bytes, out.base, out.size, StandardCharsets.ISO_8859_1)).isEqualTo("0:8080:65535");
        out.release();
        assertThat(pool.getLeaks()).isEmpty();
    }
}
