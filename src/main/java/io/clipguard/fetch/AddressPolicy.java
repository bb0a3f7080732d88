package io.clipguard.fetch;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;

/**
 * Which resolved addresses an image fetch may connect to. By default only public unicast
 * addresses: loopback, private (RFC 1918), carrier-grade NAT, link-local (including cloud
 * metadata at 169.254.169.254), unique-local IPv6, multicast and unspecified addresses are
 * refused, also when wrapped as IPv4-mapped IPv6. A pure function, tested as one.
 */
public final class AddressPolicy {
    private AddressPolicy() {
    }

    /** Why {@code address} is refused, or null when a fetch may connect to it. */
    public static String refusal(InetAddress address) {
        InetAddress a = unwrapMapped(address);
        if (a.isLoopbackAddress()) {
            return "loopback";
        }
        if (a.isAnyLocalAddress()) {
            return "unspecified";
        }
        if (a.isLinkLocalAddress()) {
            return "link-local";
        }
        if (a.isSiteLocalAddress()) {
            return "private";
        }
        if (a.isMulticastAddress()) {
            return "multicast";
        }
        byte[] b = a.getAddress();
        if (a instanceof Inet4Address) {
            int first = b[0] & 0xFF;
            int second = b[1] & 0xFF;
            if (first == 0) {
                return "this-network";
            }
            if (first == 100 && second >= 64 && second <= 127) {
                return "carrier-grade NAT";
            }
            if (first == 255) {
                return "broadcast";
            }
        } else if (a instanceof Inet6Address && (b[0] & 0xFE) == 0xFC) {
            return "unique-local";
        }
        return null;
    }

    private static InetAddress unwrapMapped(InetAddress address) {
        byte[] b = address.getAddress();
        if (b.length == 16) {
            boolean mapped = true;
            for (int i = 0; i < 10; i++) {
                mapped &= b[i] == 0;
            }
            if (mapped && (b[10] & 0xFF) == 0xFF && (b[11] & 0xFF) == 0xFF) {
                try {
                    return InetAddress.getByAddress(new byte[] {b[12], b[13], b[14], b[15]});
                } catch (java.net.UnknownHostException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return address;
    }
}
