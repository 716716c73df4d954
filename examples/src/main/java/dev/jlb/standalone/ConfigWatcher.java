package dev.jlb.standalone;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches a configuration file and calls back after it changed. Watches the directory, so that an
 * editor's save-by-rename and Kubernetes' ConfigMap symlink swap ({@code ..data}) are seen too; a
 * burst of events within {@link #QUIET_MILLIS} gives one callback. The callback decides whether the
 * content really changed. Owns one daemon thread and one scheduler thread; {@link #close()} stops them.
 */
final class ConfigWatcher implements AutoCloseable {

    /** Events closer than this are one change. */
    static final long QUIET_MILLIS = 250;

    private static final Logger LOG = LoggerFactory.getLogger("jlb");

    private final Path file;
    private final Runnable onChange;
    private final WatchService watcher;
    private final Thread thread;
    private final ScheduledExecutorService debounce = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "jlb-config-debounce");
        t.setDaemon(true);
        return t;
    });
    private ScheduledFuture<?> pending;

    ConfigWatcher(Path file, Runnable onChange) throws IOException {
        this.file = Objects.requireNonNull(file, "file").toAbsolutePath().normalize();
        this.onChange = Objects.requireNonNull(onChange, "onChange");
        Path dir = this.file.getParent();
        watcher = FileSystems.getDefault().newWatchService();
        dir.register(watcher, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
                StandardWatchEventKinds.ENTRY_DELETE);
        thread = new Thread(this::run, "jlb-config-watch");
        thread.setDaemon(true);
        thread.start();
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
                    schedule();
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

    private synchronized void schedule() {
        if (pending != null) {
            pending.cancel(false);
        }
        pending = debounce.schedule(onChange, QUIET_MILLIS, TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        try {
            watcher.close();
        } catch (IOException e) {
            LOG.debug("closing the watch service failed", e);
        }
        thread.interrupt();
        debounce.shutdownNow();
    }
}
