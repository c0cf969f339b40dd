package io.parley.messaging;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** Reads every row a history query matches, a page at a time, for tests that check whole stores. */
public final class StoredRows {

    private static final int PAGE = 10_000;

    private StoredRows() {
    }

    /**
     * Every row {@code filter} matches, in its order, read from {@code history} ({@code node::history} or
     * {@code store::history}) in pages.
     */
    public static List<Message> all(Function<HistoryQuery, List<Message>> history, HistoryQuery.Builder filter) {
        filter.limit(PAGE);
        List<Message> out = new ArrayList<>();
        List<Message> page = history.apply(filter.build());
        while (!page.isEmpty()) {
            out.addAll(page);
            page = history.apply(filter.after(page.get(page.size() - 1)).build());
        }
        return out;
    }
}
