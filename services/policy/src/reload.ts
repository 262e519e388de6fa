import { watch } from "node:fs";
import { basename, dirname } from "node:path";
import { type GatewayConfig, loadConfig } from "@switchyard/config";
import type { Logger } from "@switchyard/telemetry";

/**
 * Reads the config file again on SIGHUP or when it changes on disk, and hands each good version
 * to `apply`; a bad one is logged and the running config stays. Watches the folder, not the file,
 * so editors that replace the file (write a copy, rename it over) are seen too.
 */
export function watchConfig(path: string, logger: Logger, apply: (config: GatewayConfig) => void): () => void {
  let timer: NodeJS.Timeout | undefined;
  const reload = (why: string) => {
    try {
      apply(loadConfig(path));
      logger.info({ why, path }, "config reloaded");
    } catch (error) {
      logger.error(
        { why, path, err: error instanceof Error ? error.message : String(error) },
        "config reload failed; keeping the running config",
      );
    }
  };
  const onSignal = () => reload("SIGHUP");
  process.on("SIGHUP", onSignal);
  let watcher: ReturnType<typeof watch> | undefined;
  try {
    watcher = watch(dirname(path), (_event, file) => {
      if (file !== basename(path)) return;
      // One save is often several events; read once they stop.
      clearTimeout(timer);
      timer = setTimeout(() => reload("file changed"), 100);
    });
  } catch (error) {
    logger.warn({ err: error, path }, "cannot watch the config file; reload it with SIGHUP");
  }
  return () => {
    process.off("SIGHUP", onSignal);
    clearTimeout(timer);
    watcher?.close();
  };
}
