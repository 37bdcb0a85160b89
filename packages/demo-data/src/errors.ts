/**
 * Thrown when demo data cannot be generated or changed: the output already exists, or
 * the folder given to {@link mutateDemoData} does not hold a demo message store.
 * Retrying the same call does not help. (Shaped like `@chatvault/format`'s ChatvaultError:
 * stable `code`, `retryable`.)
 */
export class DemoDataError extends Error {
  readonly code = "demo_data";
  readonly retryable = false;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "DemoDataError";
  }
}
