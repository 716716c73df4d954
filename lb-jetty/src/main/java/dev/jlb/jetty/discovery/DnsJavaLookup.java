package dev.jlb.jetty.discovery;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.ExtendedResolver;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;

/**
 * {@link DnsLookup} on dnsjava: each query goes to the configured servers (or the system's) without
 * a cache of its own, so every answer carries the TTL the server gives now. dnsjava is an optional
 * dependency of lb-jetty: {@link DnsDiscovery} checks for it
 * ({@link dev.jlb.jetty.internal.OptionalDependency#DNS}) before this class loads.
 */
final class DnsJavaLookup implements DnsLookup {

    private final Resolver resolver;

    DnsJavaLookup(DnsResolverOptions options) {
        try {
            if (options.servers().isEmpty()) {
                resolver = new ExtendedResolver();
            } else {
                List<Resolver> resolvers = new ArrayList<>();
                for (InetSocketAddress server : options.servers()) {
                    resolvers.add(new SimpleResolver(new InetSocketAddress(
                            InetAddress.getByName(server.getHostString()), server.getPort())));
                }
                resolver = new ExtendedResolver(resolvers);
            }
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("dns.servers: " + options.servers() + " (expected: addresses)", e);
        }
        resolver.setTimeout(options.timeout());
    }

    @Override
    public CompletionStage<Answer> query(String name, Type type) {
        Message query;
        try {
            query = Message.newQuery(Record.newRecord(Name.fromString(name, Name.root), code(type), DClass.IN));
        } catch (org.xbill.DNS.TextParseException e) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("name: " + name + " (expected: a DNS name)"));
        }
        return resolver.sendAsync(query).thenApply(response -> answer(response, type));
    }

    private static int code(Type type) {
        switch (type) {
            case A:
                return org.xbill.DNS.Type.A;
            case AAAA:
                return org.xbill.DNS.Type.AAAA;
            default:
                return org.xbill.DNS.Type.SRV;
        }
    }

    private static Answer answer(Message response, Type type) {
        int rcode = response.getRcode();
        if (rcode != Rcode.NOERROR && rcode != Rcode.NXDOMAIN) {
            throw new DnsFailure(Rcode.string(rcode));
        }
        List<Rec> records = new ArrayList<>();
        long ttl = -1;
        for (Record r : response.getSection(Section.ANSWER)) {
            Rec rec = rec(r);
            if (rec != null && rec.type() == type) {
                records.add(rec);
                ttl = ttl < 0 ? r.getTTL() : Math.min(ttl, r.getTTL());
            }
        }
        if (records.isEmpty()) {
            for (Record r : response.getSection(Section.AUTHORITY)) {
                if (r instanceof SOARecord soa) {
                    ttl = Math.min(soa.getTTL(), soa.getMinimum());
                }
            }
        }
        List<Rec> additional = new ArrayList<>();
        for (Record r : response.getSection(Section.ADDITIONAL)) {
            Rec rec = rec(r);
            if (rec != null && rec.type() != Type.SRV) {
                additional.add(rec);
            }
        }
        return new Answer(rcode == Rcode.NXDOMAIN, records, ttl, additional);
    }

    private static Rec rec(Record r) {
        String owner = lower(r.getName());
        if (r instanceof ARecord a) {
            return Rec.address(Type.A, owner, a.getAddress().getHostAddress(), r.getTTL());
        }
        if (r instanceof AAAARecord a) {
            return Rec.address(Type.AAAA, owner, a.getAddress().getHostAddress(), r.getTTL());
        }
        if (r instanceof SRVRecord s) {
            return Rec.srv(owner, lower(s.getTarget()), s.getPort(), s.getPriority(), s.getWeight(), r.getTTL());
        }
        return null;
    }

    private static String lower(Name name) {
        String text = name.toString(true);
        return text.toLowerCase(Locale.ROOT);
    }

    /** A server answered with an error code. */
    static final class DnsFailure extends RuntimeException {
        DnsFailure(String rcode) {
            super(rcode, null, false, false);
        }
    }

    @Override
    public String toString() {
        return "DnsJavaLookup{" + resolver + '}';
    }
}
