/** A map of string keys that forgets its least recently set entries past `max` (caches in plugins). */
export class BoundedMap<T> {
  readonly #entries = new Map<string, T>();
  constructor(private readonly max = 10_000) {}
  get(key: string): T | undefined {
    return this.#entries.get(key);
  }
  set(key: string, value: T): void {
    this.#entries.delete(key);
    this.#entries.set(key, value);
    while (this.#entries.size > this.max) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
  }
  delete(key: string): void {
    this.#entries.delete(key);
  }
}
