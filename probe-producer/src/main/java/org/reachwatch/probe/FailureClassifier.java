package org.reachwatch.probe;

import java.io.EOFException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.PortUnreachableException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.util.Locale;
import java.util.concurrent.TimeoutException;

import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLPeerUnverifiedException;

import org.xbill.DNS.Rcode;

/**
 * The one place where Java failures become OONI df-007 failure strings ({@code connection_reset},
 * {@code generic_timeout_error}, {@code connection_refused}, {@code dns_nxdomain_error},
 * {@code ssl_invalid_hostname}, {@code ssl_unknown_authority}, {@code eof_error}, ...) and DNS
 * response codes too, in the spirit
 * of ooni/probe-cli's {@code netxlite/classify.go}. The cause chain is walked so that a reset
 * wrapped in an {@link SSLException} is still a reset. Anything unrecognised becomes
 * {@code "unknown_failure: <message>"}, as OONI does, so no failure is ever lost.
 */
public final class FailureClassifier {
    public static final String CONNECTION_RESET = "connection_reset";
    public static final String CONNECTION_REFUSED = "connection_refused";
    public static final String GENERIC_TIMEOUT = "generic_timeout_error";
    public static final String EOF = "eof_error";
    public static final String HOST_UNREACHABLE = "host_unreachable";
    public static final String NETWORK_UNREACHABLE = "network_unreachable";
    public static final String DNS_NXDOMAIN = "dns_nxdomain_error";
    public static final String DNS_NO_ANSWER = "dns_no_answer";
    public static final String DNS_SERVER_MISBEHAVING = "dns_server_misbehaving";
    public static final String DNS_REFUSED = "dns_refused_error";
    public static final String DNS_TEMPORARY_FAILURE = "dns_temporary_failure";
    public static final String SSL_INVALID_HOSTNAME = "ssl_invalid_hostname";
    public static final String SSL_UNKNOWN_AUTHORITY = "ssl_unknown_authority";
    public static final String SSL_INVALID_CERTIFICATE = "ssl_invalid_certificate";
    public static final String SSL_FAILED_HANDSHAKE = "ssl_failed_handshake";

    private FailureClassifier() {
    }

    /** The df-007 string for {@code failure}; never null. */
    public static String classify(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String specific = specific(t);
            if (specific != null) {
                return specific;
            }
        }
        if (failure instanceof SSLHandshakeException || failure instanceof SSLPeerUnverifiedException) {
            return SSL_FAILED_HANDSHAKE;
        }
        String message = failure.getMessage() == null ? failure.getClass().getSimpleName() : failure.getMessage();
        return "unknown_failure: " + message;
    }

    private static String specific(Throwable t) {
        String msg = t.getMessage() == null ? "" : t.getMessage().toLowerCase(Locale.ROOT);
        if (t instanceof SocketTimeoutException || t instanceof TimeoutException) {
            return GENERIC_TIMEOUT;
        }
        if (t instanceof UnknownHostException) {
            return msg.contains("temporary failure") ? DNS_TEMPORARY_FAILURE : DNS_NXDOMAIN;
        }
        if (t instanceof NoRouteToHostException) {
            return HOST_UNREACHABLE;
        }
        if (t instanceof PortUnreachableException) {
            return CONNECTION_REFUSED;
        }
        if (t instanceof ConnectException) {
            if (msg.contains("refused")) {
                return CONNECTION_REFUSED;
            }
            if (msg.contains("network is unreachable")) {
                return NETWORK_UNREACHABLE;
            }
            if (msg.contains("timed out")) {
                return GENERIC_TIMEOUT;
            }
            if (msg.contains("no route")) {
                return HOST_UNREACHABLE;
            }
        }
        if (t instanceof CertificateExpiredException || t instanceof CertificateNotYetValidException) {
            return SSL_INVALID_CERTIFICATE;
        }
        if (t instanceof java.security.cert.CertificateException) {
            if (msg.contains("no subject alternative") || msg.contains("no name matching")) {
                return SSL_INVALID_HOSTNAME;
            }
        }
        if (t instanceof CertPathValidatorException || t.getClass().getName().endsWith("SunCertPathBuilderException")
                || msg.contains("unable to find valid certification path")) {
            return SSL_UNKNOWN_AUTHORITY;
        }
        if (t instanceof SocketException) {
            if (msg.contains("connection reset") || msg.contains("broken pipe")) {
                return CONNECTION_RESET;
            }
            if (msg.contains("network is unreachable")) {
                return NETWORK_UNREACHABLE;
            }
        }
        if (t instanceof EOFException || msg.contains("remote host terminated the handshake")
                || msg.contains("peer shut down incorrectly")) {
            return EOF;
        }
        if (t instanceof InterruptedIOException) {
            return GENERIC_TIMEOUT;
        }
        return null;
    }

    /** The df-007 string for a DNS response code ({@link Rcode}), null for NOERROR. */
    public static String classifyRcode(int rcode) {
        return switch (rcode) {
            case Rcode.NOERROR -> null;
            case Rcode.NXDOMAIN -> DNS_NXDOMAIN;
            case Rcode.REFUSED -> DNS_REFUSED;
            default -> DNS_SERVER_MISBEHAVING;
        };
    }
}
