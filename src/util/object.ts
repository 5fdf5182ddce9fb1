/**
 * @module util/object
 * Plain-object helpers shared by every layer.
 */

/** `T` with each member that may be `undefined` made optional instead (and never `undefined`). */
export type WithoutUndefined<T> = { [K in keyof T as undefined extends T[K] ? never : K]: T[K] } & {
  [K in keyof T as undefined extends T[K] ? K : never]?: Exclude<T[K], undefined>;
};

/** `fields` without the members whose value is `undefined`: optional fields left out rather than set to nothing. */
export function withoutUndefined<T extends Record<string, unknown>>(fields: T): WithoutUndefined<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as WithoutUndefined<T>;
}
