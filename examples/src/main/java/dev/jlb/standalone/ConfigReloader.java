package dev.jlb.standalone;

import dev.jlb.jetty.config.ConfigException;
import dev.jlb.jetty.config.ConfigLoader;
import dev.jlb.jetty.config.JlbConfig;
import dev.jlb.jetty.config.RouteConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reloads a configuration file into a running {@link Standalone}, one reload at a time on its own
 * thread: a file that does not validate is refused with its problems logged, and the running
 * configuration stays. A change notice whose file content is unchanged does nothing. A reload that
 * removes routes is applied with a warning naming them: a file caught half-written (a pause between
 * two writes longer than {@link ConfigWatcher#DEBOUNCE}) shows up as lost routes.
 */
final class ConfigReloader implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger("jlb");

    /** What one reload did. */
    enum Outcome {
        /** The file's content is the one running. */
        UNCHANGED,
        /** Applied (possibly with no effective change). */
        APPLIED,
        /** The file does not validate; nothing changed. */
        REFUSED,
        /** Applying failed (a route could not start); the running routes stay. */
        FAILED
    }

    private final Path file;
    private final UnaryOperator<JlbConfig> overrides;
    private final Standalone balancer;
    private final ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "jlb-reload");
        t.setDaemon(true);
        return t;
    });
    /** The digest of the content last applied or refused; only the reload thread touches it. */
    private byte[] digest;

    /**
     * @param digest the digest of the content running now (see {@link #digest(Path)})
     * @param overrides command-line overrides applied to every loaded configuration
     */
    ConfigReloader(Path file, UnaryOperator<JlbConfig> overrides, Standalone balancer, byte[] digest) {
        this.file = Objects.requireNonNull(file, "file");
        this.overrides = Objects.requireNonNull(overrides, "overrides");
        this.balancer = Objects.requireNonNull(balancer, "balancer");
        this.digest = digest.clone();
    }

    /** Reloads on the reload thread; {@code always} reloads even an unchanged file (SIGHUP). */
    void reload(String why, boolean always) {
        executor.execute(() -> reloadNow(why, always));
    }

    /** Reloads on the calling thread (tests; never concurrently with {@link #reload}). */
    Outcome reloadNow(String why, boolean always) {
        byte[] now = digest(file);
        if (!always && MessageDigest.isEqual(now, digest)) {
            return Outcome.UNCHANGED;
        }
        digest = now;
        JlbConfig next;
        try {
            next = overrides.apply(ConfigLoader.load(file));
        } catch (ConfigException e) {
            LOG.error("reload ({}) refused, the running configuration stays; {} problem{}:\n{}", why,
                    e.problems().size(), e.problems().size() == 1 ? "" : "s", e.getMessage());
            return Outcome.REFUSED;
        }
        List<String> lost = lostRoutes(balancer.config(), next);
        if (!lost.isEmpty()) {
            LOG.warn("reload ({}): {} no longer has route{} {}: removing {} (if the file was still being written,"
                    + " the next change brings {} back)", why, file, lost.size() == 1 ? "" : "s",
                    String.join(", ", lost), lost.size() == 1 ? "it" : "them", lost.size() == 1 ? "it" : "them");
        }
        try {
            List<String> changes = balancer.apply(next);
            if (changes.isEmpty()) {
                LOG.info("reload ({}): nothing changed", why);
            } else {
                LOG.info("reload ({}): {}", why, String.join("; ", changes));
            }
            return Outcome.APPLIED;
        } catch (Exception e) {
            LOG.error("reload ({}) failed; the running routes stay (with the balancing changes applied before the"
                    + " failure)", why, e);
            return Outcome.FAILED;
        }
    }

    /** The paths of the routes that run now and that {@code next} does not have, in running order. */
    static List<String> lostRoutes(JlbConfig running, JlbConfig next) {
        Set<String> kept = next.routes().stream().map(RouteConfig::path).collect(Collectors.toSet());
        return running.routes().stream().map(RouteConfig::path).filter(p -> !kept.contains(p)).toList();
    }

    /** The SHA-256 of a file's content; empty when it cannot be read (then a reload reports why). */
    static byte[] digest(Path file) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file));
        } catch (IOException | NoSuchAlgorithmException e) {
            return new byte[0];
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
