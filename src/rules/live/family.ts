/** What an incrementally evaluated rule family keeps up to date as a live timeline grows. */
import type { FamilyResult, LimitState } from '../families/family.ts';
import type { Timeline } from '../timeline.ts';

export interface LiveFamily {
  /** The live timeline gained the deal at index `i` (every earlier one was seen). */
  deal?(i: number): void;
  /** The live timeline gained the equity point at index `i` (every earlier one was seen). */
  point(i: number): void;
  /** The family's result for the timeline so far, as its batch evaluator gives it (limit included). */
  result(timeline: Timeline): FamilyResult;
  /** A loss limit's state at the last point (null before any point, or for other families). */
  limit(): LimitState | null;
  /** Whether the family's result holds a confirmed hard violation. */
  hardBreach(): boolean;
}
