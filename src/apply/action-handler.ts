// What the engine asks of each kind of action: snapshot, apply, verify and restore
// (docs/engine.md). Handlers implement it in their own files; handlers.ts registers the
// built-in ones.
import { join } from 'node:path';
import type { EngineAction } from './journal.js';

type Awaitable<T> = T | Promise<T>;

/** What the journal says about an action's target before it runs. */
export interface CheckContext {
  /** An earlier run (not rolled back) journaled this target: kvmio began changing it. */
  readonly journaled: boolean;
  /** ... and one such change finished (`done`). */
  readonly completed: boolean;
}

export interface ActionHandler<A extends EngineAction = EngineAction, S = unknown> {
  /** Redirect paths (files under --root); the result is what gets journaled. */
  locate(action: A, root: string): A;
  /** Identity of what the action changes ("sysfs:/sys/block/sdb/queue/scheduler"). */
  key(action: A): string;
  /** The current state, JSON-serializable: journaled before any change. */
  snapshot(action: A): Awaitable<S>;
  /** The target already holds what the action would set. */
  isDone(action: A, current: S): boolean;
  /** Why the action must not run (a guard), or undefined. */
  check(action: A, current: S, ctx?: CheckContext): string | undefined;
  /** Human text: "sysfs /sys/…: mq-deadline → none", or a unified diff. */
  describe(action: A, current: S): string;
  apply(action: A): Awaitable<void>;
  /** Undefined when the target holds the action's value, else what differs. */
  verify(action: A, current: S): string | undefined;
  /** Put back the state `old` (a snapshot). */
  restore(action: A, old: S): Awaitable<void>;
  /** Undefined when `current` equals `old`, else what differs. */
  compare(old: S, current: S): string | undefined;
  describeRestore(action: A, old: S, current: S): string;
  /** Journal the state right after the change (`done.after`) for refuseRestore. */
  readonly keepsAfter?: boolean;
  /**
   * Why rollback must not touch the target although it differs from `old` (e.g. an image
   * kvmio created was written to since: `after` is the state journaled right after the
   * change, undefined when the run was killed before it was recorded).
   */
  refuseRestore?(action: A, old: S, current: S, after: S | undefined): string | undefined;
  /** The object now is the one kvmio created (`after`: journaled right after creation): same identity, unchanged. */
  owns?(action: A, current: S, after: S): boolean;
}

export type HandlerMap = Readonly<Record<string, ActionHandler>>;

/** A host path as seen under --root ("" or "/": the host itself). */
export const underRoot = (root: string, path: string): string => (root === '' || root === '/' ? path : join(root, path));
