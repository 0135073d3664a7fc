package io.picflow.command;

import io.picflow.events.MetadataKeys;
import io.picflow.platform.security.CurrentUser;
import io.picflow.platform.web.ProblemException;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.axonframework.commandhandling.GenericCommandMessage;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.axonframework.modelling.command.AggregateStreamCreationException;
import org.axonframework.modelling.command.ConcurrencyException;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Sends a command on behalf of the calling user, correlated to the request, and waits for it. A
 * command that loses a race for its aggregate's next sequence number (another node appended first)
 * is sent again, against the aggregate's new state: with several nodes this is how two concurrent
 * commands on one aggregate are serialised.
 */
@Component
public class CommandSender {

    private static final int ATTEMPTS = 5;

    private final CommandGateway commands;

    CommandSender(CommandGateway commands) {
        this.commands = commands;
    }

    /** Whether {@code e} says that another command appended to the aggregate first. */
    public static boolean lostRace(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof ConcurrencyException || cause instanceof AggregateStreamCreationException) {
                return true;
            }
        }
        return false;
    }

    /** A short, jittered back-off, so that two nodes that collided do not collide again in lock-step. */
    private static void pauseBeforeAttempt(int attempt) {
        try {
            TimeUnit.MILLISECONDS.sleep(ThreadLocalRandom.current().nextLong(5L * attempt, 20L * attempt));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ProblemException.conflict("Interrupted while retrying; try again");
        }
    }

    public void send(Object command, CurrentUser user, String correlationId) {
        for (int attempt = 1; ; attempt++) {
            try {
                commands.sendAndWait(GenericCommandMessage.asCommandMessage(command).andMetaData(Map.of(
                        MetadataKeys.CORRELATION_ID, correlationId,
                        MetadataKeys.CAUSATION_ID, correlationId,
                        MetadataKeys.USER_ID, user.id())));
                return;
            } catch (RuntimeException e) {
                // Inside a caller's transaction the failed append has aborted it: only the caller can start over.
                if (!lostRace(e) || TransactionSynchronizationManager.isActualTransactionActive()) {
                    throw e;
                }
                if (attempt >= ATTEMPTS) {
                    throw ProblemException.conflict("Too many concurrent changes to the same data; try again");
                }
                pauseBeforeAttempt(attempt + 1);
            }
        }
    }
}
