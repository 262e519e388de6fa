const COLORS = [36, 32, 33, 35, 34, 96, 92, 93, 95];
const LEVELS: Record<number, string> = { 10: "TRACE", 20: "DEBUG", 30: "INFO ", 40: "WARN ", 50: "ERROR", 60: "FATAL" };
const OMIT = new Set(["level", "time", "msg", "service", "pid", "hostname"]);

export function colorFor(index: number, enabled: boolean): (text: string) => string {
  const code = COLORS[index % COLORS.length];
  return enabled ? (text) => `\u001b[${code}m${text}\u001b[0m` : (text) => text;
}

/** Turns one pino JSON line into `12:00:00 INFO  message key=value`; other lines pass unchanged. */
export function formatLogLine(line: string): string {
  if (!line.startsWith("{")) return line;
  try {
    const entry = JSON.parse(line) as Record<string, unknown>;
    const time = typeof entry.time === "string" ? entry.time.slice(11, 19) : "";
    const level = LEVELS[entry.level as number] ?? String(entry.level);
    const extra = Object.entries(entry)
      .filter(([key]) => !OMIT.has(key))
      .map(([key, value]) => `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`)
      .join(" ");
    return `${time} ${level} ${entry.msg ?? ""}${extra ? ` ${extra}` : ""}`;
  } catch {
    return line;
  }
}
