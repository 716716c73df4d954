package dev.jlb.jetty.upgrade;

import java.nio.ByteBuffer;

/**
 * Follows the WebSocket frames (RFC 6455 section 5.2) of one direction of a splice without
 * touching the bytes: where each frame ends, and whether a close frame went by. The splice needs
 * this only to put a close frame of its own between two frames (a removed backend, an idle
 * timeout, a side that went away without one); everything else passes as bytes.
 *
 * <p>Not thread-safe: one direction's pipe calls it, one read at a time.
 */
final class FrameTracker {

    private final byte[] header = new byte[14];
    private int have;
    private int need = 2;
    private long payloadLeft;
    private boolean closeSeen;

    /** Follows every byte between the buffer's position and limit; the buffer is not changed. */
    void consume(ByteBuffer buffer) {
        walk(buffer, false);
    }

    /**
     * Follows bytes up to the end of the current frame (or all of them when no frame ends in the
     * buffer) and returns how many: what may still be forwarded before a close frame is inserted.
     * Returns 0 when already between two frames.
     */
    int consumeToBoundary(ByteBuffer buffer) {
        return isAtBoundary() ? 0 : walk(buffer, true);
    }

    /** Whether the bytes followed so far end exactly at the end of a frame. */
    boolean isAtBoundary() {
        return have == 0 && payloadLeft == 0;
    }

    /** Whether a close frame (opcode 8) began among the bytes followed. */
    boolean closeSeen() {
        return closeSeen;
    }

    private int walk(ByteBuffer buffer, boolean stopAtBoundary) {
        int start = buffer.position();
        int limit = buffer.limit();
        int i = start;
        while (i < limit) {
            if (payloadLeft > 0) {
                int n = (int) Math.min(payloadLeft, limit - i);
                payloadLeft -= n;
                i += n;
            } else {
                header[have++] = buffer.get(i++);
                if (have == 2) {
                    int len7 = header[1] & 0x7f;
                    need = 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + ((header[1] & 0x80) != 0 ? 4 : 0);
                }
                if (have >= 2 && have == need) {
                    endHeader();
                }
            }
            if (stopAtBoundary && isAtBoundary()) {
                break;
            }
        }
        return i - start;
    }

    private void endHeader() {
        if ((header[0] & 0x0f) == 0x8) {
            closeSeen = true;
        }
        int len7 = header[1] & 0x7f;
        long length;
        if (len7 == 126) {
            length = ((header[2] & 0xffL) << 8) | (header[3] & 0xffL);
        } else if (len7 == 127) {
            length = 0;
            for (int k = 2; k < 10; k++) {
                length = (length << 8) | (header[k] & 0xffL);
            }
            length &= Long.MAX_VALUE;
        } else {
            length = len7;
        }
        payloadLeft = length;
        have = 0;
        need = 2;
    }
}
