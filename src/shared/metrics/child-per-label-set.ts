/**
 * A metric's child for a label set, made on first use and kept: prom-client
 * checks and hashes the labels on every `inc`/`observe` call otherwise, and
 * these run once per request or job. Label sets must be bounded (they are
 * series anyway); callers pass their labels in one fixed key order.
 */
export function childPerLabelSet<Labels extends Record<string, string | number>, Child>(
  make: (labels: Labels) => Child,
): (labels: Labels) => Child {
  const children = new Map<string, Child>();
  return (labels) => {
    let id = '';
    for (const name in labels) id += `${labels[name]}\n`; // cheaper than Object.values().join()
    let child = children.get(id);
    if (child === undefined) {
      child = make(labels);
      children.set(id, child);
    }
    return child;
  };
}
