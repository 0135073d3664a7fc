package io.picflow.query;

import static org.assertj.core.api.Assertions.assertThat;

import io.picflow.query.support.QuerySideTest;
import org.axonframework.common.transaction.Transaction;
import org.axonframework.common.transaction.TransactionManager;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Durability classes (ADR 0014): read-model batches commit without waiting for the WAL flush; the live feed's do
 * wait, and so does everything outside the processors.
 */
class DurabilityClassesTest extends QuerySideTest {

    @Autowired
    JdbcClient jdbc;

    @Test
    void read_model_batches_commit_asynchronously_and_the_live_feed_synchronously() {
        for (String group : QuerySideConfiguration.ASYNCHRONOUS_COMMIT_GROUPS) {
            assertThat(synchronousCommitIn(processing.transactionManager(group))).as(group).isEqualTo("off");
        }
        assertThat(synchronousCommitIn(processing.transactionManager("live-feed"))).isEqualTo("on");
        // The setting ends with the transaction: the connection goes back to the pool as it came.
        for (int i = 0; i < 20; i++) {
            assertThat(jdbc.sql("SHOW synchronous_commit").query(String.class).single()).isEqualTo("on");
        }
    }

    private String synchronousCommitIn(TransactionManager transactions) {
        Transaction transaction = transactions.startTransaction();
        try {
            return jdbc.sql("SHOW synchronous_commit").query(String.class).single();
        } finally {
            transaction.commit();
        }
    }
}
