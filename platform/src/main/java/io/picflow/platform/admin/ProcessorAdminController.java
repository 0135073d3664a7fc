package io.picflow.platform.admin;

import io.picflow.platform.admin.ProcessorAdmin.ProcessorStatus;
import java.util.List;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /api/admin/processors}: the event processors with their segments, owners, positions and lag;
 * pause and start one. Admin role only (SecurityConfiguration). Pause and start act on the node that
 * receives the request (a load balancer picks one): the other nodes of the side keep their processors
 * running, and take over the segments a paused node releases.
 */
@RestController
@RequestMapping("/api/admin/processors")
public class ProcessorAdminController {

    private final ProcessorAdmin processors;

    public ProcessorAdminController(ProcessorAdmin processors) {
        this.processors = processors;
    }

    @GetMapping
    public List<ProcessorStatus> processors() {
        return processors.processors();
    }

    @GetMapping("/{name}")
    public ProcessorStatus processor(@PathVariable("name") String name) {
        return processors.processor(name);
    }

    /** 202: the processor is stopped on this node (its segments released); the body is its state afterwards. */
    @PostMapping("/{name}/pause")
    public ResponseEntity<ProcessorStatus> pause(@PathVariable("name") String name) {
        return ResponseEntity.accepted().body(processors.pause(name));
    }

    /** 202: the processor runs again on this node; it claims segments and catches up in the background. */
    @PostMapping("/{name}/start")
    public ResponseEntity<ProcessorStatus> start(@PathVariable("name") String name) {
        return ResponseEntity.accepted().body(processors.start(name));
    }
}
