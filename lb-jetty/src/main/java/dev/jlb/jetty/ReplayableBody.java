package dev.jlb.jetty;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.io.Content;

/**
 * The client's request body, streamed to one backend attempt after another, keeping a copy of the
 * bytes read so far while they fit under the retry buffer limit.
 *
 * <p>Nothing is read ahead: the first attempt streams the body as it arrives, and each byte read
 * from the client is also copied into a buffer of at most {@code limit} bytes. A later attempt
 * first replays that copy, then goes on reading the client where the previous attempt stopped.
 * The body is {@linkplain #replayable() replayable} as long as every byte read from the client is
 * still held: always for a body under the limit, and for a larger one only until its first byte is
 * read (as after a connect failure, when the backend never saw the request). This is what keeps a
 * consumed body from being re-sent truncated to another backend.
 *
 * <p>Attempts run one after another: a new {@link #newContent()} detaches the previous content,
 * which then fails its reads and never fails the client's source (a later attempt still needs it).
 * All demand on the client's source goes through one registration, handed to the current attempt,
 * so that a demand left pending by a failed attempt does not collide with the next one.
 */
final class ReplayableBody implements Runnable {

    private static final int INITIAL_CAPACITY = 4096;

    private final Content.Source source;
    private final long length;
    private final String contentType;
    private final int limit;
    private final AtomicBoolean demandPending = new AtomicBoolean();

    private byte[] kept;
    private volatile int keptLength;
    private volatile boolean overflow;
    private volatile boolean complete;
    private volatile Throwable clientFailure;
    private volatile long bytesRead;
    private volatile AttemptContent current;

    /**
     * @param source the client's request content
     * @param length the declared length, or -1 when unknown (chunked)
     * @param contentType the client's {@code Content-Type}, or null
     * @param limit the most bytes kept for replay; 0 keeps none
     */
    ReplayableBody(Content.Source source, long length, String contentType, int limit) {
        this.source = source;
        this.length = length;
        this.contentType = contentType;
        this.limit = limit;
    }

    /** Whether a new attempt can send the whole body again, byte for byte. */
    boolean replayable() {
        return !overflow && clientFailure == null;
    }

    /** The failure of the client's body, such as a client that went away mid-upload, or null. */
    Throwable clientFailure() {
        return clientFailure;
    }

    /** Whether the client's body has ended and every byte of it is held for replay. */
    boolean completeAndHeld() {
        return complete && !overflow && clientFailure == null;
    }

    /** How many bytes are held for replay. */
    int heldLength() {
        return keptLength;
    }

    /** The held byte at {@code index} ({@code < heldLength()}), as 0..255. */
    int heldByte(int index) {
        return kept[index] & 0xff;
    }

    /** Bytes read from the client so far. */
    long bytesRead() {
        return bytesRead;
    }

    /** The content for a new attempt; detaches the previous one. */
    Request.Content newContent() {
        AttemptContent previous = current;
        if (previous != null) {
            previous.detached = true;
        }
        AttemptContent content = new AttemptContent();
        current = content;
        return content;
    }

    private Content.Chunk readSource() {
        Content.Chunk chunk = source.read();
        if (chunk == null) {
            return null;
        }
        if (Content.Chunk.isFailure(chunk)) {
            clientFailure = chunk.getFailure();
            return chunk;
        }
        ByteBuffer buffer = chunk.getByteBuffer();
        int n = buffer.remaining();
        if (n > 0) {
            bytesRead += n;
            if (!overflow) {
                keep(buffer, n);
            }
        }
        if (chunk.isLast()) {
            complete = true;
        }
        return chunk;
    }

    private void keep(ByteBuffer buffer, int n) {
        int size = keptLength;
        if (length > limit || size + n > limit) {
            overflow = true;
            kept = null;
            return;
        }
        if (kept == null) {
            kept = new byte[length >= 0 ? (int) length : Math.min(limit, Math.max(INITIAL_CAPACITY, n))];
        } else if (size + n > kept.length) {
            kept = Arrays.copyOf(kept, Math.min(limit, Math.max(size + n, kept.length * 2)));
        }
        buffer.get(buffer.position(), kept, size, n); // absolute: leaves the chunk for the backend
        keptLength = size + n;
    }

    private void demand(AttemptContent content, Runnable demander) {
        content.demander = demander;
        if (demandPending.compareAndSet(false, true)) {
            source.demand(this);
        }
    }

    /** The client's source has content: wake the current attempt. */
    @Override
    public void run() {
        demandPending.set(false);
        AttemptContent content = current;
        Runnable demander = content.demander;
        if (demander != null && !content.detached) {
            content.demander = null;
            demander.run();
        }
    }

    @Override
    public String toString() {
        return "ReplayableBody{length=" + length + ", read=" + bytesRead + ", kept=" + keptLength + ", limit=" + limit
                + ", replayable=" + replayable() + ", complete=" + complete + '}';
    }

    /** One attempt's view: the kept bytes first, then the rest of the client's body. */
    private final class AttemptContent implements Request.Content {
        private int position;
        volatile boolean detached;
        volatile Runnable demander;

        @Override
        public String getContentType() {
            return contentType;
        }

        @Override
        public long getLength() {
            if (length >= 0) {
                return length;
            }
            return complete && !overflow ? keptLength : -1;
        }

        @Override
        public Content.Chunk read() {
            if (detached) {
                return Content.Chunk.from(new IOException("request body superseded by a later attempt"), true);
            }
            int end = keptLength;
            if (position < end) {
                if (overflow) {
                    return Content.Chunk.from(new IOException("request body cannot be replayed"), true);
                }
                ByteBuffer replay = ByteBuffer.wrap(kept, position, end - position).slice();
                position = end;
                return Content.Chunk.from(replay, complete && !overflow);
            }
            if (complete) {
                return Content.Chunk.EOF;
            }
            Content.Chunk chunk = readSource();
            if (chunk != null && !overflow) {
                position = keptLength;
            }
            return chunk;
        }

        @Override
        public void demand(Runnable demander) {
            if (detached || position < keptLength || complete) {
                demander.run();
            } else {
                ReplayableBody.this.demand(this, demander);
            }
        }

        @Override
        public void fail(Throwable failure) {
            // The client's body outlives this attempt: a retry may still need it.
            detached = true;
        }

        @Override
        public void fail(Throwable failure, boolean last) {
            detached = true;
        }

        @Override
        public boolean rewind() {
            return false;
        }
    }
}
