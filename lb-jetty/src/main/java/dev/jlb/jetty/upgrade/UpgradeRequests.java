package dev.jlb.jetty.upgrade;

import dev.jlb.Backend;
import dev.jlb.jetty.ProxyHeaders;
import dev.jlb.jetty.ProxyOptions;
import dev.jlb.jetty.StickyTokens;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;

/**
 * Writes the handshake an upgraded connection sends to its backend, and filters the backend's
 * answer, with the rules of {@link ProxyHeaders}: hop-by-hop headers removed (and those
 * {@code Connection} lists), proxy headers written (the client's {@code X-Forwarded-*} believed only
 * from a trusted proxy), the sticky cookie removed unless forwarded;
 * only {@code Upgrade} and {@code Connection: Upgrade} are put back, since they are the request.
 */
final class UpgradeRequests {

    private UpgradeRequests() {
    }

    /** The handshake request for {@code backend}, as bytes (HTTP/1.1, ISO-8859-1 as on the wire). */
    static ByteBuffer handshake(ProxyOptions options, StickyTokens sticky, UpgradeExchange.Client request,
            Backend backend, String targetPath, String scheme) {
        HttpFields headers = request.headers();
        String tokens = null;
        for (HttpField field : headers) {
            if (field.getHeader() == HttpHeader.CONNECTION) {
                tokens = ProxyHeaders.connectionTokens(field.getValue(), tokens);
            }
        }
        StringBuilder out = new StringBuilder(512);
        out.append(request.method()).append(' ').append(targetPath).append(" HTTP/1.1\r\n");
        String clientHost = headers.get(HttpHeader.HOST);
        String host = options.preserveHost() && clientHost != null ? clientHost : backend.uri().getRawAuthority();
        line(out, "Host", host);
        String forwardedFor = null;
        String forwardedProto = null;
        String forwardedHost = null;
        String via = null;
        String incomingId = null;
        for (HttpField field : headers) {
            String name = field.getName();
            String value = field.getValue();
            switch (ProxyHeaders.requestAction(field.getHeader())) {
                case ProxyHeaders.DROP:
                case ProxyHeaders.HOST:
                    break;
                case ProxyHeaders.X_FORWARDED_FOR:
                    forwardedFor = forwardedFor == null ? value : forwardedFor + ", " + value;
                    break;
                case ProxyHeaders.X_FORWARDED_PROTO:
                    forwardedProto = forwardedProto == null ? value : forwardedProto + ", " + value;
                    break;
                case ProxyHeaders.X_FORWARDED_HOST:
                    forwardedHost = forwardedHost == null ? value : forwardedHost + ", " + value;
                    break;
                case ProxyHeaders.VIA:
                    via = via == null ? value : via + ", " + value;
                    break;
                case ProxyHeaders.COOKIE: {
                    String cookie = sticky == null || sticky.options().forwardToBackends() ? value
                            : sticky.withoutCookie(value);
                    if (cookie != null && !cookie.isEmpty()) {
                        line(out, name, cookie);
                    }
                    break;
                }
                default:
                    if (name.equalsIgnoreCase(options.requestIdHeader())) {
                        if (incomingId == null) {
                            incomingId = value;
                        }
                    } else if (!ProxyHeaders.isListed(tokens, field.getLowerCaseName())) {
                        line(out, name, value);
                    }
            }
        }
        line(out, "Connection", "Upgrade");
        line(out, "Upgrade", headers.get(HttpHeader.UPGRADE));
        if (options.xForwardedHeaders()) {
            String peer = request.remoteAddress();
            boolean trusted = ProxyHeaders.trustsPeer(options, peer);
            lineIfPresent(out, "X-Forwarded-For", ProxyHeaders.forwardedFor(trusted, forwardedFor, peer));
            lineIfPresent(out, "X-Forwarded-Proto", ProxyHeaders.forwarded(trusted, forwardedProto, scheme));
            lineIfPresent(out, "X-Forwarded-Host", ProxyHeaders.forwarded(trusted, forwardedHost, clientHost));
        } else {
            lineIfPresent(out, "X-Forwarded-For", forwardedFor);
            lineIfPresent(out, "X-Forwarded-Proto", forwardedProto);
            lineIfPresent(out, "X-Forwarded-Host", forwardedHost);
        }
        line(out, "Via", ProxyHeaders.append(via, ProxyHeaders.viaEntry(request.protocol(), options.via())));
        String id = ProxyHeaders.isValidRequestId(incomingId) ? incomingId
                : options.generateRequestId() ? ProxyHeaders.newRequestId() : null;
        lineIfPresent(out, options.requestIdHeader(), id);
        out.append("\r\n");
        return ByteBuffer.wrap(out.toString().getBytes(StandardCharsets.ISO_8859_1));
    }

    private static void line(StringBuilder out, String name, String value) {
        out.append(name).append(": ").append(value).append("\r\n");
    }

    private static void lineIfPresent(StringBuilder out, String name, String value) {
        if (value != null) {
            line(out, name, value);
        }
    }

    /** Copies a backend's answer headers to the client's response, hop-by-hop ones removed. */
    static void copyResponseHeaders(HttpFields in, HttpFields.Mutable out) {
        String tokens = ProxyHeaders.connectionTokens(in);
        for (HttpField field : in) {
            if (ProxyHeaders.isHopByHopResponse(field.getHeader())
                    || (tokens != null && ProxyHeaders.isListed(tokens, field.getLowerCaseName()))) {
                continue;
            }
            if (ProxyHeaders.isSingleServerHeader(field.getHeader())) {
                out.put(field);
            } else {
                out.add(field);
            }
        }
    }
}
