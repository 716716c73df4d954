package dev.jlb.jetty.discovery;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real DNS server for tests: dnsmasq on a loopback port, answering for {@code jlb.test} only
 * (NXDOMAIN for any other name there, nothing forwarded anywhere) from a hosts file the test
 * rewrites and reloads with SIGHUP, and SRV records and the TTL of its answers ({@code local-ttl})
 * given on the command line (changed by a restart on the same port). {@code .ci/run} installs
 * dnsmasq when it is missing.
 */
final class Dnsmasq implements AutoCloseable {

    private final Path dir;
    private final Path hosts;
    private final Path log;
    private final int port;
    private Process process;

    Dnsmasq(Path dir) throws IOException {
        this.dir = dir;
        this.hosts = dir.resolve("hosts");
        this.log = dir.resolve("dnsmasq.log");
        this.port = freePort();
        Files.writeString(hosts, "");
    }

    /** The dnsmasq binary, or null when it is not installed. */
    static String binary() {
        for (String candidate : new String[] {"/usr/sbin/dnsmasq", "/usr/bin/dnsmasq", "/sbin/dnsmasq"}) {
            if (Files.isExecutable(Path.of(candidate))) {
                return candidate;
            }
        }
        return null;
    }

    int port() {
        return port;
    }

    String server() {
        return "127.0.0.1:" + port;
    }

    /** Writes the hosts file ({@code address name} lines); call {@link #reload()} to make it count. */
    void hosts(String... lines) throws IOException {
        Files.writeString(hosts, lines.length == 0 ? "" : String.join("\n", lines) + "\n");
    }

    /**
     * Starts dnsmasq answering with TTL {@code ttl} and the given {@code --srv-host} values
     * ({@code _http._tcp.api.jlb.test,a.jlb.test,8080,0,5}: name, target, port, priority, weight).
     */
    void start(int ttl, String... srvHosts) throws IOException, InterruptedException {
        if (process != null) {
            throw new IllegalStateException("running");
        }
        List<String> cmd = new ArrayList<>(List.of(binary(), "--keep-in-foreground", "--conf-file=/dev/null",
                "--port=" + port, "--listen-address=127.0.0.1", "--bind-interfaces", "--no-resolv", "--no-hosts",
                "--no-negcache", "--addn-hosts=" + hosts, "--local=/jlb.test/", "--local-ttl=" + ttl,
                "--pid-file=" + dir.resolve("dnsmasq.pid"), "--log-facility=-", "--cache-size=0"));
        if ("root".equals(System.getProperty("user.name"))) {
            cmd.add("--user=root");
        }
        for (String srv : srvHosts) {
            cmd.add("--srv-host=" + srv);
        }
        Files.deleteIfExists(log);
        process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        awaitReads(1);
    }

    /** SIGHUP: dnsmasq reads the hosts file again. */
    void reload() throws IOException, InterruptedException {
        int before = reads();
        Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(process.pid())).inheritIO().start();
        if (!kill.waitFor(5, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new IOException("kill -HUP " + process.pid() + " failed");
        }
        awaitReads(before + 1);
    }

    /** Stops the server: queries time out until {@link #start} again. */
    void stop() throws InterruptedException {
        if (process != null) {
            process.destroy();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
            process = null;
        }
    }

    /** Restarts on the same port with another TTL and SRV records. */
    void restart(int ttl, String... srvHosts) throws IOException, InterruptedException {
        stop();
        start(ttl, srvHosts);
    }

    private int reads() throws IOException {
        if (!Files.exists(log)) {
            return 0;
        }
        String text = Files.readString(log, StandardCharsets.UTF_8);
        int count = 0;
        for (int i = text.indexOf("read " + hosts); i >= 0; i = text.indexOf("read " + hosts, i + 1)) {
            count++;
        }
        return count;
    }

    private void awaitReads(int count) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (reads() < count) {
            if (!process.isAlive()) {
                throw new IOException("dnsmasq exited with " + process.exitValue() + ": " + Files.readString(log));
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("dnsmasq did not read " + hosts + " in 10 s: " + Files.readString(log));
            }
            Thread.sleep(10);
        }
    }

    /** A port free for both UDP and TCP on 127.0.0.1. */
    private static int freePort() throws IOException {
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        for (int attempt = 0; attempt < 20; attempt++) {
            try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress(loopback, 0));
                    ServerSocket tcp = new ServerSocket()) {
                tcp.bind(new InetSocketAddress(loopback, udp.getLocalPort()));
                return udp.getLocalPort();
            } catch (IOException busy) {
                // the TCP side was taken: another try
            }
        }
        throw new IOException("no free UDP+TCP port on 127.0.0.1");
    }

    @Override
    public void close() throws java.io.IOException {
        dev.jlb.testing.LifeCycles.awaitStop(this::stop, this);
    }

    @Override
    public String toString() {
        return "Dnsmasq{127.0.0.1:" + port + '}';
    }
}
