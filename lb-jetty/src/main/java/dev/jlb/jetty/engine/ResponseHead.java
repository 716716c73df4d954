package dev.jlb.jetty.engine;

/** A parsed response head: the status besides the headers. Not thread-safe. */
final class ResponseHead extends Head {

    int status;

    @Override
    void reset(byte[] bytes, int start) {
        super.reset(bytes, start);
        status = 0;
    }

    /**
     * Sets {@link #framing} for a response to a request with method {@code head}: no body for HEAD,
     * 1xx, 204 and 304; then the length, chunked, or until the backend closes.
     */
    void frame(boolean headRequest) {
        if (headRequest || status < 200 || status == 204 || status == 304) {
            framing = NONE;
        } else if (framing == NONE) {
            framing = UNTIL_CLOSE;
        }
    }
}
