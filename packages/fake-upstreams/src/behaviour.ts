/**
 * What every fake does by upstream model name (see the connector's conformance suite):
 * echo, tool, status-<code>, context-length, blocked, mid-stream-error, hang.
 */
export type Behaviour =
  | { name: "echo" | "tool" | "context-length" | "blocked" | "mid-stream-error" | "hang" }
  | { name: "status"; status: number }
  | { name: "other" };

export function behaviourOf(model: string): Behaviour {
  const status = /^status-(\d{3})$/.exec(model);
  if (status) return { name: "status", status: Number(status[1]) };
  switch (model) {
    case "echo":
    case "tool":
    case "context-length":
    case "blocked":
    case "mid-stream-error":
    case "hang":
      return { name: model };
    default:
      return { name: "other" };
  }
}

/** Put in every error message a fake sends, so tests can check that it never reaches a client. */
export const LEAK_MARKER = "sk-fake-LEAK";

/** The words of `text`, each with its trailing whitespace: streamed one per delta, they concatenate back to `text`. */
export function wordsOf(text: string): string[] {
  return text.match(/\S+\s*/g) ?? [];
}

/** How many words `text` has: the fakes' token count. */
export function countWords(text: string): number {
  return wordsOf(text).length;
}

/** The `{"q": "<text>"}` arguments a `tool` model calls the first tool with. */
export function toolArguments(text: string): string {
  return JSON.stringify({ q: text });
}

/** `text` cut in two (at least two pieces when it has two characters). */
export function halves(text: string): [string, string] {
  const at = Math.max(1, Math.floor(text.length / 2));
  return [text.slice(0, at), text.slice(at)];
}
