/**
 * BullMQ ships its Lua scripts, includes resolved, as plain modules; it has no
 * exports map, so this deep import is allowed, but its types live elsewhere.
 */
declare module 'bullmq/dist/cjs/scripts/index.js' {
  interface RawScript {
    readonly name: string;
    readonly content: string;
    readonly keys: number;
  }
  export const addStandardJob: RawScript;
  export const addDelayedJob: RawScript;
  export const addPrioritizedJob: RawScript;
  export const reprocessJob: RawScript;
}
