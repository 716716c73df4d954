package dev.jlb.jetty.upgrade;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

/** The one WebSocket frame the splice writes itself: a close frame (RFC 6455 section 5.5.1). */
final class CloseFrame {

    /** RFC 6455 7.4.1: the endpoint is going away (a removed or drained backend, an idle timeout). */
    static final int GOING_AWAY = 1001;

    private CloseFrame() {
    }

    /**
     * A close frame with {@code code} and {@code reason} (cut to the 123 bytes a control frame
     * allows). Frames to a server must be masked (section 5.3), frames to a client must not.
     */
    static ByteBuffer of(int code, String reason, boolean masked) {
        byte[] text = reason.getBytes(StandardCharsets.UTF_8);
        int textLength = Math.min(text.length, 123);
        int payloadLength = 2 + textLength;
        ByteBuffer frame = ByteBuffer.allocate(2 + (masked ? 4 : 0) + payloadLength);
        frame.put((byte) 0x88); // FIN + close
        frame.put((byte) ((masked ? 0x80 : 0) | payloadLength));
        byte[] payload = new byte[payloadLength];
        payload[0] = (byte) (code >> 8);
        payload[1] = (byte) code;
        System.arraycopy(text, 0, payload, 2, textLength);
        if (masked) {
            byte[] key = new byte[4];
            ThreadLocalRandom.current().nextBytes(key);
            frame.put(key);
            for (int i = 0; i < payloadLength; i++) {
                payload[i] ^= key[i & 3];
            }
        }
        frame.put(payload);
        return frame.flip();
    }
}
