package io.picflow.query.cache;

import java.nio.charset.StandardCharsets;
import java.util.BitSet;

/**
 * The keys a bounded cache has evicted, in a fixed 1 MiB: a Bloom filter. It may answer "maybe
 * evicted" for a key that never was (that entry is then simply not cached), never the reverse.
 */
final class EvictedKeys {

    private static final int BITS = 1 << 23;
    private static final int HASHES = 4;

    private final BitSet bits = new BitSet(BITS);

    synchronized void add(String key) {
        long hash = hash(key);
        for (int i = 0; i < HASHES; i++) {
            bits.set(index(hash, i));
        }
    }

    synchronized boolean mayContain(String key) {
        long hash = hash(key);
        for (int i = 0; i < HASHES; i++) {
            if (!bits.get(index(hash, i))) {
                return false;
            }
        }
        return true;
    }

    synchronized void clear() {
        bits.clear();
    }

    /** Two 32-bit hashes of the key (FNV-1a 64), combined as h1 + i * h2 (Kirsch and Mitzenmacher). */
    private static int index(long hash, int i) {
        int h1 = (int) hash;
        int h2 = (int) (hash >>> 32);
        return Math.floorMod(h1 + i * h2, BITS);
    }

    private static long hash(String key) {
        long hash = 0xcbf29ce484222325L;
        for (byte b : key.getBytes(StandardCharsets.UTF_8)) {
            hash ^= b;
            hash *= 0x100000001b3L;
        }
        return hash;
    }
}
