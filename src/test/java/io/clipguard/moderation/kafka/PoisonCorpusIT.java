package io.clipguard.moderation.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import io.clipguard.app.ClipGuardNode;
import io.clipguard.kafka.AvroSerde;
import io.clipguard.kafka.EmbeddedKafka;
import io.clipguard.kafka.TopicRegistry;
import io.clipguard.schema.DeadLetter;
import io.clipguard.schema.ImageUploaded;
import io.clipguard.schema.InlineImage;
import io.clipguard.testing.BadUploads;
import io.clipguard.testing.DecodeBombs;
import io.clipguard.testing.HostileImages;
import io.clipguard.testing.HostileServer;
import io.clipguard.testing.KafkaIO;
import io.clipguard.testing.Python;
import io.clipguard.testing.TestNode;
import io.clipguard.testing.Uploads;
import io.clipguard.testing.ViewerImages;
import io.clipguard.tools.demo.ShapeScenes;
import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The poison corpus: more than fifty kinds of hostile or strange input through a real broker,
 * each followed by an ordinary image. Each bad one ends as exactly one output (a dead letter
 * with its own reason code, or a decision for the strange but valid ones) within five seconds;
 * every good one is decided; no stream thread fails.
 */
class PoisonCorpusIT {
    @TempDir
    Path dir;

    private final ShapeScenes scenes = new ShapeScenes(71);

    @Test
    void everyKindOfBadInputIsOneOutputWithItsOwnCodeAndTheStreamGoesOn() throws Exception {
        Path fixtures = Files.createDirectories(dir.resolve("fixtures"));
        Python.run("image_fixtures.py", fixtures, fixtures.toString());
        HostileServer server = HostileServer.start(new byte[0]);
        String base = server.base();
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            Map<String, String> settings = TestNode.settings(kafka.bootstrapServers(), "poison", "a", dir);
            settings.put("clipguard.topics.partitions", "3");
            settings.put("clipguard.fetch.allowed-hosts", "127.0.0.1,169.254.169.254");
            settings.put("clipguard.fetch.allowed-networks", "127.0.0.0/8");
            settings.put("clipguard.fetch.deadline", "3s");
            settings.put("clipguard.fetch.read-timeout", "2s");
            settings.put("clipguard.fetch.max-bytes", "4000000");
            settings.put("clipguard.decode.max-bytes", "2000000");
            settings.put("clipguard.decode.cpu-deadline", "300ms");
            settings.put("clipguard.decode.formats", "jpeg,png,gif,webp,bmp,tiff");
            TopicRegistry topics = TestNode.registry(settings);
            Map<String, Object[]> kinds = kinds(fixtures, base);
            assertThat(kinds).hasSizeGreaterThanOrEqualTo(30);
            try (ClipGuardNode node = TestNode.start(settings); KafkaConsumer<byte[], byte[]> outputs = KafkaIO.tailOutputs(kafka.bootstrapServers(), topics)) {
                // Step 1: each kind, then an ordinary image right behind it, on the same partition (same key prefix is not needed:
                // keys spread over partitions, and a kind's good image is behind it in time).
                Map<String, Long> sentAt = new HashMap<>();
                List<String> goods = new ArrayList<>();
                for (Map.Entry<String, Object[]> kind : kinds.entrySet()) {
                    String key = "bad-" + kind.getKey();
                    String good = "good-after-" + kind.getKey();
                    goods.add(good);
                    sentAt.put(key, System.nanoTime());
                    byte[][] bad = kind.getValue().length > 2 ? (byte[][]) kind.getValue()[2] : KafkaIO.record(key, (byte[]) kind.getValue()[0]);
                    KafkaIO.produce(kafka.bootstrapServers(), topics.uploaded().name(), List.of(bad,
                            KafkaIO.record(good, Uploads.bytes(Uploads.inline(good, Uploads.scene(scenes, "green", "circle"))))));
                }
                // Step 2: read every output as it becomes visible (read_committed), timing the bad ones.
                Map<String, String> outcome = new HashMap<>();
                Map<String, Double> seconds = new HashMap<>();
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                int expected = kinds.size() * 2;
                int seen = 0;
                while (seen < expected && System.nanoTime() < deadline) {
                    for (ConsumerRecord<byte[], byte[]> r : outputs.poll(Duration.ofMillis(50))) {
                        seen++;
                        String key = r.key() == null ? "(null)" : new String(r.key(), StandardCharsets.UTF_8);
                        String code;
                        if (r.topic().equals(topics.deadLetters().name())) {
                            DeadLetter l = AvroSerde.DEAD_LETTER.decode(r.value());
                            code = l.getReasonCode();
                            // Dead letters of undecodable records are keyed by the record key; find the kind by position.
                            key = l.getContentId() != null && l.getContentId().startsWith("bad-") ? l.getContentId()
                                    : r.key() != null ? key : "(null)";
                            if (l.getOriginalKey() != null) {
                                key = new String(bytes(l.getOriginalKey()), StandardCharsets.UTF_8);
                            }
                        } else {
                            code = "DECIDED:" + AvroSerde.DECISION.decode(r.value()).getAction();
                        }
                        assertThat(outcome.put(key, code)).as("one output for " + key).isNull();
                        if (sentAt.containsKey(key)) {
                            seconds.put(key, (System.nanoTime() - sentAt.get(key)) / 1e9);
                        }
                    }
                }
                // Step 3: each kind got its own code, quickly; every good image was decided; nothing failed.
                List<String> report = new ArrayList<>();
                kinds.forEach((kind, v) -> report.add(String.format("%-28s %-26s %.2f s", kind, outcome.get("bad-" + kind),
                        seconds.getOrDefault("bad-" + kind, Double.NaN))));
                System.out.println("poison corpus:\n  " + String.join("\n  ", report));
                kinds.forEach((kind, v) -> {
                    // "DECIDED": strange but valid, any action (what the image shows is not the point).
                    String got = outcome.get("bad-" + kind);
                    assertThat(v[1].equals("DECIDED") && got != null ? got.replaceFirst(":.*", "") : got).as(kind).isEqualTo(v[1]);
                    assertThat(seconds.get("bad-" + kind)).as("seconds until " + kind + " was answered").isLessThan(5.0);
                });
                goods.forEach(g -> assertThat(outcome.get(g)).as(g).startsWith("DECIDED:"));
                assertThat(seen).isEqualTo(expected);
                assertThat(node.service().streams().state()).isEqualTo(KafkaStreams.State.RUNNING);
                assertThat(node.service().replacedThreads()).as("stream threads that failed").isZero();
            }
        } finally {
            server.close();
        }
    }

    /** kind -> {upload value bytes (null: a tombstone), the expected outcome}. */
    private Map<String, Object[]> kinds(Path fixtures, String base) throws Exception {
        Map<String, Object[]> k = new LinkedHashMap<>();
        // Records that are not uploads.
        BadUploads.kinds("placeholder", scenes).forEach((name, v) -> {
            if (!name.startsWith("uri-") && !name.equals("blank-content-id") && !name.equals("png-bomb")) {
                k.put(name, v);
            }
        });
        byte[] good = Uploads.bytes(Uploads.inline("bad-x", Uploads.scene(scenes, "blue", "circle")));
        byte[] gib = Arrays.copyOf(good, 15);
        System.arraycopy(new byte[] {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x08}, 0, gib, 10, 5);
        k.put("gibibyte-length-prefix", new Object[] {gib, "AVRO_UNDECODABLE"});
        byte[] wrongType = good.clone();
        wrongType[indexOfImageUnion(good)] = 0x0A; // union branch 5 of a two-branch union
        k.put("wrong-union-type", new Object[] {wrongType, "AVRO_UNDECODABLE"});
        // Events with bad fields (their contentIds are set per kind below).
        k.put("blank-content-id", new Object[] {event("", e -> { }), "FIELD_MISSING"});
        k.put("blank-tenant", new Object[] {event("bad-blank-tenant", e -> e.setTenant(" ")), "FIELD_MISSING"});
        k.put("megabyte-event-id", new Object[] {event("bad-megabyte-event-id", e -> e.setEventId("e".repeat(1_100_000))), "FIELD_TOO_LARGE"});
        Map<String, String> metadata = new HashMap<>();
        for (int i = 0; i < 100; i++) {
            metadata.put("k" + i, "v");
        }
        k.put("hundred-metadata-entries", new Object[] {event("bad-hundred-metadata-entries", e -> e.setMetadata(metadata)), "FIELD_TOO_LARGE"});
        // Records whose envelope is wrong: a megabyte of headers (which every output would copy), a key that is not the contentId.
        byte[] withHeaders = Uploads.bytes(Uploads.inline("bad-megabyte-of-headers", Uploads.scene(scenes, "red", "triangle")));
        k.put("megabyte-of-headers", new Object[] {withHeaders, "FIELD_TOO_LARGE",
            KafkaIO.record("bad-megabyte-of-headers", withHeaders, "x-padding", new byte[1 << 20])});
        k.put("key-not-content-id", new Object[] {null, "KEY_MISMATCH",
            KafkaIO.record("bad-key-not-content-id", Uploads.bytes(Uploads.inline("someone-else", Uploads.scene(scenes, "red", "circle"))))});
        // Images: empty, not images, truncated in every format, bombs, crafted JPEGs, too big, too costly.
        byte[] jpeg = Uploads.scene(scenes, "red", "square");
        byte[] png = scenes.draw("red", "square", 300, 200, false).bytes();
        inline(k, "empty-image", new byte[0], "IMAGE_EMPTY");
        inline(k, "not-an-image", "plain text, not pixels".getBytes(StandardCharsets.UTF_8), "IMAGE_UNSUPPORTED_FORMAT");
        inline(k, "truncated-jpeg", Arrays.copyOf(jpeg, jpeg.length / 2), "IMAGE_CORRUPT");
        inline(k, "truncated-png", Arrays.copyOf(png, png.length / 2), "IMAGE_CORRUPT");
        inline(k, "truncated-gif", Arrays.copyOf(Files.readAllBytes(fixtures.resolve("frames1000.gif")), 400), "IMAGE_CORRUPT");
        inline(k, "truncated-webp", Arrays.copyOf(Files.readAllBytes(fixtures.resolve("blue.webp")), 30), "IMAGE_CORRUPT");
        inline(k, "truncated-bmp", Arrays.copyOf(Files.readAllBytes(fixtures.resolve("yellow.bmp")), 200), "IMAGE_CORRUPT");
        DecodeBombs.kinds().forEach((name, v) -> inline(k, name, (byte[]) v[0], (String) v[1]));
        byte[] base1200 = HostileImages.jpeg(1200, 900);
        inline(k, "jpeg-second-frame-header", HostileImages.secondFrameHeader(base1200, 65535, 65535), "IMAGE_CORRUPT");
        inline(k, "jpeg-empty-scans", HostileImages.manyEmptyScans(base1200, 20_000), "IMAGE_CORRUPT");
        inline(k, "jpeg-zero-sampling-factor", HostileImages.zeroSamplingFactor(base1200), "IMAGE_CORRUPT");
        byte[] huge = base1200.clone();
        int sof = indexOfMarker(huge, 0xC0);
        huge[sof + 5] = (byte) 0xEA;
        huge[sof + 6] = 0x60;
        huge[sof + 7] = (byte) 0xEA;
        huge[sof + 8] = 0x60;
        inline(k, "jpeg-declares-60000x60000", huge, "IMAGE_TOO_LARGE");
        inline(k, "image-over-byte-limit", noisyPng(1000, 800), "IMAGE_TOO_LARGE");
        // Within the memory cap (about 370 MiB of the 384 to decode) but not the CPU deadline.
        inline(k, "image-over-cpu-deadline", HostileImages.progressiveJpeg(4400, 3400), "IMAGE_TOO_COMPLEX");
        inline(k, "image-over-memory-cap", HostileImages.progressiveJpeg(7000, 7000), "IMAGE_TOO_LARGE");
        // Read as a viewer reads them (ViewerBypassTest checks what they are decided as): decided.
        java.awt.image.BufferedImage red = javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(scenes.draw("red", "triangle", 200, 200,
                false).bytes()));
        int[] argb = red.getRGB(0, 0, 200, 200, null, 0, 200);
        byte[] plain = ViewerImages.jpeg(red, false, 2);
        inline(k, "jpeg-jfif-and-adobe", ViewerImages.withAdobe(plain, 0), "DECIDED");
        inline(k, "jpeg-tables-after-last-scan", ViewerImages.lateTables(ViewerImages.jpeg(red, true, 0), 1), "DECIDED");
        inline(k, "jpeg-stray-bytes-before-restarts", ViewerImages.strayBeforeRestarts(plain, new byte[] {1, 2, 3}), "DECIDED");
        inline(k, "apng-hidden-default-image", ViewerImages.apng(200, 200, new int[200 * 200], List.of(new ViewerImages.ApngFrame(0, 0, 200, 200,
                argb, 0, 0))), "DECIDED");
        int[] invisible = argb.clone();
        for (int i = 0; i < invisible.length; i++) {
            invisible[i] &= 0x00FFFFFF;
        }
        inline(k, "png-colour-under-full-transparency", ViewerImages.rgbaPng(invisible, 200, 200), "DECIDED");
        // Strange but valid: decided.
        inline(k, "cmyk-jpeg", Files.readAllBytes(fixtures.resolve("cmyk.jpg")), "DECIDED");
        inline(k, "grey-16-bit-png", Files.readAllBytes(fixtures.resolve("grey16.png")), "DECIDED");
        inline(k, "rgb-16-bit-png", Files.readAllBytes(fixtures.resolve("rgb16.png")), "DECIDED");
        // By reference: refused schemes, hosts, addresses and redirects; hostile servers.
        uri(k, "uri-scheme", "ftp://files.example/x.jpg", "FETCH_SCHEME_NOT_ALLOWED");
        uri(k, "uri-file", "file:///etc/passwd", "FETCH_FILE_NOT_ALLOWED");
        uri(k, "uri-host", "https://not-allowed.example/x.jpg", "FETCH_HOST_NOT_ALLOWED");
        uri(k, "uri-invalid", "http://[not a uri", "FETCH_URI_INVALID");
        uri(k, "uri-cloud-metadata", "http://169.254.169.254/latest/meta-data/", "FETCH_ADDRESS_NOT_ALLOWED");
        uri(k, "uri-redirect-away", base + "/redirect-away", "FETCH_REDIRECT_NOT_ALLOWED");
        uri(k, "uri-redirect-loop", base + "/loop", "FETCH_TOO_MANY_REDIRECTS");
        uri(k, "uri-not-found", base + "/missing", "FETCH_HTTP_STATUS");
        uri(k, "uri-declares-too-much", base + "/declares-big", "FETCH_TOO_LARGE");
        uri(k, "uri-streams-too-much", base + "/streams-big", "FETCH_TOO_LARGE");
        uri(k, "uri-trickle", base + "/trickle", "FETCH_TOO_SLOW");
        uri(k, "uri-stall", base + "/stall", "FETCH_TIMEOUT");
        return k;
    }

    private byte[] event(String contentId, java.util.function.Consumer<ImageUploaded> change) {
        ImageUploaded e = Uploads.inline(contentId, Uploads.scene(scenes, "blue", "square"));
        change.accept(e);
        return Uploads.bytes(e);
    }

    private static void inline(Map<String, Object[]> k, String kind, byte[] image, String expected) {
        k.put(kind, new Object[] {Uploads.bytes(Uploads.inline("bad-" + kind, image)), expected});
    }

    private static void uri(Map<String, Object[]> k, String kind, String uri, String expected) {
        k.put(kind, new Object[] {Uploads.bytes(Uploads.byUri("bad-" + kind, uri)), expected});
    }

    /** Reads decisions and dead letters from the start, committed records only. */

    /** Noise compresses badly: a PNG of a few megabytes. */
    private static byte[] noisyPng(int w, int h) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        SplittableRandom r = new SplittableRandom(3);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, r.nextInt(1 << 24));
            }
        }
        return io.clipguard.image.ImageEncoding.png(img);
    }

    /** The byte where the image union's branch index sits: after header, fingerprint and three strings. */
    private static int indexOfImageUnion(byte[] singleObject) {
        int pos = 10;
        pos = skipString(singleObject, pos); // eventId
        pos = skipString(singleObject, pos); // contentId
        pos = skipString(singleObject, pos); // tenant
        int uploaderBranch = singleObject[pos++];
        if (uploaderBranch == 2) {
            pos = skipString(singleObject, pos);
        }
        return pos;
    }

    private static int skipString(byte[] b, int pos) {
        long n = 0;
        int shift = 0;
        int v;
        do {
            v = b[pos++] & 0xFF;
            n |= (long) (v & 0x7F) << shift;
            shift += 7;
        } while ((v & 0x80) != 0);
        return pos + (int) ((n >>> 1) ^ -(n & 1));
    }

    private static int indexOfMarker(byte[] d, int marker) {
        for (int i = 2; i + 1 < d.length; i++) {
            if ((d[i] & 0xFF) == 0xFF && (d[i + 1] & 0xFF) == marker) {
                return i;
            }
        }
        throw new IllegalArgumentException("no marker");
    }

    private static byte[] bytes(ByteBuffer b) {
        ByteBuffer d = b.duplicate();
        byte[] out = new byte[d.remaining()];
        d.get(out);
        return out;
    }

    @SuppressWarnings("unused")
    private static InlineImage unused() {
        return null;
    }
}
