/**
 * Wraps a stream translator's `start`, which needs the id the first chunk brings: the first call
 * starts the stream (with that id, or none when the stream ends before any chunk), later calls
 * add nothing.
 */
export function startOnce<E>(start: (id?: string) => E[]): (id?: string) => E[] {
  let started = false;
  return (id) => {
    if (started) return [];
    started = true;
    return start(id);
  };
}
