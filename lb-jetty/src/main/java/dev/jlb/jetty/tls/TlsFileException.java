package dev.jlb.jetty.tls;

/**
 * A TLS file or setting that cannot be used: {@link #field()} names the setting ({@code cert},
 * {@code key}, {@code keystore}, {@code password}, {@code ca}), {@link #getMessage()} is
 * {@code <value> (expected: <what>)}, without the field, so that a configuration reader can put
 * it under its own path. A password is never shown, only its length.
 */
public final class TlsFileException extends Exception {

    private static final long serialVersionUID = 1L;

    /** The configuration field that named the file. */
    private final String field;

    /**
     * A problem with {@code field}; {@code message} is {@code <value> (expected: <what>)}.
     *
     * @param field the field
     * @param message the message
     */
    public TlsFileException(String field, String message) {
        super(message);
        this.field = field;
    }

    /** {@return the setting at fault, such as {@code key}} */
    public String field() {
        return field;
    }

    /** {@code <field>: <message>}. */
    @Override
    public String toString() {
        return field + ": " + getMessage();
    }
}
