import type { Logger } from "pino";

export type ShutdownStep = readonly [name: string, run: () => Promise<unknown> | unknown];

/**
 * On SIGTERM or SIGINT, runs the steps in order (stop intake, drain in-flight work, close
 * clients), then exits. A second signal or the deadline forces the exit.
 */
export function onShutdown(logger: Logger, steps: () => ShutdownStep[], deadlineMs = 15_000): void {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, "second signal, exiting now");
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, "shutting down");
    const timer = setTimeout(() => {
      logger.error({ deadlineMs }, "shutdown deadline passed, exiting");
      process.exit(1);
    }, deadlineMs);
    timer.unref();
    for (const [name, run] of steps()) {
      try {
        await run();
      } catch (error) {
        logger.warn({ step: name, err: error }, "shutdown step failed");
      }
    }
    logger.info("stopped");
    logger.flush?.();
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
  // Started by a launcher with an IPC channel: when the launcher dies, so does the service,
  // instead of lingering as an orphan holding its ports.
  if (process.connected) process.once("disconnect", () => void stop("launcher exited"));
}

/** Logs a fatal start-up error without a stack trace for expected problems, then exits. */
export function exitOnStartFailure(logger: Logger, error: unknown): never {
  const expected = error instanceof Error && error.name === "ConfigError";
  if (expected) logger.fatal(error.message);
  else logger.fatal({ err: error }, "failed to start");
  logger.flush?.();
  process.exit(1);
}
