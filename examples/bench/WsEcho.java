import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * WebSocket echo benchmark, JDK only (run as {@code java WsEcho.java ...}): not a test.
 *
 * <pre>
 * java WsEcho.java server PORT                          an echo server (a thread per connection)
 * java WsEcho.java client URL CONNECTIONS SECONDS BYTES messages/s of ping-pong echo over CONNECTIONS sockets
 * </pre>
 */
public class WsEcho {

    public static void main(String[] args) throws Exception {
        if (args.length >= 2 && args[0].equals("server")) {
            server(Integer.parseInt(args[1]));
        } else if (args.length >= 5 && args[0].equals("client")) {
            client(args[1], Integer.parseInt(args[2]), Integer.parseInt(args[3]), Integer.parseInt(args[4]));
        } else {
            System.err.println("usage: WsEcho server PORT | WsEcho client URL CONNECTIONS SECONDS BYTES");
            System.exit(2);
        }
    }

    static void server(int port) throws Exception {
        try (ServerSocket ss = new ServerSocket(port, 512, java.net.InetAddress.getLoopbackAddress())) {
            while (true) {
                Socket s = ss.accept();
                s.setTcpNoDelay(true);
                Thread t = new Thread(() -> serve(s));
                t.setDaemon(true);
                t.start();
            }
        }
    }

    static void serve(Socket s) {
        try (s) {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            String key = null;
            StringBuilder line = new StringBuilder();
            int c;
            while ((c = in.read()) >= 0) {
                if (c == '\n') {
                    String l = line.toString().trim();
                    line.setLength(0);
                    if (l.isEmpty()) {
                        break;
                    }
                    if (l.toLowerCase().startsWith("sec-websocket-key:")) {
                        key = l.substring(18).trim();
                    }
                } else {
                    line.append((char) c);
                }
            }
            String accept = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-1")
                    .digest((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").getBytes(StandardCharsets.ISO_8859_1)));
            out.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Accept: " + accept + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            DataInputStream data = new DataInputStream(in);
            while (true) {
                int b0 = data.readUnsignedByte();
                int b1 = data.readUnsignedByte();
                long len = b1 & 0x7f;
                if (len == 126) {
                    len = data.readUnsignedShort();
                } else if (len == 127) {
                    len = data.readLong();
                }
                byte[] mask = new byte[4];
                if ((b1 & 0x80) != 0) {
                    data.readFully(mask);
                }
                byte[] payload = new byte[(int) len];
                data.readFully(payload);
                for (int i = 0; i < payload.length; i++) {
                    payload[i] ^= mask[i & 3];
                }
                int opcode = b0 & 0x0f;
                if (opcode == 8) {
                    out.write(frame(0x88, payload));
                    out.flush();
                    return;
                }
                out.write(frame(opcode == 9 ? 0x8A : b0, payload)); // echo; a ping gets its pong
                out.flush();
            }
        } catch (Exception e) {
            // connection over
        }
    }

    static byte[] frame(int b0, byte[] payload) {
        int n = payload.length;
        int header = n < 126 ? 2 : n < 65536 ? 4 : 10;
        byte[] f = new byte[header + n];
        f[0] = (byte) b0;
        if (n < 126) {
            f[1] = (byte) n;
        } else if (n < 65536) {
            f[1] = 126;
            f[2] = (byte) (n >> 8);
            f[3] = (byte) n;
        } else {
            f[1] = 127;
            for (int i = 0; i < 8; i++) {
                f[2 + i] = (byte) ((long) n >> (56 - 8 * i));
            }
        }
        System.arraycopy(payload, 0, f, header, n);
        return f;
    }

    static void client(String url, int connections, int seconds, int bytes) throws Exception {
        String message = "x".repeat(bytes);
        LongAdder count = new LongAdder();
        AtomicBoolean running = new AtomicBoolean(true);
        HttpClient http = HttpClient.newHttpClient();
        List<WebSocket> sockets = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            sockets.add(http.newWebSocketBuilder().buildAsync(URI.create(url), new WebSocket.Listener() {
                private final StringBuilder partial = new StringBuilder();

                @Override
                public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                    partial.append(data);
                    if (last) {
                        partial.setLength(0);
                        count.increment();
                        if (running.get()) {
                            ws.sendText(message, true);
                        }
                    }
                    ws.request(1);
                    return null;
                }
            }).get(10, TimeUnit.SECONDS));
        }
        long start = System.nanoTime();
        for (WebSocket ws : sockets) {
            ws.sendText(message, true);
        }
        Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
        running.set(false);
        long n = count.sum();
        double elapsed = (System.nanoTime() - start) / 1e9;
        System.out.printf("%s connections=%d bytes=%d messages=%d seconds=%.1f messages/s=%.0f%n", url, connections,
                bytes, n, elapsed, n / elapsed);
        List<CompletableFuture<WebSocket>> closing = new ArrayList<>();
        for (WebSocket ws : sockets) {
            closing.add(ws.sendClose(1000, "done"));
        }
        CompletableFuture.allOf(closing.toArray(new CompletableFuture[0])).get(10, TimeUnit.SECONDS);
    }
}
