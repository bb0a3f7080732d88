package io.clipguard.bank;

import io.clipguard.pdq.PdqHash;
import io.clipguard.pdq.PdqHasher;
import io.clipguard.pdq.PdqIndex;
import io.clipguard.policy.BankHit;
import io.clipguard.policy.Policy;
import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * Every bank's entries as this instance holds them, and an upload's matches against the banks
 * a policy declares. Changes are applied as they arrive (from the banks topic) and become
 * visible at {@link #publish}, which swaps in a new immutable snapshot: matching never locks.
 * A PDQ bank's snapshot is a base index built in full plus the changes since (the entries
 * added or replaced, scanned one by one, and the base entries a change made dead), so one
 * change to a million-entry bank costs a small list rather than a second's rebuild; past
 * {@value #CHANGES_BEFORE_REBUILD} changes (or when an entry expires) the base is rebuilt.
 *
 * <p>Bounded: at most {@code maxEntries} entries in all (an add past it is refused by the
 * writer and skipped by readers, with a count), so a bank's memory is known in bytes: a PDQ
 * entry costs about 550 bytes with its index (its id, its slot in the bank's columns, the id's
 * map entry, the index's 16 tables), an embedding entry 4 bytes per dimension more.
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
    private record Indexed(PdqPart pdq, Map<String, ExemplarMatrix> byModel, Instant nextExpiry) {
    }

    /**
     * A bank's full build over its compacted columns: the PDQ index of slots 0 to {@code slots}
     * (null for a small bank, whose live hashes are {@code scanned} one by one instead), the
     * slots it never matches (exemplars, expired), its exemplars and its next expiry.
     */
    private record Base(BankTable table, int generation, BankTable.Columns columns, int slots, PdqIndex index, BitSet dead, int[] scanned,
                        Map<String, ExemplarMatrix> byModel, Instant nextExpiry) {
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
    private final Map<String, BankTable> tables = new HashMap<>();
    private final Set<String> changed = new HashSet<>();
    private final Map<String, Base> bases = new HashMap<>();
    private int count;
    private long refused;
    private volatile Map<String, Indexed> snapshot = Map.of();

    public Banks(int maxEntries) {
        this.maxEntries = maxEntries;
    }

    /** Adds or replaces an entry; false (and counted) when the banks are full. */
    public synchronized boolean put(Entry entry) {
        BankTable existing = tables.get(entry.bank());
        if ((existing == null || !existing.holds(entry.id())) && count >= maxEntries) {
            refused++;
            return false;
        }
        BankTable bank = existing != null ? existing : tables.computeIfAbsent(entry.bank(), BankTable::new);
        if (bank.put(entry)) {
            count++;
        }
        changed.add(entry.bank());
        return true;
    }

    public synchronized void remove(String bank, String id) {
        BankTable b = tables.get(bank);
        if (b != null && b.remove(id)) {
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

    /** Whether an add of {@code bank}/{@code id} would be held: a replacement always, a new entry while the banks have room. */
    public synchronized boolean hasRoomFor(String bank, String id) {
        return count < maxEntries || holds(bank, id);
    }

    /** Entries held, in all. */
    public synchronized int size() {
        return count;
    }

    /** Adds refused because the banks were full. */
    public synchronized long refused() {
        return refused;
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
            if (base == null || !base.of(table) || base.index() == null || expiry || table.changes() > CHANGES_BEFORE_REBUILD) {
                table.compact();
                base = build(table, now);
                bases.put(bank, base);
                next.put(bank, new Indexed(new PdqPart(base.columns(), base.index(), base.dead(), base.scanned()), base.byModel(),
                        base.nextExpiry()));
            } else {
                next.put(bank, withChanges(base, table, now));
            }
        }
        changed.clear();
        snapshot = Map.copyOf(next);
    }

    /** The base with the changes since: its freed slots dead, the live hashes added since scanned one by one. */
    private static Indexed withChanges(Base base, BankTable table, Instant now) {
        BitSet dead = base.dead();
        BitSet freed = table.freedBelow(base.slots());
        if (!freed.isEmpty()) {
            dead = (BitSet) dead.clone();
            dead.or(freed);
        }
        int[] recent = livePdq(table, base.slots(), now);
        Instant nextExpiry = table.nextExpiry(base.slots(), now, base.nextExpiry());
        Map<String, ExemplarMatrix> byModel = table.hasExemplars() || !base.byModel().isEmpty() ? table.exemplars(now) : base.byModel();
        return new Indexed(new PdqPart(table.columns(), base.index(), dead, recent), byModel, nextExpiry);
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
                indexed ? NO_SLOTS : livePdq(table, 0, now), table.exemplars(now), table.nextExpiry(0, now, null));
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
        if (policy.banks().isEmpty()) {
            return List.of();
        }
        // Views too flat to hash reliably are not looked up (kept in place: a hit names its view by position).
        return matchTurns(policy, hashes.stream().map(r -> r.quality() >= MIN_QUALITY ? r.dihedral() : Map.<PdqHasher.Dihedral, PdqHash>of()).toList(),
                embeddings, modelDigest);
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
        return matchTurns(policy, upright, List.of(embedding), modelDigest);
    }

    private List<BankHit> matchTurns(Policy policy, List<Map<PdqHasher.Dihedral, PdqHash>> hashes, List<float[]> embeddings, String modelDigest) {
        Map<String, Indexed> now = snapshot;
        List<BankHit> hits = new ArrayList<>();
        for (Policy.Bank bank : policy.banks()) {
            Indexed indexed = now.get(bank.id());
            if (indexed == null) {
                continue;
            }
            BankHit best = bank.kind() == Policy.BankKind.PDQ ? nearestHash(bank, indexed, hashes) : nearestExemplar(bank, indexed, embeddings, modelDigest);
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

    private static BankHit nearestExemplar(Policy.Bank bank, Indexed indexed, List<float[]> embeddings, String modelDigest) {
        BankHit best = null;
        for (int v = 0; v < embeddings.size(); v++) {
            float[] q = embeddings.get(v);
            ExemplarMatrix ex = indexed.byModel().get(matrixKey(modelDigest, q.length));
            if (ex == null) {
                continue;
            }
            ExemplarMatrix.Nearest nearest = ex.nearest(q);
            if (nearest.row() >= 0 && nearest.similarity() >= bank.minSimilarity()) {
                BankHit hit = new BankHit(bank, ex.id(nearest.row()), -1, nearest.similarity(), null, v);
                if (best == null || hit.nearerThan(best)) {
                    best = hit;
                }
            }
        }
        return best;
    }
}
