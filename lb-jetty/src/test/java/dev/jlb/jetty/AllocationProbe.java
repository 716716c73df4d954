package dev.jlb.jetty;

import dev.jlb.LoadBalancer;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;

/**
 * Bytes allocated per proxied request through {@link LoadBalancingHandler}: a backend, the proxy
 * and a keep-alive client on one socket, all on loopback in this JVM. It sums the allocations of
 * every thread but the client's (main) and the backend's, over {@code requests} requests after as
 * many for warm-up. Run by hand (not a test): {@code java -cp ... dev.jlb.jetty.AllocationProbe [requests]}.
 */
public final class AllocationProbe {
    private AllocationProbe() {
    }

    public static void main(String[] args) throws Exception {
        int requests = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        Server backend = server("probe-backend", new Handler.Abstract.NonBlocking() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                response.getHeaders().put("Content-Type", "text/plain");
                response.write(true, ByteBuffer.wrap("hello".getBytes(StandardCharsets.US_ASCII)), callback);
                return true;
            }
        });
        int backendPort = ((ServerConnector) backend.getConnectors()[0]).getLocalPort();
        LoadBalancer lb = LoadBalancer.builder().backend("http://127.0.0.1:" + backendPort).build();
        Server proxy = server("probe-proxy", new LoadBalancingHandler(lb));
        int port = ((ServerConnector) proxy.getConnectors()[0]).getLocalPort();
        try (Socket socket = new Socket("127.0.0.1", port)) {
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            byte[] request = ("GET /x HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: probe\r\nAccept: */*\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII);
            run(requests, out, in, request);
            com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory
                    .getThreadMXBean();
            long before = allocated(threads);
            run(requests, out, in, request);
            long after = allocated(threads);
            System.out.printf("%d requests, %d bytes allocated per proxied request%n", requests,
                    (after - before) / requests);
        } finally {
            proxy.stop();
            backend.stop();
            lb.close();
        }
    }

    private static Server server(String name, Handler handler) throws Exception {
        org.eclipse.jetty.util.thread.QueuedThreadPool pool = new org.eclipse.jetty.util.thread.QueuedThreadPool(16, 4);
        pool.setName(name);
        Server server = new Server(pool);
        ServerConnector connector = new ServerConnector(server, 1, 1);
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        server.setHandler(handler);
        server.start();
        return server;
    }

    /** Allocations of every live thread except main and the backend's. */
    private static long allocated(com.sun.management.ThreadMXBean threads) {
        long sum = 0;
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            String name = thread.getName();
            if (thread == Thread.currentThread() || name.startsWith("probe-backend")) {
                continue;
            }
            sum += threads.getThreadAllocatedBytes(thread.getId());
        }
        return sum;
    }

    private static void run(int requests, OutputStream out, InputStream in, byte[] request) throws Exception {
        byte[] buffer = new byte[8192];
        for (int i = 0; i < requests; i++) {
            out.write(request);
            out.flush();
            readResponse(in, buffer);
        }
    }

    /** Reads one response with a Content-Length body. */
    private static void readResponse(InputStream in, byte[] buffer) throws Exception {
        int length = 0;
        int headerEnd = -1;
        int contentLength = -1;
        while (true) {
            int n = in.read(buffer, length, buffer.length - length);
            if (n < 0) {
                throw new IllegalStateException("connection closed");
            }
            length += n;
            if (headerEnd < 0) {
                String text = new String(buffer, 0, length, StandardCharsets.US_ASCII);
                int end = text.indexOf("\r\n\r\n");
                if (end >= 0) {
                    headerEnd = end + 4;
                    int at = text.toLowerCase(java.util.Locale.ROOT).indexOf("content-length:");
                    contentLength = Integer.parseInt(text.substring(at + 15, text.indexOf("\r\n", at)).trim());
                }
            }
            if (headerEnd >= 0 && length >= headerEnd + contentLength) {
                return;
            }
        }
    }
}
