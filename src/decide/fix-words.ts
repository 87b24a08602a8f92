// Helpers for building fixes (model/finding.ts Fix) whose values come from the host: a
// value inside a sed script is escaped for sed first (GNU sed's s///e flag and w
// command could otherwise run or write something), then the whole script is one value
// that the renderer shell-quotes.
import { fixText, type Fix } from '../model/finding.js';

export { fixText };

/** A fix of plain words, every one a value (quoted as needed when rendered). */
export const fixWords = (words: readonly (string | number)[]): Fix => ({ parts: words.flatMap((w, i) => (i === 0 ? [{ value: String(w) }] : [{ text: ' ' }, { value: String(w) }])) });

/** A fix that is kvmio's own text only (no host values in it). */
export const fixLiteral = (text: string): Fix => fixText([text]);

/** `value` as a literal inside a sed regular expression (BRE or ERE), delimiter "/". */
export const sedRegex = (value: string): string => value.replace(/[\\/.*[\]^$+?(){}|&\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));

/** `value` as a literal sed replacement text, delimiter "/". */
export const sedReplacement = (value: string): string => value.replace(/[\\/&\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));
