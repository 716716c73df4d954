package dev.jlb.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.Backend;
import dev.jlb.BackendState;
import dev.jlb.BackendStats;
import dev.jlb.FailureKind;
import dev.jlb.LoadBalancer;
import dev.jlb.RequestContext;
import dev.jlb.Selection;
import dev.jlb.health.OutlierDetection;
import dev.jlb.health.PanicMode;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.Executor;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class DiscoveredMembershipTest {

    private static final Backend STATIC = Backend.of("http://127.0.0.1:9000");

    /** A discovery the test drives by hand. */
    static final class ManualDiscovery implements Discovery {
        final String source;
        Listener listener;
        boolean closed;

        ManualDiscovery(String source) {
            this.source = source;
        }

        void report(DiscoveredBackend... backends) {
            listener.onMembership(List.of(backends));
        }

        @Override
        public String source() {
            return source;
        }

        @Override
        public void start(Listener listener) {
            this.listener = listener;
        }

        @Override
        public DiscoveryStats stats() {
            return new DiscoveryStats(source, 0, 0, -1, "", 0);
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    private static DiscoveredBackend at(int port, int weight, int priority) {
        return new DiscoveredBackend(Backend.of("http://127.0.0.2:" + port, weight), priority);
    }

    private static String members(LoadBalancer lb) {
        return lb.pool().stats().stream()
                .map(s -> s.backend().id() + "*" + s.backend().weight() + "@" + s.backend().source() + ":" + s.state())
                .collect(Collectors.joining(" "));
    }

    @Test
    void snapshotsAddRemoveAndReweightThroughThePoolKeepingStatisticsOfWhatStays() {
        ManualDiscovery dns = new ManualDiscovery("dns://api:8080");
        try (LoadBalancer lb = LoadBalancer.builder().backend(STATIC).discovery(dns).build()) {
            dns.report(at(1, 1, 0), at(2, 1, 0));
            assertThat(members(lb)).isEqualTo("127.0.0.1:9000*1@static:HEALTHY 127.0.0.2:1*1@dns://api:8080:HEALTHY"
                    + " 127.0.0.2:2*1@dns://api:8080:HEALTHY");
            Backend two = Backend.of("http://127.0.0.2:2");
            Selection s = lb.selectPreferring(RequestContext.empty(), two);
            assertThat(s.backend()).isEqualTo(two);
            s.onSuccess(200, 1_000_000);
            Selection inFlight = lb.selectPreferring(RequestContext.empty(), two);

            dns.report(at(2, 3, 0), at(3, 1, 0));
            assertThat(members(lb)).isEqualTo("127.0.0.1:9000*1@static:HEALTHY 127.0.0.2:2*3@dns://api:8080:HEALTHY"
                    + " 127.0.0.2:3*1@dns://api:8080:HEALTHY");
            BackendStats kept = lb.pool().stats(two).orElseThrow();
            assertThat(kept.successes()).as("statistics of a backend that stays").isEqualTo(1);
            assertThat(kept.inFlight()).isEqualTo(1);
            inFlight.onSuccess(200, 1_000_000);
            assertThat(lb.discovery().owned()).extracting(Backend::id).containsExactlyInAnyOrder("127.0.0.2:2", "127.0.0.2:3");

            dns.report();
            assertThat(members(lb)).as("the static backend is not the discovery's to remove")
                    .isEqualTo("127.0.0.1:9000*1@static:HEALTHY");
        }
        assertThat(dns.closed).as("closing the load balancer stops its discoveries").isTrue();
    }

    @Test
    void aBackendLeavingWhileARequestIsInFlightLetsTheRequestFinish() {
        ManualDiscovery dns = new ManualDiscovery("dns://api:8080");
        try (LoadBalancer lb = LoadBalancer.builder().backend(STATIC).discovery(dns).build()) {
            dns.report(at(1, 1, 0));
            Selection s = lb.selectPreferring(RequestContext.empty(), at(1, 1, 0).backend());
            dns.report();
            assertThat(lb.pool().backends()).containsExactly(STATIC);
            s.onSuccess(200, 1_000_000);
            assertThat(lb.stats().toString()).isNotEmpty();
        }
    }

    @Test
    void changeListenersHearEachAttachAndDetachUntilClosed() throws Exception {
        ManualDiscovery a = new ManualDiscovery("dns://a:1");
        try (LoadBalancer lb = LoadBalancer.builder().backend(STATIC).build()) {
            java.util.List<java.util.List<Discovery>> heard = new java.util.ArrayList<>();
            AutoCloseable registration = lb.discovery().addChangeListener(() -> heard.add(lb.discovery().discoveries()));
            lb.discovery().attach(a);
            lb.discovery().detach(a);
            assertThat(lb.discovery().detach(a)).as("not attached: nothing to tell").isFalse();
            registration.close();
            lb.discovery().attach(a);
            assertThat(heard).containsExactly(java.util.List.of(a), java.util.List.of());
        }
    }

    @Test
    void aBackendAlreadyInThePoolIsLeftToItsOwner() {
        ManualDiscovery a = new ManualDiscovery("dns://a:1");
        ManualDiscovery b = new ManualDiscovery("dns://b:1");
        try (LoadBalancer lb = LoadBalancer.builder().backend(STATIC).discovery(a).discovery(b).build()) {
            a.report(at(1, 2, 0));
            b.report(at(1, 5, 0), DiscoveredBackend.of(Backend.of("http://127.0.0.1:9000", 7)));
            assertThat(members(lb)).isEqualTo("127.0.0.1:9000*1@static:HEALTHY 127.0.0.2:1*2@dns://a:1:HEALTHY");
            a.report();
            b.report(at(1, 5, 0));
            assertThat(members(lb)).isEqualTo("127.0.0.1:9000*1@static:HEALTHY 127.0.0.2:1*5@dns://b:1:HEALTHY");
            assertThat(lb.discovery().detach(b)).isTrue();
            assertThat(b.closed).isTrue();
            assertThat(members(lb)).isEqualTo("127.0.0.1:9000*1@static:HEALTHY");
        }
    }

    @Test
    void aHigherPriorityJoinsOnlyWhileEveryLowerOneIsDownAsThePoolJudgesIt() {
        Queue<Runnable> tasks = new ArrayDeque<>();
        ManualDiscovery srv = new ManualDiscovery("srv://_http._tcp.api");
        OutlierDetection eject = OutlierDetection.builder().consecutiveFailures(1).maxEjectionPercent(100)
                .baseEjectionTime(Duration.ofMinutes(3)).build();
        try (LoadBalancer lb = LoadBalancer.builder().outlierDetection(eject).panic(PanicMode.ROUTE_ALL, 0.0).build();
                DiscoveredMembership m = new DiscoveredMembership("srv", lb.pool(), tasks::add)) {
            m.attach(srv);
            srv.report(at(1, 1, 0), at(2, 1, 0), at(3, 1, 10));
            assertThat(members(lb)).isEqualTo("127.0.0.2:1*1@srv://_http._tcp.api:HEALTHY"
                    + " 127.0.0.2:2*1@srv://_http._tcp.api:HEALTHY");

            fail(lb, at(1, 1, 0).backend());
            runAll(tasks);
            assertThat(members(lb)).as("one of priority 0 still serves").doesNotContain("127.0.0.2:3");
            fail(lb, at(2, 1, 0).backend());
            runAll(tasks);
            assertThat(members(lb)).isEqualTo("127.0.0.2:1*1@srv://_http._tcp.api:EJECTED"
                    + " 127.0.0.2:2*1@srv://_http._tcp.api:EJECTED 127.0.0.2:3*1@srv://_http._tcp.api:HEALTHY");
            assertThat(lb.select(RequestContext.empty()).backend()).isEqualTo(at(3, 1, 0).backend());

            // A new snapshot with a healthy priority-0 backend sends the standby away again.
            srv.report(at(1, 1, 0), at(2, 1, 0), at(4, 1, 0), at(3, 1, 10));
            assertThat(members(lb)).doesNotContain("127.0.0.2:3").contains("127.0.0.2:4*1@srv://_http._tcp.api:HEALTHY");
        }
    }

    private static void fail(LoadBalancer lb, Backend backend) {
        lb.selectPreferring(RequestContext.empty(), backend).onFailure(FailureKind.CONNECT, 1_000);
        assertThat(lb.pool().stats(backend).orElseThrow().state()).isEqualTo(BackendState.EJECTED);
    }

    private static void runAll(Queue<Runnable> tasks) {
        assertThat(tasks).as("a state change of a backend with standbys is judged again").isNotEmpty();
        Runnable r;
        while ((r = tasks.poll()) != null) {
            r.run();
        }
    }

    @SuppressWarnings("unused")
    private static final Executor UNUSED = Runnable::run;
}
