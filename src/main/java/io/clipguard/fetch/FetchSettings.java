package io.clipguard.fetch;

import io.clipguard.config.ClipGuardConfig;
import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What image references may be fetched, and how long a fetch may take.
 *
 * @param allowedHosts      exact host names (lower case) http(s) fetches may reach; empty = none
 * @param allowedNetworks   networks exempt from the refusal of private and special addresses (on-premises stores)
 * @param connectTimeout    to open the connection
 * @param readTimeout       the longest silence while waiting for the response or its body
 * @param deadline          the whole fetch, connection to last byte
 * @param minBytesPerSecond after the first second, a body arriving slower than this is refused
 * @param fileRoot          directory {@code file://} references are confined to; null = file:// refused
 */
public record FetchSettings(Set<String> allowedHosts, List<AddressPolicy.Network> allowedNetworks, Duration connectTimeout,
                            Duration readTimeout, Duration deadline, long minBytesPerSecond, long maxBytes, int maxRedirects,
                            Path fileRoot) {

    /** The allow-list and limits of {@code clipguard.fetch.*}. */
    public static FetchSettings from(ClipGuardConfig.Fetch f) {
        Set<String> hosts = f.allowedHosts().orElse(List.of()).stream().map(String::trim).filter(h -> !h.isEmpty())
                .map(h -> h.toLowerCase(Locale.ROOT)).collect(Collectors.toSet());
        List<AddressPolicy.Network> networks;
        try {
            networks = f.allowedNetworks().orElse(List.of()).stream().filter(n -> !n.isBlank()).map(AddressPolicy.Network::parse).toList();
        } catch (IllegalArgumentException e) {
            throw new ClipGuardException(ErrorCode.CONFIG_INVALID, "clipguard.fetch.allowed-networks: " + e.getMessage());
        }
        return new FetchSettings(hosts, networks, f.connectTimeout(), f.readTimeout(), f.deadline(), f.minBytesPerSecond(),
                f.maxBytes(), f.maxRedirects(), f.fileRoot().orElse(null));
    }

    /** Nothing fetchable: inline images only. */
    public static FetchSettings inlineOnly() {
        return new FetchSettings(Set.of(), List.of(), Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(10), 32_768,
                20L << 20, 3, null);
    }
}
