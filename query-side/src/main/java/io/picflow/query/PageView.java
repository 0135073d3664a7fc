package io.picflow.query;

import java.util.List;

/** Every list endpoint answers this shape: 0-based {@code page}, the page {@code size}, and the {@code total} count. */
public record PageView<T>(List<T> items, int page, int size, long total) {
}
