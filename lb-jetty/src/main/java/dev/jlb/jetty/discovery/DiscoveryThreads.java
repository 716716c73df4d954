package dev.jlb.jetty.discovery;

import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * The scheduler discoveries use when none is given: one daemon thread for the whole JVM, started on
 * first use. Their tasks only start asynchronous lookups and apply answers, so one thread serves
 * every route.
 */
final class DiscoveryThreads {

    private static final class Holder {
        static final Scheduler SHARED = create();

        private static Scheduler create() {
            ScheduledExecutorScheduler scheduler = new ScheduledExecutorScheduler("jlb-discovery", true);
            try {
                scheduler.start();
            } catch (Exception e) {
                throw new IllegalStateException("jlb-discovery: the scheduler did not start", e);
            }
            return scheduler;
        }
    }

    private DiscoveryThreads() {
    }

    static Scheduler shared() {
        return Holder.SHARED;
    }
}
