/** The label value for everything past the cap. */
export const OTHER_LABEL = "other";

/**
 * A label whose values come from outside (key names, model names clients send): the first `max`
 * distinct values keep their own series, later ones share `other`, so a scrape stays a bounded size.
 */
export class BoundedLabel {
  private readonly seen = new Set<string>();

  constructor(private readonly max: number) {}

  of(value: string): string {
    if (this.seen.has(value)) return value;
    if (this.seen.size >= this.max) return OTHER_LABEL;
    this.seen.add(value);
    return value;
  }
}
