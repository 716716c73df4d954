package dev.jlb.jetty.config;

import dev.jlb.jetty.config.Node.ListNode;
import dev.jlb.jetty.config.Node.MapNode;
import dev.jlb.jetty.tls.BackendTls;
import dev.jlb.jetty.tls.KeySource;
import dev.jlb.jetty.tls.ServerTls;
import dev.jlb.jetty.tls.ServerTls.ClientAuth;
import dev.jlb.jetty.tls.TlsFileException;
import dev.jlb.jetty.tls.TlsFiles;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Reads {@code server.tls} (termination) into a {@link ServerTls} and a route's
 * {@code backend_tls} into a {@link BackendTls}. The files are read here, so that a missing file,
 * a key that is not the certificate's, a wrong password or a file of the wrong kind is a problem
 * at its key; an expired certificate is not (the listener logs a warning with its date). A
 * password comes from {@code password}, or {@code password_env} naming an environment variable,
 * and is never shown: only its length. Relative paths are relative to the working directory.
 */
final class TlsSection {

    private static final String FILE = "a file path";

    private TlsSection() {
    }

    /** The {@code tls:} mapping of {@code server:}, or null without one. */
    static ServerTls serverTls(MapReader s, Function<String, String> environment) {
        MapReader t = s.map("tls");
        if (t == null) {
            return null;
        }
        List<KeySource> certificates = new ArrayList<>();
        boolean inline = t.has("cert") || t.has("key") || t.has("keystore");
        ListNode list = t.list("certificates", "a list of mappings with cert and key, or keystore and password");
        if (inline && list != null) {
            t.invalid("certificates", list, "either cert and key (or keystore) or certificates, not both");
        } else if (list != null) {
            if (list.items().isEmpty()) {
                t.invalid("certificates", list, "at least one certificate");
            }
            for (int i = 0; i < list.items().size(); i++) {
                Node item = list.items().get(i);
                if (!(item instanceof MapNode m)) {
                    t.invalid("certificates[" + i + "]", item, "a mapping with cert and key, or keystore and password");
                    continue;
                }
                MapReader c = new MapReader(m, t.path("certificates[" + i + "]"), t.problems());
                addLoaded(c, keySource(c, environment, true), certificates);
                c.finish();
            }
        } else {
            addLoaded(t, keySource(t, environment, true), certificates);
        }
        int port = t.integer("port", ServerTls.SAME_PORT, 0, 65535);
        ClientAuth clientAuth = ClientAuth.NONE;
        String auth = t.string("client_auth", null, "none, optional or required");
        if (auth != null) {
            clientAuth = t.call("client_auth", t.node("client_auth"), () -> ClientAuth.parse(auth));
        }
        Path clientCa = path(t, "client_ca");
        if (clientCa != null) {
            try {
                TlsFiles.trustStore("client_ca", clientCa, Instant.now(), new ArrayList<>());
            } catch (TlsFileException e) {
                t.problem("client_ca", t.node("client_ca"), e.getMessage());
                clientCa = null;
            }
        } else if (clientAuth != null && clientAuth != ClientAuth.NONE && t.valid("client_ca")) {
            t.invalid("client_auth", t.node("client_auth"), "none without a client_ca (the CAs that sign client "
                    + "certificates)");
        }
        List<String> protocols = names(t, "protocols", "a list such as [TLSv1.2, TLSv1.3]", ServerTls::checkProtocol);
        List<String> suites = names(t, "cipher_suites", "a list of cipher suites such as [TLS_AES_128_GCM_SHA256]",
                ServerTls::checkCipherSuite);
        boolean redirect = t.bool("redirect_http", false);
        if (redirect && port == ServerTls.SAME_PORT && t.valid("port")) {
            t.invalid("redirect_http", t.node("redirect_http"), "a tls port of its own (tls.port), beside server.port "
                    + "for the redirect");
        }
        Duration reload = t.duration("reload_interval", ServerTls.DEFAULT_RELOAD_INTERVAL, false);
        List<String> alpn = names(t, "alpn", "a list such as [h2, http/1.1]", ServerTls::checkAlpn);
        if (alpn != null && !alpn.isEmpty() && alpn.stream().distinct().count() != alpn.size()) {
            t.problem("alpn", t.node("alpn"), alpn + " (expected: each protocol once)");
            alpn = null;
        }
        t.finish();
        if (certificates.isEmpty() || clientAuth == null || (clientAuth != ClientAuth.NONE && clientCa == null)
                || protocols == null || suites == null || alpn == null || (redirect && port == ServerTls.SAME_PORT)) {
            return null; // reported
        }
        return new ServerTls(certificates, clientAuth, clientCa, protocols.isEmpty() ? ServerTls.DEFAULT_PROTOCOLS
                : protocols, suites, port, redirect, reload, alpn.isEmpty() ? ServerTls.DEFAULT_ALPN : alpn);
    }

    /** A route's {@code backend_tls:} mapping; {@link BackendTls#defaults()} without one. */
    static BackendTls backendTls(MapReader r, Function<String, String> environment) {
        MapReader t = r.map("backend_tls");
        if (t == null) {
            return BackendTls.defaults();
        }
        BackendTls.Builder b = BackendTls.builder();
        Path ca = path(t, "ca");
        if (ca != null) {
            b.ca(ca);
        }
        KeySource client = keySource(t, environment, false);
        if (client != null && loaded(t, client)) {
            b.clientCertificate(client);
        }
        t.string("sni", "a DNS host name such as api.internal", b::sni);
        t.bool("verify_hostname", b::verifyHostname);
        Boolean insecure = t.bool("insecure");
        if (insecure != null) {
            b.insecure(insecure);
            if (insecure && ca != null) {
                t.invalid("insecure", t.node("insecure"), "false with a ca to verify against");
            }
        }
        List<String> protocols = names(t, "protocols", "a list such as [TLSv1.2, TLSv1.3]", ServerTls::checkProtocol);
        if (protocols != null && !protocols.isEmpty()) {
            b.protocols(protocols);
        }
        t.finish();
        BackendTls tls = t.build(b::build);
        if (tls == null) {
            return BackendTls.defaults();
        }
        try {
            tls.check();
        } catch (TlsFileException e) {
            report(t, e);
        }
        return tls;
    }

    /**
     * The certificate of a mapping: {@code cert} and {@code key}, or {@code keystore} with
     * {@code password} or {@code password_env}; null when absent (reported when {@code required})
     * or bad (reported).
     */
    private static KeySource keySource(MapReader m, Function<String, String> environment, boolean required) {
        Path cert = path(m, "cert");
        Path key = path(m, "key");
        Path keyStore = path(m, "keystore");
        String password = password(m, environment);
        if (keyStore != null && (m.has("cert") || m.has("key"))) {
            m.invalid("keystore", m.node("keystore"), "either cert and key, or a keystore, not both");
            return null;
        }
        if (keyStore != null) {
            return KeySource.keyStore(keyStore, password == null ? "" : password);
        }
        if ((m.has("password") || m.has("password_env")) && m.valid("keystore")) {
            String k = m.has("password") ? "password" : "password_env";
            m.invalid(k, m.node(k), "a keystore to open (PEM keys are not encrypted)");
        }
        if (cert != null && key != null) {
            return KeySource.pem(cert, key);
        }
        if (cert != null && m.valid("key")) {
            m.problems().add(m.node("cert").line(), m.path("key"), "missing (expected: the PEM private key of " + cert
                    + ")");
        } else if (key != null && m.valid("cert")) {
            m.problems().add(m.node("key").line(), m.path("cert"), "missing (expected: the PEM certificate chain of "
                    + "the key " + key + ")");
        } else if (required && m.valid("cert") && m.valid("key") && m.valid("keystore")) {
            m.problems().add(m.line(), m.path("cert"), "missing (expected: cert and key, or keystore and password)");
        }
        return null;
    }

    private static String password(MapReader m, Function<String, String> environment) {
        Node plain = m.node("password");
        Node env = m.node("password_env");
        if (plain != null && env != null) {
            m.invalid("password_env", env, "either password or password_env, not both");
            return null;
        }
        if (plain != null) {
            return m.stringValue("password", plain, "the keystore's password as text");
        }
        if (env != null) {
            String name = m.stringValue("password_env", env, "the name of an environment variable");
            String value = name == null ? null : environment.apply(name.strip());
            if (name != null && value == null) {
                m.invalid("password_env", env, "the name of an environment variable that is set");
            }
            return value;
        }
        return null;
    }

    private static void addLoaded(MapReader m, KeySource source, List<KeySource> out) {
        if (source != null && loaded(m, source)) {
            out.add(source);
        }
    }

    /** Reads a key source, reporting what is wrong with it; whether it is good. */
    private static boolean loaded(MapReader m, KeySource source) {
        try {
            TlsFiles.load(source, Instant.now());
            return true;
        } catch (TlsFileException e) {
            report(m, e);
            return false;
        }
    }

    private static void report(MapReader m, TlsFileException e) {
        String key = e.field();
        if (key.equals("password") && !m.has("password")) {
            key = m.has("password_env") ? "password_env" : "keystore";
        }
        Node n = m.node(key);
        if (n != null) {
            m.problem(key, n, e.getMessage());
        } else {
            m.problems().add(m.line(), m.path(key), e.getMessage());
        }
    }

    /** A path key; null when absent or bad (reported). */
    private static Path path(MapReader m, String key) {
        String s = m.string(key, null, FILE);
        if (s == null) {
            return null;
        }
        if (s.isBlank()) {
            m.invalid(key, m.node(key), FILE);
            return null;
        }
        try {
            return Path.of(s.strip());
        } catch (InvalidPathException e) {
            m.invalid(key, m.node(key), FILE);
            return null;
        }
    }

    /** A list of names, each judged by {@code check}; empty when absent, null when one was bad (reported). */
    private static List<String> names(MapReader m, String key, String expected, Consumer<String> check) {
        ListNode list = m.list(key, expected);
        if (list == null) {
            return m.valid(key) ? List.of() : null;
        }
        List<String> out = new ArrayList<>();
        boolean ok = true;
        for (int i = 0; i < list.items().size(); i++) {
            String item = key + "[" + i + "]";
            Node n = list.items().get(i);
            String v = m.stringValue(item, n, "a name");
            if (v == null) {
                ok = false;
                continue;
            }
            try {
                check.accept(v.strip());
                out.add(v.strip());
            } catch (IllegalArgumentException e) {
                String msg = e.getMessage();
                m.problem(item, n, msg.substring(msg.indexOf(": ") + 2));
                ok = false;
            }
        }
        if (ok && list.items().isEmpty()) {
            m.invalid(key, list, expected);
            ok = false;
        }
        return ok ? out : null;
    }
}
