package dev.jlb.standalone;

import dev.jlb.Ticker;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches a configuration file and calls back once it changed and then stayed unchanged for
 * {@link #DEBOUNCE}. Watches the directory, so that an editor's save-by-rename and Kubernetes'
 * ConfigMap symlink swap ({@code ..data}) are seen too.
 *
 * <p>A file written in several parts (a script that writes half, computes, writes the rest) is read
 * only once it is stable: every event about the file restarts the quiet period, and at its end the
 * file's size, modification time and identity must be what they were at the last event (a write that
 * brought no event, as on some network or container file systems, restarts it too). The callback
 * decides whether the content really changed. A pause longer than the quiet period between two parts
 * still gives two callbacks: {@link ConfigReloader} warns when a reload removes routes.
 *
 * <p>{@link #start} watches for real, with a thread of its own and a scheduler; the package-private
 * constructor takes the scheduler and the ticker and hears of events through {@link #changed()}
 * (tests). {@link #close()} stops what the watcher started. Thread-safe.
 */
final class ConfigWatcher implements AutoCloseable {

    /**
     * How long the file must stay unchanged before it is read: longer than the pauses of an editor's
     * or a script's successive writes, short enough to feel immediate.
     */
    static final Duration DEBOUNCE = Duration.ofMillis(500);

    private static final Logger LOG = LoggerFactory.getLogger("jlb");

    private final Path file;
    private final Runnable onChange;
    private final Scheduler scheduler;
    private final Ticker ticker;
    private final long debounceNanos;
    /** The watch service and its thread, or null without (see the constructor). */
    private WatchService watcher;
    private Thread thread;
    /** Whether this watcher started the scheduler (and stops it). */
    private boolean ownScheduler;

    /** When the last event came. Guarded by this. */
    private long lastEvent;
    /** What the file looked like at the last event. Guarded by this. */
    private List<Object> lastSeen;
    /** Whether a check is scheduled. Guarded by this. */
    private boolean pending;
    private boolean closed;

    /**
     * A watcher told of changes by {@link #changed()} only.
     *
     * @param scheduler runs the checks (and the callback)
     * @param ticker the time
     */
    ConfigWatcher(Path file, Runnable onChange, Scheduler scheduler, Ticker ticker, Duration debounce) {
        this.file = Objects.requireNonNull(file, "file").toAbsolutePath().normalize();
        this.onChange = Objects.requireNonNull(onChange, "onChange");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.ticker = Objects.requireNonNull(ticker, "ticker");
        this.debounceNanos = Objects.requireNonNull(debounce, "debounce").toNanos();
    }

    /** Watches {@code file}'s directory on a thread of its own, with {@link #DEBOUNCE} and the system clock. */
    static ConfigWatcher start(Path file, Runnable onChange) throws IOException {
        ScheduledExecutorScheduler scheduler = new ScheduledExecutorScheduler("jlb-config-debounce", true);
        ConfigWatcher w = new ConfigWatcher(file, onChange, scheduler, Ticker.systemTicker(), DEBOUNCE);
        try {
            scheduler.start();
            w.ownScheduler = true;
            w.watcher = FileSystems.getDefault().newWatchService();
            w.file.getParent().register(w.watcher, StandardWatchEventKinds.ENTRY_CREATE,
                    StandardWatchEventKinds.ENTRY_MODIFY, StandardWatchEventKinds.ENTRY_DELETE);
        } catch (Exception e) {
            w.close();
            throw e instanceof IOException io ? io : new IOException(e);
        }
        w.thread = new Thread(w::run, "jlb-config-watch");
        w.thread.setDaemon(true);
        w.thread.start();
        return w;
    }

    private void run() {
        String name = file.getFileName().toString();
        try {
            while (true) {
                WatchKey key = watcher.take();
                boolean relevant = false;
                for (WatchEvent<?> event : key.pollEvents()) {
                    Object context = event.context();
                    String changed = context == null ? "" : context.toString();
                    relevant |= event.kind() == StandardWatchEventKinds.OVERFLOW || changed.equals(name)
                            || changed.startsWith("..");
                }
                if (relevant) {
                    changed();
                }
                if (!key.reset()) {
                    LOG.warn("{}: its directory can no longer be watched; reload with SIGHUP", file);
                    return;
                }
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            // closing
        }
    }

    /** Something happened to the file: the quiet period starts again. */
    void changed() {
        List<Object> seen = fingerprint();
        synchronized (this) {
            if (closed) {
                return;
            }
            lastEvent = ticker.read();
            lastSeen = seen;
            if (!pending) {
                pending = true;
                schedule(debounceNanos);
            }
        }
    }

    private void schedule(long delayNanos) {
        scheduler.schedule(this::check, delayNanos, TimeUnit.NANOSECONDS);
    }

    private void check() {
        List<Object> seen = fingerprint();
        synchronized (this) {
            if (closed) {
                return;
            }
            long quiet = ticker.read() - lastEvent;
            if (quiet < debounceNanos) {
                schedule(debounceNanos - quiet);
                return;
            }
            if (!seen.equals(lastSeen)) {
                // Changed without an event: wait for it to settle as for one.
                lastEvent = ticker.read();
                lastSeen = seen;
                schedule(debounceNanos);
                return;
            }
            pending = false;
        }
        onChange.run();
    }

    /** The file's identity, size and modification time; a missing file is a state too. */
    private List<Object> fingerprint() {
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            return List.of(String.valueOf(a.fileKey()), a.size(), a.lastModifiedTime());
        } catch (IOException e) {
            return List.of("unreadable: " + e.getClass().getSimpleName());
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        if (watcher != null) {
            try {
                watcher.close();
            } catch (IOException e) {
                LOG.debug("closing the watch service failed", e);
            }
        }
        if (thread != null) {
            thread.interrupt();
        }
        if (ownScheduler) {
            try {
                scheduler.stop();
            } catch (Exception e) {
                LOG.debug("stopping the debounce scheduler failed", e);
            }
        }
    }

    @Override
    public String toString() {
        return "ConfigWatcher{" + file + ", debounce=" + Duration.ofNanos(debounceNanos).toMillis() + "ms}";
    }
}
