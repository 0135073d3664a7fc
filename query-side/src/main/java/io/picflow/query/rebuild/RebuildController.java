package io.picflow.query.rebuild;

import io.picflow.platform.web.ProblemException;
import java.net.URI;
import java.util.Map;
import java.util.Optional;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** Rebuilds of read models (docs/operations.md); {@code /api/admin} needs the admin role. */
@RestController
@RequestMapping("/api/admin/projections")
class RebuildController {

    private final ProjectionRebuilds rebuilds;

    RebuildController(ProjectionRebuilds rebuilds) {
        this.rebuilds = rebuilds;
    }

    /** The read models that can be rebuilt, and the rebuilds this node remembers. */
    @GetMapping
    Map<String, Object> list() {
        return Map.of("rebuildable", rebuilds.names(), "rebuilds", rebuilds.all());
    }

    @PostMapping("/{name}/rebuild")
    ResponseEntity<Map<String, Object>> start(@PathVariable String name) {
        ProjectionRebuild rebuild;
        try {
            rebuild = rebuilds.start(name);
        } catch (ProjectionRebuilds.UnknownReadModel e) {
            throw new ProblemException(HttpStatus.NOT_FOUND, "Unknown read model", e.getMessage());
        } catch (ProjectionRebuilds.AlreadyRunning e) {
            throw new ProblemException(HttpStatus.CONFLICT, "Rebuild already running", e.getMessage());
        } catch (ProjectionRebuilds.Unavailable e) {
            throw new ProblemException(HttpStatus.SERVICE_UNAVAILABLE, "Rebuilds unavailable", e.getMessage());
        }
        return ResponseEntity.accepted().location(location(name, rebuild.id()))
                .body(Map.of("rebuildId", rebuild.id(), "projection", name, "state", rebuild.state()));
    }

    @GetMapping("/{name}/rebuild/{rebuildId}")
    RebuildProgress status(@PathVariable String name, @PathVariable String rebuildId) {
        return rebuilds.progress(name, rebuildId).orElseThrow(() -> unknown(name, rebuildId));
    }

    /** Cancels a running rebuild: 202, and the state becomes CANCELLED unless it was already handing over. */
    @DeleteMapping("/{name}/rebuild/{rebuildId}")
    ResponseEntity<RebuildProgress> cancel(@PathVariable String name, @PathVariable String rebuildId) {
        Optional<ProjectionRebuild> here = rebuilds.find(name, rebuildId);
        if (here.isEmpty()) {
            RebuildProgress elsewhere = rebuilds.progress(name, rebuildId).orElseThrow(() -> unknown(name, rebuildId));
            if (elsewhere.state() != ProjectionRebuild.State.RUNNING || !rebuilds.cancelElsewhere(rebuildId)) {
                throw new ProblemException(HttpStatus.CONFLICT, "Rebuild finished", "The rebuild is " + elsewhere.state() + " already");
            }
            return ResponseEntity.accepted().location(location(name, rebuildId)).body(elsewhere);
        }
        ProjectionRebuild rebuild = here.get();
        if (!rebuild.isRunning()) {
            throw new ProblemException(HttpStatus.CONFLICT, "Rebuild finished", "The rebuild is " + rebuild.state() + " already");
        }
        rebuilds.cancel(rebuild);
        return ResponseEntity.accepted().location(location(name, rebuildId)).body(rebuild.progress());
    }

    private static ProblemException unknown(String name, String rebuildId) {
        return new ProblemException(HttpStatus.NOT_FOUND, "Unknown rebuild", "No rebuild " + rebuildId + " of read model '" + name + "'");
    }

    private static URI location(String name, String rebuildId) {
        return URI.create("/api/admin/projections/" + name + "/rebuild/" + rebuildId);
    }
}
