package io.picflow.platform.web;

import java.net.ConnectException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.transaction.CannotCreateTransactionException;
import org.springframework.transaction.TransactionSystemException;

/**
 * Whether a failure means "PostgreSQL cannot be reached" (it is restarting, or the network to it is down) rather than
 * a defect: the request is then answered 503 with Retry-After, not 500. If the connection broke during the commit,
 * neither side can know whether it committed; hence the answer's advice to send the request again with the same
 * Idempotency-Key, which applies it at most once.
 */
final class DatabaseUnavailable {

    static final Duration RETRY_AFTER = Duration.ofSeconds(5);

    private DatabaseUnavailable() {
    }

    static boolean causes(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof SQLTransientConnectionException || cause instanceof ConnectException
                    || cause instanceof CannotCreateTransactionException || cause instanceof DataAccessResourceFailureException
                    // a commit or rollback that failed: the connection broke under it
                    || cause instanceof TransactionSystemException) {
                return true;
            }
            if (cause instanceof SQLException sql && (isUnavailableState(sql.getSQLState()) || isClosedByPool(sql))) {
                return true;
            }
        }
        return false;
    }

    /** SQLSTATE class 08 (connection exception), 57P01..57P03 (shutting down, crash shutdown, cannot connect now). */
    private static boolean isUnavailableState(String state) {
        return state != null && (state.startsWith("08") || state.startsWith("57P"));
    }

    /**
     * HikariCP's answer to a statement on a connection it has already evicted as broken (another statement on it met
     * the outage first): no SQLSTATE, only this message.
     */
    private static boolean isClosedByPool(SQLException sql) {
        return sql.getSQLState() == null && "Connection is closed".equals(sql.getMessage());
    }

    static String describe(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + ": " + root.getMessage();
    }
}
