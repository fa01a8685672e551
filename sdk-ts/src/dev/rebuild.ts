// Watches a project's sources and rebuilds it after each change: changes
// within `debounceMs` make one build, a change during a build makes one more
// after it, and a build whose sources are byte for byte those of the last
// attempt is skipped (an editor's save can fire several events), so each
// real change gives exactly one result line.
import { buildProject, sourceFingerprint, type Project } from "./project.js";
import { TreeWatcher } from "./tree-watch.js";

/** The outcome of one build, as the rebuilder reports it. */
export type BuildEvent = { ok: true; ms: number; diagnostics: string } | { ok: false; ms: number; message: string };

/** Builds a project now and again after every change to its sources. */
export class Rebuilder {
  private building = false;
  private again = false;
  private lastFingerprint = "";
  private timer: NodeJS.Timeout | undefined;
  private watcher: TreeWatcher | undefined;

  constructor(
    private readonly project: Project,
    private readonly report: (event: BuildEvent) => void | Promise<void>,
    private readonly debounceMs = 100,
  ) {}

  /** Builds if the sources changed since the last attempt; resolves when no build is left to do. */
  async rebuild(): Promise<void> {
    if (this.building) {
      this.again = true;
      return;
    }
    this.building = true;
    try {
      do {
        this.again = false;
        const fingerprint = await sourceFingerprint(this.project);
        if (fingerprint === this.lastFingerprint) continue;
        this.lastFingerprint = fingerprint;
        const start = performance.now();
        try {
          const { diagnostics } = await buildProject(this.project);
          await this.report({ ok: true, ms: performance.now() - start, diagnostics });
        } catch (err) {
          await this.report({ ok: false, ms: performance.now() - start, message: err instanceof Error ? err.message : String(err) });
        }
      } while (this.again);
    } finally {
      this.building = false;
    }
  }

  /** Starts watching the project's sources (recursively). */
  watch(): void {
    this.watcher = new TreeWatcher(this.project.watchDir, this.project.isSkipped, (file) => {
      if (!this.project.isSource(file)) return;
      clearTimeout(this.timer);
      this.timer = setTimeout(() => void this.rebuild(), this.debounceMs);
    });
  }

  /** Stops watching. */
  close(): void {
    clearTimeout(this.timer);
    this.watcher?.close();
  }
}
