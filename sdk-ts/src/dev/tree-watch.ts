// A recursive directory watch that survives editors' saves. Node 20's
// fs.watch({recursive: true}) on Linux watches files, and loses a file
// replaced by a rename (sed -i, most editors' safe write): seen here, the
// second save of a file gave no event at all. A plain fs.watch on a
// directory (one inotify watch) reports every entry's changes and renames,
// so each directory of the tree gets one, and the tree is scanned again
// after each event to follow new and removed directories.
import { readdirSync, watch, type FSWatcher } from "node:fs";
import path from "node:path";

/** The directories and files under `root` (relative paths), not entering the directories `skip` names. */
export function walk(root: string, skip: (rel: string) => boolean): { dirs: string[]; files: string[] } {
  const dirs: string[] = [""];
  const files: string[] = [];
  for (let i = 0; i < dirs.length; i++) {
    for (const entry of readdirSync(path.join(root, dirs[i]!), { withFileTypes: true })) {
      const rel = path.join(dirs[i]!, entry.name);
      if (entry.isDirectory()) {
        if (!skip(rel)) dirs.push(rel);
      } else {
        files.push(rel);
      }
    }
  }
  return { dirs, files };
}

/** Watches `root` and its subdirectories (less those `skip` names, by path relative to root); `onChange` gets each changed path relative to root. */
export class TreeWatcher {
  private readonly watchers = new Map<string, FSWatcher>();

  constructor(
    private readonly root: string,
    private readonly skip: (rel: string) => boolean,
    private readonly onChange: (rel: string) => void,
  ) {
    this.sync();
  }

  private sync(): void {
    let current: Set<string>;
    try {
      current = new Set(walk(this.root, this.skip).dirs.map((rel) => path.join(this.root, rel)));
    } catch {
      return; // the root is gone for now (an editor may recreate it)
    }
    for (const [dir, w] of this.watchers) {
      if (!current.has(dir)) {
        w.close();
        this.watchers.delete(dir);
      }
    }
    for (const dir of current) {
      if (this.watchers.has(dir)) continue;
      try {
        const w = watch(dir, (event, file) => {
          if (event === "rename") this.sync();
          if (file !== null) this.onChange(path.relative(this.root, path.join(dir, String(file))));
        });
        w.on("error", () => undefined); // a directory removed under the watch: the next sync drops it
        this.watchers.set(dir, w);
      } catch {
        // removed between the scan and the watch
      }
    }
  }

  /** Stops every watch. */
  close(): void {
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
  }
}
