package io.picflow.platform.admin;

import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/**
 * The admin API over Axon's event processing ({@code /api/admin/dead-letters}, {@code /api/admin/processors}),
 * in every application: it lists whatever processors and dead-letter queues the side(s) running here
 * registered, so the platform needs to know neither side.
 */
@Configuration(proxyBeanMethods = false)
@Import({DeadLetterAdmin.class, DeadLetterAdminController.class, ProcessorAdmin.class, ProcessorAdminController.class})
public class ProcessingAdminConfiguration {
}
