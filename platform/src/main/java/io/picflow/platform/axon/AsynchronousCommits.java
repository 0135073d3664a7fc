package io.picflow.platform.axon;

import javax.sql.DataSource;
import org.axonframework.common.transaction.Transaction;
import org.axonframework.common.transaction.TransactionManager;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Transactions that commit without waiting for PostgreSQL to flush the WAL ({@code synchronous_commit = off} for
 * the transaction alone). Only for what is redone after a crash anyway: a read model's rows commit with its token,
 * so a crash that loses the last few hundred milliseconds of them loses the token's advance too, and the processor
 * handles those events again. Nothing else may use this: events, saga and deadline state, idempotency keys, the
 * live feed and WebSocket tickets must survive a crash once their request was answered (ADR 0014).
 */
public final class AsynchronousCommits implements TransactionManager {

    private final TransactionManager delegate;
    private final JdbcTemplate jdbc;

    public AsynchronousCommits(TransactionManager delegate, DataSource dataSource) {
        this.delegate = delegate;
        this.jdbc = new JdbcTemplate(dataSource);
    }

    @Override
    public Transaction startTransaction() {
        Transaction transaction = delegate.startTransaction();
        try {
            // Joins the transaction just started (the connection is bound to it), and ends with it.
            jdbc.execute("SET LOCAL synchronous_commit = off");
        } catch (RuntimeException e) {
            transaction.rollback();
            throw e;
        }
        return transaction;
    }
}
