package org.reachwatch.probe;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.EOFException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;

import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;

import org.junit.jupiter.api.Test;
import org.xbill.DNS.Rcode;

class FailureClassifierTest {
    @Test
    void javaExceptionsMapToOoniFailureStrings() {
        assertThat(FailureClassifier.classify(new SocketTimeoutException("Read timed out"))).isEqualTo("generic_timeout_error");
        assertThat(FailureClassifier.classify(new ConnectException("Connection refused"))).isEqualTo("connection_refused");
        assertThat(FailureClassifier.classify(new SocketException("Connection reset"))).isEqualTo("connection_reset");
        assertThat(FailureClassifier.classify(new NoRouteToHostException("No route to host"))).isEqualTo("host_unreachable");
        assertThat(FailureClassifier.classify(new ConnectException("Network is unreachable"))).isEqualTo("network_unreachable");
        assertThat(FailureClassifier.classify(new UnknownHostException("x.com: Name or service not known"))).isEqualTo("dns_nxdomain_error");
        assertThat(FailureClassifier.classify(new UnknownHostException("x.com: Temporary failure in name resolution")))
                .isEqualTo("dns_temporary_failure");
        assertThat(FailureClassifier.classify(new EOFException())).isEqualTo("eof_error");
    }

    @Test
    void causeChainIsWalkedSoAWrappedResetIsStillAReset() {
        assertThat(FailureClassifier.classify(new SSLException("handshake", new SocketException("Connection reset by peer"))))
                .isEqualTo("connection_reset");
        assertThat(FailureClassifier.classify(new SSLHandshakeException("Remote host terminated the handshake")))
                .isEqualTo("eof_error");
        assertThat(FailureClassifier.classify(new SSLHandshakeException("no cipher suites in common")))
                .isEqualTo("ssl_failed_handshake");
    }

    @Test
    void unknownFailuresKeepTheirMessage() {
        assertThat(FailureClassifier.classify(new IllegalStateException("odd"))).isEqualTo("unknown_failure: odd");
    }

    @Test
    void dnsResponseCodesMapToDnsFailures() {
        assertThat(FailureClassifier.classifyRcode(Rcode.NXDOMAIN)).isEqualTo("dns_nxdomain_error");
        assertThat(FailureClassifier.classifyRcode(Rcode.REFUSED)).isEqualTo("dns_refused_error");
        assertThat(FailureClassifier.classifyRcode(Rcode.SERVFAIL)).isEqualTo("dns_server_misbehaving");
        assertThat(FailureClassifier.classifyRcode(Rcode.NOERROR)).isNull();
    }

    @Test
    void timeoutWrappedInAnIoExceptionIsATimeout() {
        assertThat(FailureClassifier.classify(new java.io.IOException("Timed out while trying to resolve x.com./A",
                new java.util.concurrent.TimeoutException()))).isEqualTo("generic_timeout_error");
    }
}
