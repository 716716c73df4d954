package dev.jlb.jetty;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.content.AsyncContent;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.Test;

class ReplayableBodyTest {

    private static byte[] bytes(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 31 + seed);
        }
        return b;
    }

    /** Reads a source to its end (or to a failure), synchronously: the test sources never wait. */
    private static byte[] drain(Content.Source source, int maxChunks) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < maxChunks; i++) {
            Content.Chunk chunk = source.read();
            if (chunk == null) {
                break;
            }
            if (Content.Chunk.isFailure(chunk)) {
                throw new AssertionError("failure chunk", chunk.getFailure());
            }
            ByteBuffer buffer = chunk.getByteBuffer();
            byte[] b = new byte[buffer.remaining()];
            buffer.get(b);
            out.writeBytes(b);
            chunk.release();
            if (chunk.isLast()) {
                break;
            }
        }
        return out.toByteArray();
    }

    private static AsyncContent source(byte[]... parts) {
        AsyncContent content = new AsyncContent();
        for (byte[] part : parts) {
            content.write(false, ByteBuffer.wrap(part), Callback.NOOP);
        }
        content.close();
        return content;
    }

    @Test
    void aBodyUnderTheLimitIsReplayedByteForByte() {
        byte[] a = bytes(3000, 1);
        byte[] b = bytes(5000, 2);
        ReplayableBody body = new ReplayableBody(source(a, b), -1, "text/plain", 10_000);

        Content.Source first = body.newContent();
        byte[] sent = drain(first, 10);
        assertThat(sent).hasSize(8000);
        assertThat(body.replayable()).isTrue();
        assertThat(body.bytesRead()).isEqualTo(8000);

        Content.Source second = body.newContent();
        assertThat(second.getLength()).isEqualTo(8000);
        assertThat(drain(second, 10)).isEqualTo(sent);
        assertThat(first.read().getFailure()).isInstanceOf(IOException.class)
                .hasMessage("request body superseded by a later attempt");
    }

    @Test
    void aPartiallySentBodyIsReplayedThenContinued() {
        byte[] a = bytes(1000, 3);
        byte[] b = bytes(1000, 4);
        ReplayableBody body = new ReplayableBody(source(a, b), 2000, null, 4096);

        Content.Source first = body.newContent();
        Content.Chunk chunk = first.read(); // the backend failed after the first chunk
        assertThat(chunk.remaining()).isEqualTo(1000);
        chunk.release();
        first.fail(new IOException("backend reset"));
        assertThat(body.replayable()).isTrue();

        Content.Source second = body.newContent();
        assertThat(second.getLength()).isEqualTo(2000);
        byte[] all = drain(second, 10);
        assertThat(all).hasSize(2000);
        assertThat(java.util.Arrays.copyOfRange(all, 0, 1000)).isEqualTo(a);
        assertThat(java.util.Arrays.copyOfRange(all, 1000, 2000)).isEqualTo(b);
    }

    @Test
    void aBodyOverTheLimitIsReplayableOnlyUntilItsFirstByteIsRead() {
        ReplayableBody body = new ReplayableBody(source(bytes(100, 5), bytes(100, 6)), 200, null, 150);
        assertThat(body.replayable()).as("nothing read yet (a connect failure)").isTrue();

        Content.Source first = body.newContent();
        Content.Chunk chunk = first.read();
        chunk.release();
        assertThat(body.replayable()).as("declared over the limit: the first byte ends it").isFalse();
    }

    @Test
    void aChunkedBodyStopsBeingReplayableWhenItOutgrowsTheLimit() {
        ReplayableBody body = new ReplayableBody(source(bytes(100, 7), bytes(100, 8)), -1, null, 150);
        Content.Source first = body.newContent();
        first.read().release();
        assertThat(body.replayable()).isTrue();
        first.read().release();
        assertThat(body.replayable()).isFalse();
    }

    @Test
    void aZeroLimitKeepsNothing() {
        ReplayableBody body = new ReplayableBody(source(bytes(10, 9)), 10, null, 0);
        body.newContent().read().release();
        assertThat(body.replayable()).isFalse();
    }

    @Test
    void aFailedClientBodyIsNeverReplayable() {
        AsyncContent content = new AsyncContent();
        content.fail(new IOException("client went away"));
        ReplayableBody body = new ReplayableBody(content, -1, null, 1000);
        Content.Chunk chunk = body.newContent().read();
        assertThat(Content.Chunk.isFailure(chunk)).isTrue();
        assertThat(body.replayable()).isFalse();
        assertThat(body.clientFailure()).hasMessage("client went away");
    }

    @Test
    void aLaterAttemptInheritsADemandLeftPendingOnTheClientSource() throws Exception {
        AsyncContent content = new AsyncContent();
        ReplayableBody body = new ReplayableBody(content, -1, null, 1000);
        Content.Source first = body.newContent();
        assertThat(first.read()).isNull();
        boolean[] firstWoken = new boolean[1];
        first.demand(() -> firstWoken[0] = true);
        first.fail(new IOException("attempt failed"));

        Content.Source second = body.newContent();
        boolean[] secondWoken = new boolean[1];
        second.demand(() -> secondWoken[0] = true);
        content.write(true, ByteBuffer.wrap(bytes(10, 1)), Callback.NOOP);

        assertThat(firstWoken[0]).isFalse();
        assertThat(secondWoken[0]).isTrue();
        assertThat(drain(second, 5)).hasSize(10);
    }
}
