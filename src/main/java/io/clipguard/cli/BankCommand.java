package io.clipguard.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.clipguard.bank.BankEntries;
import io.clipguard.bank.Banks;
import io.clipguard.bank.HashList;
import io.clipguard.bank.kafka.BankLog;
import io.clipguard.clip.ClipEngine;
import io.clipguard.config.Settings;
import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import io.clipguard.image.DecodeLimits;
import io.clipguard.image.DecodedImage;
import io.clipguard.image.ImageDecoder;
import io.clipguard.image.ImagePipeline;
import io.clipguard.kafka.KafkaClients;
import io.clipguard.kafka.TopicCreator;
import io.clipguard.kafka.TopicRegistry;
import io.clipguard.pdq.PdqHasher;
import io.clipguard.schema.BankEntry;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code clipguard bank ...}: PDQ hashes, and the entries of banks on the banks topic. */
@Command(name = "bank", mixinStandardHelpOptions = true, description = "Banks of known content: PDQ hashes and exemplar embeddings.",
        subcommands = {BankCommand.Hash.class, BankCommand.Add.class, BankCommand.Remove.class, BankCommand.Import.class, BankCommand.Export.class})
class BankCommand {
    private static final ImageDecoder DECODER = new ImageDecoder(DecodeLimits.defaults());
    private static final Duration READ_TIMEOUT = Duration.ofMinutes(2);

    /** The image as a viewer sees it (first view), hashed. */
    static PdqHasher.Result hash(Path file) {
        DecodedImage image = DECODER.decode(ImageFiles.read(file));
        return PdqHasher.hash(image.rgb(), image.width(), image.height());
    }

    /** The clients and topics the Kafka options name; the bootstrap servers are required. */
    record Kafka(KafkaClients clients, TopicRegistry topics) {
    }

    /** A bank id as the API and every instance accept it: {@code BANK_ENTRY_INVALID} otherwise. */
    static String bankId(String bank) {
        if (!BankEntries.BANK_ID.matcher(bank).matches()) {
            throw new ClipGuardException(ErrorCode.BANK_ENTRY_INVALID, "a bank id is 1-64 of a-z, 0-9, '.', '_', '-', starting with a letter or digit: '"
                    + bank.substring(0, Math.min(70, bank.length())) + "'");
        }
        return bank;
    }

    static Kafka kafka(KafkaArgs args) {
        Settings settings = args.settings(Map.of());
        KafkaClients clients = KafkaClients.from(settings);
        clients.requireBootstrapServers();
        TopicRegistry topics = TopicRegistry.from(settings.app().topics());
        // Banks may be filled before any instance has run: the compacted topic is made here then.
        TopicCreator.ensure(clients, List.of(topics.banks()));
        return new Kafka(clients, topics);
    }

    private static String user() {
        return "cli:" + System.getProperty("user.name", "unknown");
    }

    /** {@code clipguard bank hash FILE...}: one JSON line per file. */
    @Command(name = "hash", mixinStandardHelpOptions = true, description = "Print each image's PDQ hash: one JSON line {path, pdq, quality} per file.")
    static class Hash implements Callable<Integer> {
        @Parameters(arity = "1..*", paramLabel = "FILE")
        List<Path> files;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            ObjectMapper json = new ObjectMapper();
            int worst = 0;
            for (Path file : files) {
                try {
                    PdqHasher.Result r = hash(file);
                    Map<String, Object> line = new LinkedHashMap<>();
                    line.put("path", file.toString());
                    line.put("pdq", r.hash().toString());
                    line.put("quality", r.quality());
                    spec.commandLine().getOut().println(json.writeValueAsString(line));
                } catch (ClipGuardException e) {
                    spec.commandLine().getErr().println(e.code() + ": " + file + ": " + e.getMessage());
                    worst = Math.max(worst, e.code().exitStatus());
                }
            }
            spec.commandLine().getOut().flush();
            return worst;
        }
    }

    /** {@code clipguard bank add BANK FILE...}: hashes (or embeds) images and writes them to the banks topic. */
    @Command(name = "add", mixinStandardHelpOptions = true, description = "Add images to a bank: their PDQ hashes, or with --kind embedding their "
            + "embeddings by the model; one JSON line per entry written.")
    static class Add implements Callable<Integer> {
        @Mixin
        KafkaArgs kafkaArgs;

        @Mixin
        EngineArgs engineArgs;

        @Parameters(index = "0", paramLabel = "BANK")
        String bank;

        @Parameters(index = "1..*", arity = "1..*", paramLabel = "FILE")
        List<Path> files;

        @Option(names = "--kind", description = "pdq (default) or embedding.")
        String kind = "pdq";

        @Option(names = "--reason", paramLabel = "TEXT", description = "Why these entries are added (kept with each).")
        String reason;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            bankId(bank);
            if (!kind.equals("pdq") && !kind.equals("embedding")) {
                throw new ClipGuardException(ErrorCode.BANK_ENTRY_INVALID, "--kind must be pdq or embedding, found '" + kind + "'");
            }
            Kafka kafka = kafka(kafkaArgs);
            List<BankEntry> entries = new ArrayList<>();
            Instant now = Instant.now();
            if (kind.equals("pdq")) {
                for (Path file : files) {
                    PdqHasher.Result r = hash(file);
                    if (r.quality() < Banks.MIN_QUALITY) {
                        throw new ClipGuardException(ErrorCode.BANK_ENTRY_INVALID, file + ": too little detail for a PDQ hash (quality " + r.quality()
                                + " < " + Banks.MIN_QUALITY + "): it would match other flat images");
                    }
                    entries.add(BankEntries.pdq(bank, r.hash().toString(), r.hash(), r.quality(), "file:" + file.getFileName(), user(), now,
                            reason, null, null));
                }
            } else {
                try (ClipEngine engine = engineArgs.open()) {
                    ImagePipeline pipeline = new ImagePipeline(DecodeLimits.defaults(), engine.preprocess(), true);
                    for (Path file : files) {
                        byte[] bytes = ImageFiles.read(file);
                        float[] vector = engine.embedImages(List.of(pipeline.prepare(bytes).tensor()))[0];
                        entries.add(BankEntries.embedding(bank, BankEntries.exemplarId(bytes), vector, engine.identity().digest(),
                                "file:" + file.getFileName(), user(), now, reason, null));
                    }
                }
            }
            write(kafka, entries, spec.commandLine().getOut());
            return 0;
        }
    }

    /** {@code clipguard bank remove BANK ENTRY}. */
    @Command(name = "remove", mixinStandardHelpOptions = true, description = "Remove an entry from a bank.")
    static class Remove implements Callable<Integer> {
        @Mixin
        KafkaArgs kafkaArgs;

        @Parameters(index = "0", paramLabel = "BANK")
        String bank;

        @Parameters(index = "1", paramLabel = "ENTRY")
        String entry;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            bankId(bank);
            Kafka kafka = kafka(kafkaArgs);
            try (BankLog.Writer writer = BankLog.writer(kafka.clients(), kafka.topics())) {
                writer.remove(bank, entry);
            }
            spec.commandLine().getOut().println("removed " + bank + "/" + entry);
            return 0;
        }
    }

    /** {@code clipguard bank import BANK FILE}: a hash list, one hex PDQ hash per line with optional tab-separated metadata. */
    @Command(name = "import", mixinStandardHelpOptions = true, description = "Import a PDQ hash list into a bank: one hash per line (64 hex digits), "
            + "optionally followed by tab-separated metadata; blank lines and # comments are skipped. A bad line refuses the whole file.")
    static class Import implements Callable<Integer> {
        @Mixin
        KafkaArgs kafkaArgs;

        @Parameters(index = "0", paramLabel = "BANK")
        String bank;

        @Parameters(index = "1", paramLabel = "FILE")
        Path file;

        @Option(names = "--reason", paramLabel = "TEXT", description = "Why the list is imported (kept with each entry).")
        String reason;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            bankId(bank);
            long hashes;
            try (Reader in = open(file)) {
                hashes = HashList.check(in);
            } catch (IOException e) {
                throw new ClipGuardException(ErrorCode.FILE_UNREADABLE, e.getMessage(), e);
            }
            Kafka kafka = kafka(kafkaArgs);
            String source = "import:" + file.getFileName();
            String by = user();
            Instant now = Instant.now();
            try (Reader in = open(file); BankLog.Writer writer = BankLog.writer(kafka.clients(), kafka.topics())) {
                writer.writeAll(HashList.hashes(in, line -> BankEntries.pdq(bank, line.hash().toString(), line.hash(), null, source, by, now, reason,
                        line.metadata(), null)));
            } catch (IOException e) {
                throw new ClipGuardException(ErrorCode.FILE_UNREADABLE, e.getMessage(), e);
            }
            spec.commandLine().getOut().println("imported " + hashes + " hashes into " + bank);
            return 0;
        }

        private static Reader open(Path file) {
            try {
                return Files.newBufferedReader(file, StandardCharsets.UTF_8);
            } catch (NoSuchFileException e) {
                throw new ClipGuardException(ErrorCode.FILE_NOT_FOUND, "no such file: " + file);
            } catch (IOException e) {
                throw new ClipGuardException(ErrorCode.FILE_UNREADABLE, file + ": " + e.getMessage(), e);
            }
        }
    }

    /** {@code clipguard bank export BANK}: the bank's PDQ hashes in the form {@code import} reads. */
    @Command(name = "export", mixinStandardHelpOptions = true, description = "Print a bank's PDQ hashes, one per line with their metadata after a tab.")
    static class Export implements Callable<Integer> {
        @Mixin
        KafkaArgs kafkaArgs;

        @Parameters(index = "0", paramLabel = "BANK")
        String bank;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            bankId(bank);
            Kafka kafka = kafka(kafkaArgs);
            List<BankEntry> entries = BankLog.read(kafka.clients(), kafka.topics(), bank, READ_TIMEOUT);
            PrintWriter out = spec.commandLine().getOut();
            Instant now = Clock.systemUTC().instant();
            entries.stream().filter(e -> e.getPdq() != null && (e.getExpiresAt() == null || e.getExpiresAt().isAfter(now)))
                    .forEach(e -> out.println(HashList.format(e.getPdq(), e.getMetadata())));
            out.flush();
            return 0;
        }
    }

    private static void write(Kafka kafka, List<BankEntry> entries, PrintWriter out) throws IOException {
        ObjectMapper json = new ObjectMapper();
        try (BankLog.Writer writer = BankLog.writer(kafka.clients(), kafka.topics())) {
            for (BankEntry e : entries) {
                writer.write(e);
                Map<String, Object> line = new LinkedHashMap<>();
                line.put("bank", e.getBank());
                line.put("entry", e.getEntry());
                line.put("kind", e.getKind());
                if (e.getPdq() != null) {
                    line.put("pdq", e.getPdq());
                    line.put("quality", e.getQuality());
                }
                line.put("source", e.getSource());
                out.println(json.writeValueAsString(line));
            }
        }
        out.flush();
    }
}
