package dev.jlb.jetty.config;

import dev.jlb.jetty.config.Node.ListNode;
import dev.jlb.jetty.discovery.DnsResolverOptions;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the top-level {@code dns:} section: which servers the {@code dns://} and {@code srv://}
 * backends ask ({@code servers: ["127.0.0.1:5353"]}, default the system's) and the query
 * {@code timeout}.
 */
final class DnsSection {

    private DnsSection() {
    }

    static DnsResolverOptions resolver(MapReader top) {
        MapReader r = top.map("dns");
        if (r == null) {
            return DnsResolverOptions.DEFAULTS;
        }
        List<InetSocketAddress> servers = new ArrayList<>();
        ListNode list = r.list("servers", "a list of servers such as [\"127.0.0.1:5353\"]");
        if (list != null) {
            for (int i = 0; i < list.items().size(); i++) {
                String key = "servers[" + i + "]";
                Node item = list.items().get(i);
                String text = r.stringValue(key, item, "an address such as 127.0.0.1:5353");
                if (text != null) {
                    InetSocketAddress server = r.call(key, item, () -> DnsResolverOptions.server(text));
                    if (server != null) {
                        servers.add(server);
                    }
                }
            }
        }
        Duration timeout = r.duration("timeout", DnsResolverOptions.DEFAULT_TIMEOUT, true);
        r.finish();
        if (timeout == null) {
            return DnsResolverOptions.DEFAULTS;
        }
        DnsResolverOptions options = r.call("timeout", r.node("timeout"), () -> new DnsResolverOptions(servers, timeout));
        return options == null ? DnsResolverOptions.DEFAULTS : options;
    }
}
