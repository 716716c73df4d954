package dev.jlb.standalone;

import java.util.function.IntSupplier;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * {@code server.tls.redirect_http}: a request that arrived over cleartext HTTP gets a
 * {@code 308 Permanent Redirect} to the same host, path and query on the HTTPS port (308 keeps the
 * method and body, where 301 lets clients turn a POST into a GET). Requests over TLS go to the
 * wrapped handler. Thread-safe.
 */
final class HttpsRedirect extends Handler.Wrapper {

    private final IntSupplier httpsPort;

    /** @param httpsPort the HTTPS port clients reach (asked per request: it may be chosen at bind) */
    HttpsRedirect(Handler next, IntSupplier httpsPort) {
        super(next);
        this.httpsPort = httpsPort;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        if (request.isSecure()) {
            return super.handle(request, response, callback);
        }
        HttpURI uri = request.getHttpURI();
        String host = Request.getServerName(request);
        int port = httpsPort.getAsInt();
        HttpURI.Mutable target = HttpURI.build(uri).scheme("https").host(host).port(port == 443 ? -1 : port);
        response.setStatus(308);
        response.getHeaders().put(HttpHeader.LOCATION, target.asString());
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain;charset=utf-8");
        response.write(true, java.nio.ByteBuffer.wrap(("redirecting to https\n")
                .getBytes(java.nio.charset.StandardCharsets.US_ASCII)), callback);
        return true;
    }
}
