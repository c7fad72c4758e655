/** A read-only view of an informer's cache: what reconcilers read instead of calling the API. */
export interface ObjectCache<T> {
  get(namespace: string, name: string): Readonly<T> | undefined;
  list(namespace?: string): ReadonlyArray<Readonly<T>>;
  byIndex(index: string, value: string): ReadonlyArray<Readonly<T>>;
}
