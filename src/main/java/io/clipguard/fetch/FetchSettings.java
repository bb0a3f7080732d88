package io.clipguard.fetch;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

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

    /** Nothing fetchable: inline images only. */
    public static FetchSettings inlineOnly() {
        return new FetchSettings(Set.of(), List.of(), Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(10), 32_768,
                20L << 20, 3, null);
    }
}
