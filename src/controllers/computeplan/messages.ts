// Messages in conditions name what they are about, but a plan has thousands of tasks: every list in
// a message is cut short, so a status stays small whatever went wrong.

/** The most items a message lists before it says how many more there are. */
export const maxListed = 10;

/** `a, b, c` or `a, b, … and 12 more`: at most `max` items, in the order given. */
export function boundedList(items: readonly string[], max = maxListed): string {
  if (items.length <= max) return items.join(', ');
  return `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}

/** `a -> b -> a`, eliding the middle of a long cycle but always closing it. */
export function cycleText(cycle: readonly string[], max = maxListed): string {
  if (cycle.length <= max) return cycle.join(' -> ');
  const shown = cycle.slice(0, max - 1);
  return `${shown.join(' -> ')} -> … (${cycle.length - 1 - shown.length} more) -> ${cycle.at(-1)}`;
}
