package dev.jlb.jetty;

import java.io.IOException;

/**
 * The backend's response ended before the client's request body (a gRPC server may end a call
 * while the client still streams): see {@link Attempt#onResponseEnded()}.
 */
final class ResponseEndedFirst extends IOException {
    private static final long serialVersionUID = 1L;

    ResponseEndedFirst() {
        super("the backend ended the response before the request", null);
    }
}
