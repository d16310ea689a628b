import { utf8Length } from './text.js';

/**
 * A size budget for text assembled from whole pieces (lines, table rows, sections). A piece is added only
 * when it fits together with what must still follow (the reserve), so output is cut between constructs,
 * never inside one.
 */

export interface Size {
  readonly chars: number;
  readonly bytes: number;
}

export const NO_SIZE: Size = { chars: 0, bytes: 0 };

export function measure(text: string): Size {
  return { chars: text.length, bytes: utf8Length(text) };
}

export function addSizes(...sizes: readonly Size[]): Size {
  let chars = 0;
  let bytes = 0;
  for (const size of sizes) {
    chars += size.chars;
    bytes += size.bytes;
  }
  return { chars, bytes };
}

export interface Budget {
  /** True when `text` plus `reserve` fit in what is left. */
  fits(text: string | Size, reserve?: Size): boolean;
  /** Appends `text` when it fits with `reserve` (which is not appended); says whether it did. */
  tryAdd(text: string, reserve?: Size): boolean;
  /** Appends `text` unconditionally: for pieces whose room was reserved earlier. */
  add(text: string): void;
  /** What is left after `reserve`. */
  remaining(reserve?: Size): Size;
  text(): string;
}

/** A budget of `limit.chars` UTF-16 code units and `limit.bytes` UTF-8 bytes. */
export function createBudget(limit: Size): Budget {
  const parts: string[] = [];
  let chars = 0;
  let bytes = 0;
  const remaining = (reserve: Size = NO_SIZE): Size => ({
    chars: limit.chars - chars - reserve.chars,
    bytes: limit.bytes - bytes - reserve.bytes,
  });
  const fits = (text: string | Size, reserve: Size = NO_SIZE): boolean => {
    const size = typeof text === 'string' ? measure(text) : text;
    const left = remaining(reserve);
    return size.chars <= left.chars && size.bytes <= left.bytes;
  };
  const add = (text: string): void => {
    parts.push(text);
    chars += text.length;
    bytes += utf8Length(text);
  };
  return {
    fits,
    remaining,
    add,
    tryAdd(text, reserve = NO_SIZE) {
      if (!fits(text, reserve)) return false;
      add(text);
      return true;
    },
    text: () => parts.join(''),
  };
}
