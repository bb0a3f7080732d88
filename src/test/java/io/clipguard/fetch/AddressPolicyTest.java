package io.clipguard.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The address check as a pure function: no traffic is sent anywhere. */
class AddressPolicyTest {
    @ParameterizedTest
    @CsvSource({
        "127.0.0.1, loopback", "127.5.5.5, loopback", "::1, loopback",
        "10.1.2.3, private", "172.16.0.1, private", "172.31.255.255, private", "192.168.1.1, private",
        "169.254.169.254, link-local", "fe80::1, link-local",
        "0.0.0.0, unspecified", "0.1.2.3, this-network", "100.64.0.1, carrier-grade NAT", "100.127.255.1, carrier-grade NAT",
        "224.0.0.1, multicast", "255.255.255.255, broadcast", "fd00::1, unique-local", "fc12::1, unique-local",
        "::ffff:127.0.0.1, loopback", "::ffff:10.0.0.1, private", "::ffff:169.254.169.254, link-local",
        "64:ff9b::a00:1, NAT64", "64:ff9b::7f00:1, NAT64", "64:ff9b:1::1, NAT64", "2002:a00:1::1, 6to4", "2002:7f00:1::, 6to4",
        "::a00:1, IPv4-compatible", "::7f00:1, IPv4-compatible", "2001:0:4136:e378::1, Teredo", "100.64.0.0, carrier-grade NAT",
        "198.18.0.1, benchmarking", "198.19.255.255, benchmarking", "192.0.0.8, IETF protocol assignments", "240.0.0.1, reserved",
        "250.1.2.3, reserved", "192.0.2.1, documentation", "2001:db8::1, documentation", "fec0::1, site-local"})
    void refusesNonPublicAddresses(String address, String reason) throws Exception {
        assertThat(AddressPolicy.refusal(InetAddress.getByName(address))).isEqualTo(reason);
    }

    @ParameterizedTest
    @CsvSource({"93.184.216.34", "8.8.8.8", "172.32.0.1", "100.128.0.1", "2606:4700::1111", "::ffff:1.1.1.1", "198.20.0.1",
        "192.0.1.1", "223.255.255.255", "2003::1"})
    void allowsPublicAddresses(String address) throws Exception {
        assertThat(AddressPolicy.refusal(InetAddress.getByName(address))).isNull();
    }

    @Test
    void namedNetworksAndOnlyThoseAreExempt() throws Exception {
        List<AddressPolicy.Network> onPrem = List.of(AddressPolicy.Network.parse("10.20.0.0/16"), AddressPolicy.Network.parse("fd00:ab::/32"));
        assertThat(AddressPolicy.refusal(InetAddress.getByName("10.20.3.4"), onPrem)).isNull();
        assertThat(AddressPolicy.refusal(InetAddress.getByName("::ffff:10.20.3.4"), onPrem)).isNull();
        assertThat(AddressPolicy.refusal(InetAddress.getByName("fd00:ab::5"), onPrem)).isNull();
        assertThat(AddressPolicy.refusal(InetAddress.getByName("10.21.0.1"), onPrem)).isEqualTo("private");
        assertThat(AddressPolicy.refusal(InetAddress.getByName("169.254.169.254"), onPrem)).isEqualTo("link-local");
        assertThatThrownBy(() -> AddressPolicy.Network.parse("metadata.internal/8")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> AddressPolicy.Network.parse("10.0.0.0/33")).isInstanceOf(IllegalArgumentException.class);
    }
}
