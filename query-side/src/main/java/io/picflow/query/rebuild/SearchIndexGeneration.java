package io.picflow.query.rebuild;

import io.picflow.query.search.ImageSearchIndex;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The image search index, rebuilt into a new index ({@code <alias>-v<n+1>}) that the alias is swapped to
 * at the end; searches use the old index until then.
 */
final class SearchIndexGeneration implements RebuildTarget {

    private static final Pattern VERSION = Pattern.compile("-v(\\d+)$");

    private final ImageSearchIndex index;
    private String current;
    private String next;

    SearchIndexGeneration(ImageSearchIndex index) {
        this.index = index;
    }

    @Override
    public void prepare() {
        current = index.currentIndex();
        Matcher version = VERSION.matcher(current);
        next = index.alias() + "-v" + (version.find() ? Long.parseLong(version.group(1)) + 1 : 2);
        if (next.equals(current)) {
            throw new IllegalStateException("The new index would be the one in service: " + current);
        }
        // Versions a rebuild left behind when its node stopped (before it dropped them) are not in service.
        for (String leftover : index.versions()) {
            if (!leftover.equals(current)) {
                index.deleteIndex(leftover);
            }
        }
        index.createIndex(next);
    }

    @Override
    public void beforeSwap() {
        index.readyForService(next);
    }

    @Override
    public Map<Class<?>, Object> writeTargets() {
        return Map.of(ImageSearchIndex.Target.class, new ImageSearchIndex.Target(next));
    }

    @Override
    public void swapIn() {
        index.swapAlias(current, next);
    }

    @Override
    public void dropOld() {
        index.deleteIndex(current);
    }

    /** Never deletes the index the alias points to: if the alias had moved to the new one already, it moves back. */
    @Override
    public void discard() {
        if (next == null) {
            return;
        }
        if (next.equals(index.currentIndex())) {
            index.swapAlias(next, current);
        }
        index.deleteIndex(next);
    }
}
