import { VcmError } from '../crypto/errors.ts';

/** Readers of decoded record fields: a field of the wrong shape is CORRUPT_RECORD. */
export class RecordFields {
  readonly #where: string;
  readonly #body: Record<string, unknown>;

  constructor(where: string, body: unknown) {
    this.#where = where;
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw this.#corrupt('body');
    }
    this.#body = body as Record<string, unknown>;
  }

  #corrupt(field: string): VcmError {
    return new VcmError('CORRUPT_RECORD', `stored record ${this.#where} has an invalid ${field}`);
  }

  /** Whether the record has the field at all (fields added later are absent from old records). */
  has(field: string): boolean {
    return Object.hasOwn(this.#body, field);
  }

  boolean(field: string): boolean {
    const value = this.#body[field];
    if (typeof value !== 'boolean') throw this.#corrupt(field);
    return value;
  }

  string(field: string, pattern?: RegExp): string {
    const value = this.#body[field];
    if (typeof value !== 'string' || (pattern !== undefined && !pattern.test(value))) {
      throw this.#corrupt(field);
    }
    return value;
  }

  integer(field: string, min: number, max: number): number {
    const value = this.#body[field];
    if (!Number.isSafeInteger(value) || (value as number) < min || (value as number) > max) {
      throw this.#corrupt(field);
    }
    return value as number;
  }

  oneOf<T extends string>(field: string, allowed: readonly T[]): T {
    const value = this.#body[field];
    if (!(allowed as readonly unknown[]).includes(value)) throw this.#corrupt(field);
    return value as T;
  }

  array(field: string): unknown[] {
    const value = this.#body[field];
    if (!Array.isArray(value)) throw this.#corrupt(field);
    return value;
  }

  /** The field as decoded, for a nested value with its own checks. */
  raw(field: string): unknown {
    return this.#body[field];
  }

  fail(field: string): never {
    throw this.#corrupt(field);
  }
}
