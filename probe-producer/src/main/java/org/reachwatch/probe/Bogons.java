package org.reachwatch.probe;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Tells whether a DNS answer is a bogon: an address that can never be a public server (private,
 * loopback, link-local, CGNAT, documentation, multicast, reserved, unspecified). Censors answer such
 * addresses (Kenya's Jambonet: 192.168.7.222 for telegram.org), so a bogon answer is a sign of DNS
 * tampering. Only literal IP strings are inspected; nothing is resolved.
 */
public final class Bogons {
    private Bogons() {
    }

    /** True when {@code literal} is an IPv4/IPv6 literal in a bogon range; false for anything else, names included. */
    public static boolean isBogon(String literal) {
        if (literal == null || literal.isEmpty() || !(literal.indexOf(':') >= 0 || Character.isDigit(literal.charAt(0)))) {
            return false;
        }
        InetAddress address;
        try {
            // getByName does not query DNS for a literal; the character check above keeps names out
            address = InetAddress.getByName(literal);
        } catch (UnknownHostException | SecurityException e) {
            return false;
        }
        return isBogon(address);
    }

    public static boolean isBogon(InetAddress a) {
        if (a.isAnyLocalAddress() || a.isLoopbackAddress() || a.isLinkLocalAddress() || a.isSiteLocalAddress()
                || a.isMulticastAddress()) {
            return true;
        }
        byte[] b = a.getAddress();
        if (a instanceof Inet4Address) {
            int o0 = b[0] & 0xff;
            int o1 = b[1] & 0xff;
            int o2 = b[2] & 0xff;
            return o0 == 0
                    || (o0 == 100 && o1 >= 64 && o1 <= 127)            // 100.64/10 CGNAT
                    || (o0 == 192 && o1 == 0 && (o2 == 0 || o2 == 2))  // 192.0.0/24, 192.0.2/24
                    || (o0 == 198 && (o1 == 18 || o1 == 19))           // 198.18/15 benchmarking
                    || (o0 == 198 && o1 == 51 && o2 == 100)
                    || (o0 == 203 && o1 == 0 && o2 == 113)
                    || o0 >= 240;
        }
        if (a instanceof Inet6Address) {
            int h0 = b[0] & 0xff;
            return (h0 & 0xfe) == 0xfc                                  // fc00::/7 unique local
                    || (h0 == 0x20 && (b[1] & 0xff) == 0x01 && (b[2] & 0xff) == 0x0d && (b[3] & 0xff) == 0xb8); // 2001:db8::/32
        }
        return false;
    }
}
