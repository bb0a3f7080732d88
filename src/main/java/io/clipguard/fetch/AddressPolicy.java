package io.clipguard.fetch;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/**
 * Which resolved addresses an image fetch may connect to. By default only public unicast
 * addresses: loopback, private (RFC 1918), carrier-grade NAT, link-local (cloud metadata at
 * 169.254.169.254 included), benchmarking, reserved and documentation ranges, unique-local
 * IPv6, multicast and unspecified addresses are refused, and so are the IPv6 forms that can
 * carry an IPv4 address to a private network (IPv4-mapped and -compatible, NAT64, 6to4,
 * Teredo). An operator lifts the refusal for named networks only (an on-premises store's
 * {@code 10.20.0.0/16}), never wholesale. A pure function, tested as one.
 */
public final class AddressPolicy {
    /** Refused ranges, most specific first: (network, reason). */
    private static final List<Object[]> REFUSED = List.of(
            range("0.0.0.0/32", "unspecified"), range("0.0.0.0/8", "this-network"), range("10.0.0.0/8", "private"), range("100.64.0.0/10", "carrier-grade NAT"),
            range("127.0.0.0/8", "loopback"), range("169.254.0.0/16", "link-local"), range("172.16.0.0/12", "private"),
            range("192.0.0.0/24", "IETF protocol assignments"), range("192.0.2.0/24", "documentation"),
            range("192.168.0.0/16", "private"), range("198.18.0.0/15", "benchmarking"), range("198.51.100.0/24", "documentation"),
            range("203.0.113.0/24", "documentation"), range("224.0.0.0/4", "multicast"), range("255.255.255.255/32", "broadcast"),
            range("240.0.0.0/4", "reserved"),
            range("::/128", "unspecified"), range("::1/128", "loopback"), range("::/96", "IPv4-compatible"),
            range("64:ff9b::/96", "NAT64"), range("64:ff9b:1::/48", "NAT64"), range("100::/64", "discard"),
            range("2001::/32", "Teredo"), range("2001:db8::/32", "documentation"), range("2002::/16", "6to4"),
            range("fc00::/7", "unique-local"), range("fe80::/10", "link-local"), range("fec0::/10", "site-local"),
            range("ff00::/8", "multicast"));

    private AddressPolicy() {
    }

    /** An address block, {@code 10.20.0.0/16} or {@code fd00:ab::/32}. */
    public record Network(byte[] prefix, int bits) {
        public static Network parse(String cidr) {
            String[] parts = cidr.strip().split("/", 2);
            try {
                byte[] address = InetAddress.getByName(parts[0]).getAddress();
                int bits = parts.length == 2 ? Integer.parseInt(parts[1]) : address.length * 8;
                if (!parts[0].matches("[0-9a-fA-F:.]+") || bits < 0 || bits > address.length * 8) {
                    throw new IllegalArgumentException("not a network: '" + cidr + "' (expected ADDRESS/BITS)");
                }
                return new Network(address, bits);
            } catch (UnknownHostException | NumberFormatException e) {
                throw new IllegalArgumentException("not a network: '" + cidr + "' (expected ADDRESS/BITS)");
            }
        }

        public boolean contains(InetAddress address) {
            byte[] a = address.getAddress();
            if (a.length != prefix.length) {
                return false;
            }
            BigInteger mask = BigInteger.ONE.shiftLeft(bits).subtract(BigInteger.ONE).shiftLeft(a.length * 8 - bits);
            return new BigInteger(1, a).and(mask).equals(new BigInteger(1, prefix).and(mask));
        }
    }

    /** Why {@code address} is refused, or null when a fetch may connect to it. */
    public static String refusal(InetAddress address) {
        return refusal(address, List.of());
    }

    /** Why {@code address} is refused, or null when it is public or inside one of {@code allowed}. */
    public static String refusal(InetAddress address, List<Network> allowed) {
        InetAddress a = unwrapMapped(address);
        for (Network n : allowed) {
            if (n.contains(a)) {
                return null;
            }
        }
        if (a.isLoopbackAddress()) {
            return "loopback";
        }
        if (a.isLinkLocalAddress()) {
            return "link-local";
        }
        for (Object[] r : REFUSED) {
            if (((Network) r[0]).contains(a)) {
                return (String) r[1];
            }
        }
        return null;
    }

    private static Object[] range(String cidr, String reason) {
        return new Object[] {Network.parse(cidr), reason};
    }

    /** {@code ::ffff:a.b.c.d} is the IPv4 address a.b.c.d on the wire. */
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
                } catch (UnknownHostException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return address;
    }
}
