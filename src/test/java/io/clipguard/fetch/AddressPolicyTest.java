package io.clipguard.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
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
        "::ffff:127.0.0.1, loopback", "::ffff:10.0.0.1, private", "::ffff:169.254.169.254, link-local"})
    void refusesNonPublicAddresses(String address, String reason) throws Exception {
        assertThat(AddressPolicy.refusal(InetAddress.getByName(address))).isEqualTo(reason);
    }

    @ParameterizedTest
    @CsvSource({"93.184.216.34", "8.8.8.8", "172.32.0.1", "100.128.0.1", "2606:4700::1111", "::ffff:1.1.1.1"})
    void allowsPublicAddresses(String address) throws Exception {
        assertThat(AddressPolicy.refusal(InetAddress.getByName(address))).isNull();
    }
}
