package io.picflow.platform.admin;

import io.picflow.platform.admin.DeadLetterAdmin.GroupSummary;
import io.picflow.platform.admin.DeadLetterAdmin.RetryReport;
import io.picflow.platform.admin.DeadLetterAdmin.RetryResult;
import io.picflow.platform.admin.DeadLetterAdmin.SequencePage;
import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /api/admin/dead-letters}: the events each processing group parked because its handlers failed
 * on them, with the cause; retry them once the cause is fixed, or evict them. Admin role only
 * (SecurityConfiguration). The JDBC queues are shared by the nodes of a side, so any node answers for
 * them; the cache's queue is in the memory of the node that receives the request.
 */
@RestController
@RequestMapping("/api/admin/dead-letters")
public class DeadLetterAdminController {

    private final DeadLetterAdmin deadLetters;

    public DeadLetterAdminController(DeadLetterAdmin deadLetters) {
        this.deadLetters = deadLetters;
    }

    @GetMapping
    public List<GroupSummary> groups() {
        return deadLetters.groups();
    }

    @GetMapping("/{group}")
    public SequencePage sequences(@PathVariable("group") String group, @RequestParam(name = "page", defaultValue = "0") int page,
            @RequestParam(name = "size", defaultValue = "20") int size) {
        return deadLetters.sequences(group, page, size);
    }

    @PostMapping("/{group}/retry")
    public RetryReport retryAll(@PathVariable("group") String group) {
        return deadLetters.retryAll(group);
    }

    @PostMapping("/{group}/sequences/{sequenceId}/retry")
    public RetryResult retry(@PathVariable("group") String group, @PathVariable("sequenceId") String sequenceId) {
        return deadLetters.retry(group, sequenceId);
    }

    @DeleteMapping("/{group}/sequences/{sequenceId}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    public void evict(@PathVariable("group") String group, @PathVariable("sequenceId") String sequenceId) {
        deadLetters.evict(group, sequenceId);
    }
}
