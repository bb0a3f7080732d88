package io.clipguard.bank;

import io.clipguard.clip.BatchSearch;
import io.clipguard.clip.NearestRows;
import io.clipguard.pdq.PdqHash;
import io.clipguard.pdq.PdqHasher;
import io.clipguard.pdq.PdqIndex;
import io.clipguard.policy.BankHit;
import io.clipguard.policy.Policy;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;

/**
 * Every bank's entries as this instance holds them, and an upload's matches against the banks
 * a policy declares. Changes are applied as they arrive (from the banks topic) and become
 * visible at {@link #publish}, which swaps in a new immutable snapshot: matching never locks.
 * A PDQ bank's snapshot is a base index built in full plus the changes since (the entries
 * added or replaced, scanned one by one, and the base entries a change made dead), so one
 * change to a million-entry bank costs a small list rather than a second's rebuild; past
 * {@value #CHANGES_BEFORE_REBUILD} changes (or when an entry expires) the base is rebuilt.
 * Exemplars the same way: the base's matrices (their removed rows left out by a penalty, not
 * copied) and the exemplars added since in small matrices; an inference batch searches them
 * all with one matrix product per matrix ({@link #search}).
 *
 * <p>Bounded: at most {@code maxEntries} entries in all (an add past it is refused by the
 * writer and skipped by readers, with a count), so a bank's memory is known in bytes: a PDQ
 * entry costs about 550 bytes with its index (its id, its slot in the bank's columns, the id's
 * map entry, the index's 16 tables). An exemplar's vector is also bounded in bytes in all
 * ({@code maxExemplarBytes}): 4 bytes per dimension in its table on the heap, and again in the
 * matrix searched (off the heap from {@value NearestRows#PRODUCT_FROM} rows; twice while a rebuilt
 * base replaces the one a snapshot still holds).
 */
public final class Banks {
    /** One entry: a PDQ hash or an exemplar embedding of one model. */
    public record Entry(String bank, String id, PdqHash pdq, float[] vector, String modelDigest, Instant expiresAt) {
    }

    /** Changes to a bank applied over its base before the base is rebuilt. */
    static final int CHANGES_BEFORE_REBUILD = 4096;
    /** Banks smaller than this are compared hash by hash (an index's tables cost 4 MiB whatever its size). */
    static final int INDEXED_FROM = 4096;
    /** PDQ's own rule: a hash of quality under 50 (a flat or nearly blank image) matches too easily to be looked up. */
    public static final int MIN_QUALITY = 50;
    private static final int[] NO_SLOTS = new int[0];

    /** One bank's live entries, indexed: PDQ hashes, and exemplars by model digest. */
    private record Indexed(PdqPart pdq, ExemplarPart exemplars, Instant nextExpiry) {
    }

    /**
     * A bank's exemplars by model digest and dimension: the base's matrices (less the rows freed
     * since, left out without a copy) and the exemplars added since, in small matrices of their own.
     */
    private record ExemplarPart(Map<String, ExemplarMatrix> base, Map<String, ExemplarMatrix> recent) {
        static final ExemplarPart NONE = new ExemplarPart(Map.of(), Map.of());

        boolean isEmpty() {
            return base.isEmpty() && recent.isEmpty();
        }

        boolean has(String key) {
            return base.containsKey(key) || recent.containsKey(key);
        }

        /** The nearest live exemplar of model {@code key} to each query (null where there is none). */
        List<ExemplarMatrix.Nearest> nearest(String key, List<float[]> queries) {
            ExemplarMatrix b = base.get(key);
            ExemplarMatrix r = recent.get(key);
            List<ExemplarMatrix.Nearest> found = b == null ? null : b.nearest(queries);
            List<ExemplarMatrix.Nearest> more = r == null ? null : r.nearest(queries);
            if (found == null || more == null) {
                return found != null ? found : more != null ? more : Collections.nCopies(queries.size(), null);
            }
            List<ExemplarMatrix.Nearest> out = new ArrayList<>(queries.size());
            for (int q = 0; q < queries.size(); q++) {
                ExemplarMatrix.Nearest x = found.get(q);
                ExemplarMatrix.Nearest y = more.get(q);
                out.add(x == null || (y != null && y.similarity() > x.similarity()) ? y : x);
            }
            return out;
        }
    }

    /**
     * A bank's full build over its compacted columns: the PDQ index of slots 0 to {@code slots}
     * (null for a small bank, whose live hashes are {@code scanned} one by one instead), the
     * slots it never matches (exemplars, expired), its exemplars and its next expiry.
     */
    private record Base(BankTable table, int generation, BankTable.Columns columns, int slots, PdqIndex index, BitSet dead, int[] scanned,
                        Map<String, ExemplarMatrix> exemplars, Instant nextExpiry) {
        /** Whether this base still numbers {@code t}'s slots: built from it, and not compacted since. */
        boolean of(BankTable t) {
            return table == t && generation == t.generation();
        }
    }

    /** The PDQ hashes matched: the base's less its dead slots, and the slots {@code scanned} one by one (a small bank's, or the changes since). */
    private record PdqPart(BankTable.Columns columns, PdqIndex base, BitSet dead, int[] scanned) {
        /** The nearest live entry to each query within {@code maxDistance}: its id and distance, or null. */
        List<Map.Entry<String, Integer>> nearestEach(List<PdqHash> queries, int maxDistance) {
            PdqIndex.Match[] found = base == null ? new PdqIndex.Match[queries.size()] : base.nearestEach(queries, maxDistance, dead);
            List<Map.Entry<String, Integer>> nearest = new ArrayList<>(queries.size());
            for (int q = 0; q < queries.size(); q++) {
                PdqIndex.Match m = found[q];
                int slot = m == null ? -1 : m.entry();
                int best = m == null ? maxDistance + 1 : m.distance();
                for (int s : scanned) {
                    int d = columns.distance(s, queries.get(q));
                    if (d < best) {
                        best = d;
                        slot = s;
                    }
                }
                nearest.add(slot < 0 ? null : Map.entry(columns.ids()[slot], best));
            }
            return nearest;
        }
    }

    private final int maxEntries;
    private final long maxExemplarBytes;
    private long exemplarBytes;
    private final Map<String, BankTable> tables = new HashMap<>();
    private final Set<String> changed = new HashSet<>();
    private final Map<String, Base> bases = new HashMap<>();
    private int count;
    private long refused;
    private final AtomicLong searches = new AtomicLong();
    private final AtomicLong uploadSearches = new AtomicLong();
    private final AtomicLong searchNanos = new AtomicLong();
    private volatile Map<String, Indexed> snapshot = Map.of();

    /** Banks with room for {@code maxEntries} entries and 256 MiB of exemplar vectors. */
    public Banks(int maxEntries) {
        this(maxEntries, 256L << 20);
    }

    /**
     * @param maxExemplarBytes the exemplar vectors' bytes held in all (4 per dimension, off the
     *                         heap; twice that while a rebuilt matrix replaces the one a snapshot holds)
     */
    public Banks(int maxEntries, long maxExemplarBytes) {
        this.maxEntries = maxEntries;
        this.maxExemplarBytes = maxExemplarBytes;
    }

    /** Adds or replaces an entry; false (and counted) when the banks are full. */
    public synchronized boolean put(Entry entry) {
        BankTable existing = tables.get(entry.bank());
        if (!hasRoomFor(entry.bank(), entry.id(), entry.vector() == null ? 0 : entry.vector().length)) {
            refused++;
            // A replacement not held leaves no stale entry behind: the log says the old one is gone.
            remove(entry.bank(), entry.id());
            return false;
        }
        long freed = existing == null ? 0 : existing.vectorBytes(entry.id());
        BankTable bank = existing != null ? existing : tables.computeIfAbsent(entry.bank(), BankTable::new);
        if (bank.put(entry)) {
            count++;
        }
        exemplarBytes += (entry.vector() == null ? 0 : 4L * entry.vector().length) - freed;
        changed.add(entry.bank());
        return true;
    }

    public synchronized void remove(String bank, String id) {
        BankTable b = tables.get(bank);
        long freed = b == null ? 0 : b.vectorBytes(id);
        if (b != null && b.remove(id)) {
            exemplarBytes -= freed;
            count--;
            changed.add(bank);
            if (b.size() == 0) {
                tables.remove(bank);
                bases.remove(bank);
            }
        }
    }

    /** Whether {@code bank} holds entry {@code id}. */
    public synchronized boolean holds(String bank, String id) {
        BankTable b = tables.get(bank);
        return b != null && b.holds(id);
    }

    /**
     * Whether an add of {@code bank}/{@code id} (an exemplar of {@code dimensions} values, or 0
     * for a hash) would be held: within {@code maxEntries} entries (a replacement always is) and
     * within the exemplar bytes, counting what a replacement frees.
     */
    public synchronized boolean hasRoomFor(String bank, String id, int dimensions) {
        BankTable b = tables.get(bank);
        boolean held = b != null && b.holds(id);
        long freed = held ? b.vectorBytes(id) : 0;
        return (held || count < maxEntries) && (dimensions == 0 || exemplarBytes - freed + 4L * dimensions <= maxExemplarBytes);
    }

    /** Entries held, in all. */
    public synchronized int size() {
        return count;
    }

    /** Adds refused because the banks were full. */
    public synchronized long refused() {
        return refused;
    }

    /** Inference batches searched against exemplar banks of their model so far ({@link #search}). */
    public long exemplarSearches() {
        return searches.get();
    }

    /** Live views searched again when decided, per embedding bank a policy declares: their batch's search failed, or the banks changed since. */
    public long exemplarSearchesAlone() {
        return uploadSearches.get();
    }

    /** Time the batch searches took, in seconds. */
    public double exemplarSearchSeconds() {
        return searchNanos.get() / 1e9;
    }

    /** The entries of {@code bank}, in the order they were added (a replaced entry where it was replaced). */
    public synchronized List<Entry> entries(String bank) {
        BankTable b = tables.get(bank);
        return b == null ? List.of() : b.entries();
    }

    /** Entries per bank. */
    public synchronized Map<String, Integer> counts() {
        Map<String, Integer> out = new LinkedHashMap<>();
        tables.forEach((id, b) -> out.put(id, b.size()));
        return out;
    }

    /** Whether a change waits for {@link #publish}, or an entry of the snapshot has expired by {@code now}. */
    public synchronized boolean stale(Instant now) {
        return !changed.isEmpty() || snapshot.values().stream().anyMatch(i -> i.nextExpiry() != null && !i.nextExpiry().isAfter(now));
    }

    /**
     * Makes the changes so far (and the expiry of entries by {@code now}) what matching reads:
     * a bank's changes over its base, or a new base when they are many or an entry expired.
     */
    public synchronized void publish(Instant now) {
        Map<String, Indexed> next = new HashMap<>(snapshot);
        snapshot.forEach((id, i) -> {
            if (i.nextExpiry() != null && !i.nextExpiry().isAfter(now)) {
                changed.add(id);
            }
        });
        for (String bank : changed) {
            BankTable table = tables.get(bank);
            if (table == null || table.size() == 0) {
                next.remove(bank);
                bases.remove(bank);
                continue;
            }
            Base base = bases.get(bank);
            Indexed shown = snapshot.get(bank);
            boolean expiry = shown != null && shown.nextExpiry() != null && !shown.nextExpiry().isAfter(now);
            if (base == null || !base.of(table) || expiry || table.changes() > CHANGES_BEFORE_REBUILD) {
                table.compact();
                base = build(table, now);
                bases.put(bank, base);
                next.put(bank, new Indexed(new PdqPart(base.columns(), base.index(), base.dead(), base.scanned()),
                        base.exemplars().isEmpty() ? ExemplarPart.NONE : new ExemplarPart(base.exemplars(), Map.of()), base.nextExpiry()));
            } else {
                next.put(bank, withChanges(base, table, now));
            }
        }
        changed.clear();
        snapshot = Map.copyOf(next);
    }

    /**
     * The base with the changes since: its freed slots dead (left out of its exemplar matrices),
     * the live hashes added since scanned one by one, the exemplars added since in matrices of their own.
     */
    private static Indexed withChanges(Base base, BankTable table, Instant now) {
        BitSet dead = base.dead();
        BitSet freed = table.freedBelow(base.slots());
        if (!freed.isEmpty()) {
            dead = (BitSet) dead.clone();
            dead.or(freed);
        }
        int[] recent = livePdq(table, base.slots(), now);
        if (base.index() == null) {
            // A small bank's hashes are all scanned: the base's that are still held, then those added since.
            BitSet gone = freed;
            recent = IntStream.concat(Arrays.stream(base.scanned()).filter(slot -> !gone.get(slot)), Arrays.stream(recent)).toArray();
        }
        Instant nextExpiry = table.nextExpiry(base.slots(), now, base.nextExpiry());
        ExemplarPart exemplars = ExemplarPart.NONE;
        if (table.hasExemplars() || !base.exemplars().isEmpty()) {
            Map<String, ExemplarMatrix> kept = new HashMap<>();
            base.exemplars().forEach((key, m) -> kept.put(key, freed.isEmpty() ? m : m.withoutSlots(freed)));
            exemplars = new ExemplarPart(Map.copyOf(kept), table.exemplars(base.slots(), now));
        }
        return new Indexed(new PdqPart(table.columns(), base.index(), dead, recent), exemplars, nextExpiry);
    }

    /** A build over the table's slots (compacted just before, so every slot is held). */
    private static Base build(BankTable table, Instant now) {
        int slots = table.slots();
        BitSet dead = new BitSet(); // sized by its highest bit: empty for a bank of hashes only, so cheap to copy per change
        int live = 0;
        for (int s = 0; s < slots; s++) {
            if (table.livePdq(s, now)) {
                live++;
            } else {
                dead.set(s);
            }
        }
        BankTable.Columns columns = table.columns();
        boolean indexed = live >= INDEXED_FROM;
        return new Base(table, table.generation(), columns, slots, indexed ? new PdqIndex(columns.words(), slots) : null, dead,
                indexed ? NO_SLOTS : livePdq(table, 0, now), table.exemplars(0, now), table.nextExpiry(0, now, null));
    }

    private static int[] livePdq(BankTable table, int from, Instant now) {
        return IntStream.range(from, table.slots()).filter(s -> table.livePdq(s, now)).toArray();
    }

    /** Exemplars are compared only with embeddings of the same model and length (a record of another length matches nothing). */
    static String matrixKey(String modelDigest, int dimension) {
        return modelDigest + "#" + dimension;
    }

    /**
     * The upload's nearest entry in each bank {@code policy} declares, where one is within the
     * bank's distance or similarity: PDQ banks against the eight turns and flips of every view's
     * hash, embedding banks against every view's embedding of model {@code modelDigest}.
     */
    public List<BankHit> match(Policy policy, List<PdqHasher.Result> hashes, List<float[]> embeddings, String modelDigest) {
        return match(policy, hashes, embeddings, modelDigest, null);
    }

    /**
     * The same, with the nearest exemplars the inference batch's {@link #search} found for each
     * view ({@code neighbours}). A view the batch did not search (null), or searched in banks
     * published before the ones read now, is searched now: a match never names an entry removed
     * between the batch and the decision.
     */
    public List<BankHit> match(Policy policy, List<PdqHasher.Result> hashes, List<float[]> embeddings, String modelDigest,
                               List<BatchSearch.Found> neighbours) {
        if (policy.banks().isEmpty()) {
            return List.of();
        }
        // Views too flat to hash reliably are not looked up (kept in place: a hit names its view by position).
        return matchTurns(policy, hashes.stream().map(r -> r.quality() >= MIN_QUALITY ? r.dihedral() : Map.<PdqHasher.Dihedral, PdqHash>of()).toList(),
                embeddings, modelDigest, neighbours);
    }

    /**
     * The search an inference batch runs for model {@code modelDigest}: each embedding's nearest
     * exemplar in every bank that holds exemplars of that model, one matrix product per bank for
     * the whole batch (the banks as published when the batch ran). Banks no policy declares are
     * searched too: which policies apply is known only per upload, after the batch.
     */
    public BatchSearch search(String modelDigest) {
        return embeddings -> {
            Map<String, Indexed> now = snapshot;
            if (embeddings.length == 0) {
                return List.of();
            }
            int dimension = embeddings[0].length;
            for (float[] e : embeddings) {
                if (e.length != dimension) {
                    return null; // not one model's batch: searched one by one
                }
            }
            String key = matrixKey(modelDigest, dimension);
            List<float[]> queries = List.of(embeddings);
            // Filled only where a bank holds exemplars of this model: without any, a batch costs no maps.
            List<Map<String, BatchSearch.Neighbour>> nearest = new ArrayList<>(Collections.nCopies(embeddings.length, Map.of()));
            long t0 = System.nanoTime();
            boolean searched = false;
            for (Map.Entry<String, Indexed> bank : now.entrySet()) {
                if (!bank.getValue().exemplars().has(key)) {
                    continue;
                }
                searched = true;
                List<ExemplarMatrix.Nearest> found = bank.getValue().exemplars().nearest(key, queries);
                for (int v = 0; v < embeddings.length; v++) {
                    ExemplarMatrix.Nearest n = found.get(v);
                    if (n != null) {
                        if (nearest.get(v).isEmpty()) {
                            nearest.set(v, new HashMap<>());
                        }
                        nearest.get(v).put(bank.getKey(), new BatchSearch.Neighbour(n.id(), n.similarity()));
                    }
                }
            }
            if (searched) {
                searches.incrementAndGet();
                searchNanos.addAndGet(System.nanoTime() - t0);
            }
            return nearest.stream().map(n -> new BatchSearch.Found(n, now)).toList();
        };
    }

    /**
     * The matches of a stored upload, as a backtest replays them: its upright hash (null when it
     * was stored before hashes were) and its embedding of model {@code modelDigest}.
     */
    public List<BankHit> matchStored(Policy policy, PdqHash hash, float[] embedding, String modelDigest) {
        if (policy.banks().isEmpty()) {
            return List.of();
        }
        List<Map<PdqHasher.Dihedral, PdqHash>> upright = hash == null ? List.of() : List.of(Map.of(PdqHasher.Dihedral.ORIGINAL, hash));
        return matchTurns(policy, upright, List.of(embedding), modelDigest, null);
    }

    private List<BankHit> matchTurns(Policy policy, List<Map<PdqHasher.Dihedral, PdqHash>> hashes, List<float[]> embeddings, String modelDigest,
                                     List<BatchSearch.Found> neighbours) {
        Map<String, Indexed> now = snapshot;
        List<BankHit> hits = new ArrayList<>();
        for (Policy.Bank bank : policy.banks()) {
            Indexed indexed = now.get(bank.id());
            if (indexed == null) {
                continue;
            }
            BankHit best = bank.kind() == Policy.BankKind.PDQ ? nearestHash(bank, indexed, hashes) : nearestExemplar(bank, indexed, embeddings, modelDigest, neighbours, now);
            if (best != null) {
                hits.add(best);
            }
        }
        return hits;
    }

    private static BankHit nearestHash(Policy.Bank bank, Indexed indexed, List<Map<PdqHasher.Dihedral, PdqHash>> hashes) {
        List<PdqHash> queries = new ArrayList<>();
        List<String> turns = new ArrayList<>();
        List<Integer> views = new ArrayList<>();
        for (int v = 0; v < hashes.size(); v++) {
            for (Map.Entry<PdqHasher.Dihedral, PdqHash> turned : hashes.get(v).entrySet()) {
                queries.add(turned.getValue());
                turns.add(turned.getKey().name());
                views.add(v);
            }
        }
        List<Map.Entry<String, Integer>> found = indexed.pdq().nearestEach(queries, bank.maxDistance());
        BankHit best = null;
        for (int q = 0; q < queries.size(); q++) {
            Map.Entry<String, Integer> m = found.get(q);
            if (m != null) {
                BankHit hit = new BankHit(bank, m.getKey(), m.getValue(), Double.NaN, turns.get(q), views.get(q));
                if (best == null || hit.nearerThan(best)) {
                    best = hit;
                }
            }
        }
        return best;
    }

    private BankHit nearestExemplar(Policy.Bank bank, Indexed indexed, List<float[]> embeddings, String modelDigest,
                                    List<BatchSearch.Found> neighbours, Map<String, Indexed> now) {
        BankHit best = null;
        for (int v = 0; v < embeddings.size(); v++) {
            BatchSearch.Found searched = neighbours == null ? null : neighbours.get(v);
            BatchSearch.Neighbour nearest;
            if (searched != null && searched.of() == now) {
                nearest = searched.nearest().get(bank.id());
            } else {
                if (neighbours != null) {
                    uploadSearches.incrementAndGet(); // a live upload's view its batch could not answer for
                }
                float[] q = embeddings.get(v);
                ExemplarMatrix.Nearest n = indexed.exemplars().nearest(matrixKey(modelDigest, q.length), List.of(q)).get(0);
                nearest = n == null ? null : new BatchSearch.Neighbour(n.id(), n.similarity());
            }
            if (nearest != null && nearest.similarity() >= bank.minSimilarity()) {
                BankHit hit = new BankHit(bank, nearest.id(), -1, nearest.similarity(), null, v);
                if (best == null || hit.nearerThan(best)) {
                    best = hit;
                }
            }
        }
        return best;
    }
}
