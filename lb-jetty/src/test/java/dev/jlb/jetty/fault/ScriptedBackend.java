package dev.jlb.jetty.fault;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A backend on a raw loopback socket (127.0.0.1, port 0) that plays a {@link Script} on each
 * connection it accepts: the faults a real server would not produce on purpose (a reset before or
 * after the headers, a hang, a malformed status line, a 1xx, a close of an idle keep-alive
 * connection). One thread per connection; {@link #close} closes every socket, which ends every
 * script (a hanging one included).
 */
final class ScriptedBackend implements AutoCloseable {

    /** What a backend does on one connection. */
    @FunctionalInterface
    interface Script {
        void play(Connection connection) throws Exception;
    }

    private final ServerSocket server;
    private final Script script;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger requests = new AtomicInteger();
    private final CountDownLatch closed = new CountDownLatch(1);
    private final Thread acceptor;

    private ScriptedBackend(Script script) throws IOException {
        this.script = script;
        this.server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
        acceptor = new Thread(this::acceptLoop, "scripted-backend-" + server.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    static ScriptedBackend start(Script script) throws IOException {
        return new ScriptedBackend(script);
    }

    /** Answers every request of a keep-alive connection with {@code response}. */
    static Script always(String response) {
        return c -> {
            while (c.readRequest() != null) {
                c.write(response);
            }
        };
    }

    /** Answers every request of a keep-alive connection with a 200, after adding its head to {@code heads}. */
    static Script recording(List<String> heads) {
        return c -> {
            String head;
            while ((head = c.readRequest()) != null) {
                heads.add(head);
                c.write(ok("x"));
            }
        };
    }

    /** A complete response with a text body. */
    static String ok(String body) {
        return "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + body.length() + "\r\n\r\n" + body;
    }

    String uri() {
        return "http://127.0.0.1:" + server.getLocalPort();
    }

    int port() {
        return server.getLocalPort();
    }

    /** Connections accepted so far. */
    int connections() {
        return connections.get();
    }

    /** Request heads read so far. */
    int requests() {
        return requests.get();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            Socket socket;
            try {
                socket = server.accept();
            } catch (IOException e) {
                return;
            }
            sockets.add(socket);
            if (closed.getCount() == 0) {
                // close() ran between accept() and add(): it did not see this socket, so close it here
                // (close() counts down before it walks the list, so one of the two always closes it).
                closeQuietly(socket);
                return;
            }
            int index = connections.incrementAndGet();
            Thread t = new Thread(() -> run(new Connection(socket, index)), "scripted-conn-" + index);
            t.setDaemon(true);
            t.start();
        }
    }

    private void run(Connection connection) {
        try {
            script.play(connection);
        } catch (Exception e) {
            // the peer went away or the backend closed: the script ends
        } finally {
            connection.close();
        }
    }

    @Override
    public void close() throws IOException {
        closed.countDown();
        server.close();
        for (Socket s : sockets) {
            closeQuietly(s);
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    /** One accepted connection, as a script sees it. */
    final class Connection {
        final Socket socket;
        /** 1 for the first connection accepted. */
        final int index;
        private final InputStream in;
        private final OutputStream out;
        private int requestsOnConnection;

        Connection(Socket socket, int index) {
            this.socket = socket;
            this.index = index;
            try {
                this.in = socket.getInputStream();
                this.out = socket.getOutputStream();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        /** Requests read on this connection. */
        int requests() {
            return requestsOnConnection;
        }

        /**
         * Reads one request head and its {@code Content-Length} body (or a chunked body); returns the
         * head, or null at the end of the stream.
         */
        String readRequest() throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            int matched = 0;
            while (matched < 4) {
                int b = in.read();
                if (b < 0) {
                    return null;
                }
                head.write(b);
                matched = (b == '\r' && (matched == 0 || matched == 2)) || (b == '\n' && (matched == 1 || matched == 3))
                        ? matched + 1 : (b == '\r' ? 1 : 0);
            }
            String text = head.toString(StandardCharsets.ISO_8859_1);
            String lower = text.toLowerCase(Locale.ROOT);
            int cl = lower.indexOf("\r\ncontent-length:");
            if (cl >= 0) {
                int end = lower.indexOf('\r', cl + 2);
                long length = Long.parseLong(text.substring(cl + 17, end).trim());
                in.readNBytes((int) length);
            } else if (lower.contains("\r\ntransfer-encoding: chunked")) {
                readChunked();
            }
            requestsOnConnection++;
            requests.incrementAndGet();
            return text;
        }

        private void readChunked() throws IOException {
            while (true) {
                String line = line();
                int size = Integer.parseInt(line.split(";")[0].trim(), 16);
                if (size == 0) {
                    while (!line().isEmpty()) {
                        // trailers
                    }
                    return;
                }
                in.readNBytes(size);
                line();
            }
        }

        private String line() throws IOException {
            StringBuilder sb = new StringBuilder();
            int b;
            while ((b = in.read()) >= 0 && b != '\n') {
                if (b != '\r') {
                    sb.append((char) b);
                }
            }
            return sb.toString();
        }

        void write(String raw) throws IOException {
            write(raw.getBytes(StandardCharsets.ISO_8859_1));
        }

        void write(byte[] raw) throws IOException {
            out.write(raw);
            out.flush();
        }

        /** Closes with a TCP reset (SO_LINGER 0). */
        void reset() throws IOException {
            socket.setSoLinger(true, 0);
            socket.close();
        }

        /** Blocks until the peer closes or the backend is closed (a hung backend). */
        void hang() throws IOException {
            try {
                while (in.read() >= 0) {
                    // discard
                }
            } catch (SocketException closedUnderUs) {
                // the backend was closed
            }
        }

        void sleep(long millis) throws InterruptedException {
            Thread.sleep(millis);
        }

        void close() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }
}
