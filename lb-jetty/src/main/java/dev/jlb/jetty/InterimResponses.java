package dev.jlb.jetty;

import org.eclipse.jetty.client.ProcessingProtocolHandler;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.http.HttpStatus;

/**
 * Consumes a backend's interim (1xx) responses other than {@code 101}: {@code 100 Continue},
 * {@code 102 Processing}, {@code 103 Early Hints} and unknown ones, so that the exchange goes on to
 * the final response.
 *
 * <p>Why it is needed: a proxy client clears Jetty's protocol handlers (no redirects, no
 * authentication, no {@code 100-continue} handling of its own), and without a handler for an
 * interim status Jetty's client completes the response on the interim one and then ignores the
 * final response: the exchange never ends (issue 10). This handler resets the exchange for the
 * next response, as Jetty's own {@link ProcessingProtocolHandler} does for {@code 102}. The
 * interim response never reaches the exchange's listener, so the attempt timeout keeps running
 * until the final response's headers.
 *
 * <p>jlb never sends {@code Expect: 100-continue} to a backend (it answers it to the client
 * itself), so a {@code 100} from a backend is unsolicited and only skipped. {@code 103} hints are
 * dropped, not forwarded: the client gets the final response's headers only.
 */
final class InterimResponses extends ProcessingProtocolHandler {

    static final String NAME = "jlb-interim";

    @Override
    public String getName() {
        return NAME;
    }

    @Override
    public boolean accept(Request request, Response response) {
        int status = response.getStatus();
        return HttpStatus.isInterim(status) && status != HttpStatus.SWITCHING_PROTOCOLS_101;
    }
}
